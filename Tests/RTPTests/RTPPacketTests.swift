import CapstanTestSupport
import Testing
@testable import RTP

@Suite struct RTPPacketTests {
    @Test func buildsSimplePacketByteExact() {
        let packet = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 0x1122_3344,
                               ssrc: 0xDEAD_BEEF, payload: [1, 2, 3])
        #expect(packet.bytes == RTPHeaderTests.simple)
        #expect(packet.bytesViaBuffer == RTPHeaderTests.simple)
        #expect(packet.encodedSize == RTPHeaderTests.simple.count)
    }

    @Test func buildsFullPacketByteExact() {
        var packet = RTPPacket(payloadType: 111, sequenceNumber: 0xFFFF, timestamp: 0, ssrc: 1, csrcs: [2, 3],
                               headerExtension: .oneByte([RTPHeaderExtension(id: 1, data: [0xAA]),
                                                          RTPHeaderExtension(id: 2, data: [0xBB, 0xCC])]),
                               payload: [0xDE, 0xAD])
        packet.paddingLength = 2
        #expect(packet.bytes == RTPHeaderTests.full)
        #expect(packet.bytesViaBuffer == RTPHeaderTests.full)
    }

    @Test func buildsTwoBytePacketByteExact() {
        let packet = RTPPacket(payloadType: 100, sequenceNumber: 1, timestamp: 16, ssrc: 0xCAFE_BABE,
                               headerExtension: .twoByte(appBits: 0, [RTPHeaderExtension(id: 5, data: []),
                                                                      RTPHeaderExtension(id: 200, data: [1, 2, 3])]),
                               payload: [0xFF])
        #expect(packet.bytes == RTPHeaderTests.twoByte)
    }

    static let roundTripVectors: [[UInt8]] = [
        RTPHeaderTests.simple,
        RTPHeaderTests.full,
        RTPHeaderTests.twoByte,
        // padding between one-byte elements and an ID 15 terminator: kept raw
        hex("90 00 0000 00000000 00000000 BEDE 0002 10 AA 00 21 BB CC F0 00"),
        // unknown extension profile
        hex("90 00 0000 00000000 00000000 ABCD 0001 01020304 99"),
        // two-byte with appbits 0xA
        hex("90 00 0000 00000000 00000000 100A 0001 07 01 55 00"),
        // padding with non-zero filler, empty payload, 15 CSRCs
        hex("AF 7F 0102 03040506 0708090A" + String(repeating: "11223344", count: 15) + "AB CD 03"),
        // empty extension block (length 0)
        hex("90 08 0000 00000001 00000002 BEDE 0000"),
    ]

    @Test(arguments: roundTripVectors)
    func roundTrip(bytes: [UInt8]) throws {
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.bytes == bytes)
        #expect(packet.bytesViaBuffer == bytes)
        #expect(packet.encodedSize == bytes.count)
    }

    @Test func parsedElementsAreTyped() throws {
        let packet = try RTPPacket(parsing: RTPHeaderTests.full)
        #expect(packet.headerExtension == .oneByte([RTPHeaderExtension(id: 1, data: [0xAA]),
                                                    RTPHeaderExtension(id: 2, data: [0xBB, 0xCC])]))
        #expect(packet.headerExtension?.element(id: 2) == [0xBB, 0xCC])
        #expect(packet.payload == [0xDE, 0xAD])
        #expect(packet.padding == [0, 2])
        #expect(packet.csrcs == [2, 3])
    }

    @Test func nonCanonicalBlockIsRawButReadable() throws {
        let packet = try RTPPacket(parsing: Self.roundTripVectors[3])
        guard case .raw(let profile, let data)? = packet.headerExtension else {
            Issue.record("expected raw block")
            return
        }
        #expect(profile == 0xBEDE)
        #expect(data == hex("10 AA 00 21 BB CC F0 00"))
        #expect(packet.headerExtension?.elements == [RTPHeaderExtension(id: 1, data: [0xAA]),
                                                     RTPHeaderExtension(id: 2, data: [0xBB, 0xCC])])
    }

    @Test func writeAppendsAfterExistingBytes() {
        let packet = RTPPacket(payloadType: 0, sequenceNumber: 7, timestamp: 8, ssrc: 9)
        var bytes: [UInt8] = [0xAA]
        packet.write(to: &bytes)
        #expect(bytes == [0xAA] + hex("80 00 0007 00000008 00000009"))
    }
}
