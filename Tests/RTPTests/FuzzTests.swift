import CapstanTestSupport
import Testing
import RTP

/// Random and mutated buffers (fixed seeds) through every parser: no crash, and
/// anything the RTP parser accepts re-serializes to the same bytes.
@Suite struct FuzzTests {
    static func exercise(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            if let header = try? RTPHeader(parsing: raw) {
                var iterator = header.extensions(in: raw).makeIterator()
                while let element = iterator.next() {
                    precondition(element.range.upperBound <= raw.count)
                }
                _ = try? header.extensionElements(in: raw)
                #expect(header.payloadRange.upperBound <= raw.count)
            }
            if let packet = try? RTPPacket(parsing: raw) {
                #expect(packet.bytes == bytes)
            }
            var walker = RTCPHeaderIterator(raw)
            while let (_, range) = walker.next() {
                _ = try? RTCPPacket(parsing: UnsafeRawBufferPointer(rebasing: raw[range]))
            }
            _ = RTCPCompoundPacket.firstSenderInfo(in: raw)
            if let packets = try? RTCPCompoundPacket.parse(raw) {
                let serialized = RTCPCompoundPacket.serialize(packets)
                #expect(serialized.count == RTCPCompoundPacket.encodedSize(of: packets))
                // Re-parsing what we wrote gives the same packets.
                #expect((try? RTCPCompoundPacket.parse(serialized)) == packets)
            }
        }
    }

    @Test func tenThousandRandomBuffers() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<10_000 {
            let length = Int.random(in: 0..<96, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half the time make it look like version 2 so parsing gets past the first check.
            if !bytes.isEmpty, Bool.random(using: &rng) { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            Self.exercise(bytes)
        }
    }

    @Test func tenThousandMutatedValidPackets() {
        var rng = SplitMix64(seed: 42)
        let seeds = RTPPacketTests.roundTripVectors + RTCPTests.singles + RTCPTests.compounds.map(\.bytes)
        for _ in 0..<10_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                default: bytes.removeSubrange(index...)
                }
                if bytes.isEmpty { break }
            }
            Self.exercise(bytes)
        }
    }
}
