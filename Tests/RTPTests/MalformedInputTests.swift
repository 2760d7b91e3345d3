import CapstanTestSupport
import Testing
import RTP

@Suite struct MalformedInputTests {
    static func rtpError(_ bytes: [UInt8]) -> RTPError? {
        caught { () throws(RTPError) in try RTPHeader(parsing: bytes) }
    }

    static func rtcpError(_ bytes: [UInt8]) -> RTPError? {
        caught { () throws(RTPError) in try RTCPCompoundPacket.parse(bytes) }
    }

    static let rtpCases: [(name: String, bytes: [UInt8], error: RTPError)] = [
        ("empty", [], .truncated),
        ("11 bytes", hex("80 00 0000 00000000 000000"), .truncated),
        ("version 1", hex("40 00 0000 00000000 00000000"), .unsupportedVersion(1)),
        ("version 0", hex("00 00 0000 00000000 00000000"), .unsupportedVersion(0)),
        ("version 3", hex("C0 00 0000 00000000 00000000"), .unsupportedVersion(3)),
        ("CSRC count past the end", hex("8F 00 0000 00000000 00000000 00000001"), .truncated),
        ("extension header missing", hex("90 00 0000 00000000 00000000 BEDE"), .extensionOverrun),
        ("extension length overrun", hex("90 00 0000 00000000 00000000 BEDE 0002 10AA0000"), .extensionOverrun),
        ("padding larger than payload", hex("A0 00 0000 00000000 00000000 01 02 05"), .invalidPadding),
        ("padding count zero", hex("A0 00 0000 00000000 00000000 01 02 00"), .invalidPadding),
        ("padding bit without bytes", hex("A0 00 0000 00000000 00000000"), .invalidPadding),
        ("padding eats into extension", hex("B0 00 0000 00000000 00000000 BEDE 0001 10AA0000 06"), .invalidPadding),
    ]

    @Test(arguments: rtpCases)
    func malformedRTP(name: String, bytes: [UInt8], error: RTPError) {
        #expect(Self.rtpError(bytes) == error, "\(name)")
        #expect(caught { () throws(RTPError) in try RTPPacket(parsing: bytes) } == error, "\(name)")
    }

    static let rtcpCases: [(name: String, bytes: [UInt8], error: RTPError)] = [
        ("empty compound", [], .emptyCompound),
        ("three bytes", hex("81 C8 00"), .truncated),
        ("wrong version", hex("41 C9 0001 00000001"), .unsupportedVersion(1)),
        ("length field overrun", hex("81 C8 00FF 01020304"), .invalidLength),
        ("second packet length overrun", RTCPTests.pli + hex("81 CE 0003 AAAAAAAA BBBBBBBB"), .invalidLength),
        ("trailing bytes after a packet", RTCPTests.pli + hex("81 CE"), .truncated),
        ("SR too short for sender info", hex("80 C8 0002 01020304 E5F1A2B3"), .truncated),
        ("SR report count past the end", hex("82 C8 0006 01020304 E5F1A2B3 80000000 00012345 00000064 00003E80"),
         .malformedRTCP(packetType: 200)),
        ("RR without SSRC", hex("80 C9 0000"), .truncated),
        ("SDES chunk without terminator", hex("81 CA 0002 01020304 01 02 61 62"), .malformedRTCP(packetType: 202)),
        ("SDES item past the end", hex("81 CA 0002 01020304 01 09 61 62"), .malformedRTCP(packetType: 202)),
        ("SDES count past the end", hex("82 CA 0002 01020304 01 01 61 00"), .malformedRTCP(packetType: 202)),
        ("BYE sources past the end", hex("83 CB 0002 00000001 00000002"), .malformedRTCP(packetType: 203)),
        ("BYE reason past the end", hex("81 CB 0002 00000001 07 61 62 63"), .malformedRTCP(packetType: 203)),
        ("NACK without media SSRC", hex("81 CD 0001 AAAAAAAA"), .truncated),
        ("PLI with FCI", hex("81 CE 0003 AAAAAAAA BBBBBBBB 00000000"), .malformedRTCP(packetType: 206)),
        ("FIR with half an entry", hex("84 CE 0003 AAAAAAAA 00000000 CCCCCCCC"), .malformedRTCP(packetType: 206)),
        ("REMB Num SSRC mismatch", hex("8F CE 0005 12345678 00000000 52454D42 02 07FB93 23456789"),
         .malformedRTCP(packetType: 206)),
        ("padding count zero", hex("A1 CE 0003 AAAAAAAA BBBBBBBB 00 00 00 00"), .invalidPadding),
        ("padding larger than packet", hex("A1 CE 0002 AAAAAAAA BBBBBBBB"), .invalidPadding),
    ]

    @Test(arguments: rtcpCases)
    func malformedRTCP(name: String, bytes: [UInt8], error: RTPError) {
        #expect(Self.rtcpError(bytes) == error, "\(name)")
    }

    /// Every truncation of the padded RTP packet fails (its last byte is read as padding count).
    @Test func everyTruncationOfPaddedRTPPacketFails() {
        let full = RTPHeaderTests.full
        for length in 0..<full.count {
            #expect(Self.rtpError(Array(full[..<length])) != nil, "length \(length)")
        }
    }

    /// Every truncation inside the header (fixed part, CSRCs, extension) fails.
    @Test(arguments: [RTPHeaderTests.simple, RTPHeaderTests.twoByte, RTPPacketTests.roundTripVectors[6]])
    func everyTruncationInsideTheHeaderFails(bytes: [UInt8]) throws {
        let headerLength = try RTPHeader(parsing: bytes).headerLength
        for length in 0..<headerLength {
            #expect(Self.rtpError(Array(bytes[..<length])) != nil, "length \(length)")
        }
    }

    /// Truncating a compound anywhere but at a packet boundary fails; at a boundary it
    /// yields the packets before it.
    @Test(arguments: RTCPTests.compounds.map(\.bytes) + RTCPTests.singles)
    func everyTruncationOfRTCPFails(bytes: [UInt8]) throws {
        var boundaries: [Int: Int] = [:]
        try bytes.withUnsafeBytes { raw throws in
            var iterator = RTCPHeaderIterator(raw)
            var count = 0
            while let (_, range) = iterator.next() {
                count += 1
                boundaries[range.upperBound] = count
            }
            #expect(iterator.error == nil)
        }
        for length in 1..<bytes.count {
            let prefix = Array(bytes[..<length])
            if let count = boundaries[length] {
                #expect(try RTCPCompoundPacket.parse(prefix).count == count)
            } else {
                #expect(Self.rtcpError(prefix) != nil, "length \(length)")
            }
        }
    }
}
