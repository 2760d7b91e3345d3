import CapstanTestSupport
import Testing
import RTP

@Suite struct GenericNACKTests {
    typealias Pair = GenericNACK.Pair

    // RFC 4585 §6.2.1: BLP's least significant bit reports PID+1, its most significant PID+16.
    static let cases: [(lost: [UInt16], pairs: [Pair])] = [
        ([100], [Pair(packetID: 100, bitmask: 0)]),
        ([100, 101, 103, 116], [Pair(packetID: 100, bitmask: 0x8005)]),            // one pair: 116 = PID+16
        ([100, 101, 103, 117], [Pair(packetID: 100, bitmask: 0x0005),              // 117 = PID+17: needs
                                Pair(packetID: 117, bitmask: 0)]),                 // a second pair
        ([100, 117], [Pair(packetID: 100, bitmask: 0), Pair(packetID: 117, bitmask: 0)]),  // 17 apart
        ([65534, 65535, 0, 1], [Pair(packetID: 65534, bitmask: 0x0007)]),          // wrap 65535 → 0
        ([1, 0, 65535], [Pair(packetID: 65535, bitmask: 0x0003)]),                 // unordered across the wrap
        ([65530, 10], [Pair(packetID: 65530, bitmask: 0x8000)]),                   // 10 = 65530 + 16 (mod 2^16)
        ([5, 5, 6, 6], [Pair(packetID: 5, bitmask: 0x0001)]),                      // duplicates
        ([], []),
        (Array(0...33), [Pair(packetID: 0, bitmask: 0xFFFF), Pair(packetID: 17, bitmask: 0xFFFF)]),
    ]

    @Test(arguments: cases)
    func compressesIntoFewestPairs(lost: [UInt16], pairs: [Pair]) throws {
        #expect(GenericNACK.pairs(for: lost) == pairs)
        let nack = GenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: lost)
        var expanded = nack.lostSequenceNumbers
        var unique: [UInt16] = []
        for value in lost where !unique.contains(value) { unique.append(value) }
        #expect(expanded.sorted() == unique.sorted())
        expanded.removeAll()
        // Round trip through the wire.
        #expect(try RTCPPacket(parsing: RTCPPacket.genericNACK(nack).bytes) == .genericNACK(nack))
    }

    @Test func handBuiltBytes() {
        let nack = GenericNACK(senderSSRC: 0xAAAA_AAAA, mediaSSRC: 0xBBBB_BBBB, lostSequenceNumbers: [100, 101, 103, 116])
        #expect(RTCPPacket.genericNACK(nack).bytes == RTCPTests.nack)
    }

    @Test func expandsWireOrder() throws {
        // Two pairs on the wire: PID 65535 BLP 0x0001, PID 20 BLP 0x8000.
        let bytes = hex("81 CD 0004 00000001 00000002 FFFF 0001 0014 8000")
        guard case .genericNACK(let nack) = try RTCPPacket(parsing: bytes) else {
            Issue.record("not NACK")
            return
        }
        #expect(nack.lostSequenceNumbers == [65535, 0, 20, 36])
    }
}
