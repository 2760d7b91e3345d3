import CapstanTestSupport
import Testing
@testable import RTP

@Suite struct RTPHeaderTests {
    // RFC 3550 §5.1 by hand: V=2 P=0 X=0 CC=0 → 0x80; M=1 PT=96 → 0xE0;
    // seq 0x1234; timestamp 0x11223344; SSRC 0xDEADBEEF; payload 01 02 03.
    static let simple = hex("80 E0 1234 11223344 DEADBEEF 010203")

    // RFC 3550 §5.1/§5.3.1 + RFC 8285 §4.2 by hand: V=2 P=1 X=1 CC=2 → 0xB2; M=0 PT=111 → 0x6F;
    // seq 0xFFFF; ts 0; SSRC 1; CSRCs 2, 3; extension 0xBEDE length 2 words:
    // id 1 L=0 (0x10) AA, id 2 L=1 (0x21) BB CC, 3 zero pad bytes; payload DE AD; padding 00 02.
    static let full = hex("""
        B2 6F FFFF 00000000 00000001 00000002 00000003
        BEDE 0002 10 AA 21 BB CC 00 00 00
        DE AD 00 02
        """)

    // RFC 8285 §4.3 by hand: two-byte form, profile 0x1000 with appbits 0, 2 words:
    // id 5 L=0, id 200 L=3 (C8 03 01 02 03), 1 zero pad byte. X=1 → 0x90, M=0 PT=100 → 0x64.
    static let twoByte = hex("""
        90 64 0001 00000010 CAFEBABE
        1000 0002 05 00 C8 03 01 02 03 00
        FF
        """)

    @Test func parsesSimpleHeader() throws {
        let header = try RTPHeader(parsing: Self.simple)
        #expect(header.version == 2)
        #expect(!header.hasPadding && !header.hasExtension)
        #expect(header.marker)
        #expect(header.payloadType == 96)
        #expect(header.sequenceNumber == 0x1234)
        #expect(header.timestamp == 0x1122_3344)
        #expect(header.ssrc == 0xDEAD_BEEF)
        #expect(header.csrcCount == 0)
        #expect(header.extensionProfile == nil)
        #expect(header.headerLength == 12)
        #expect(header.payloadRange == 12..<15)
        #expect(header.paddingLength == 0)
    }

    @Test func parsesCSRCsExtensionAndPadding() throws {
        let header = try RTPHeader(parsing: Self.full)
        #expect(header.hasPadding && header.hasExtension && !header.marker)
        #expect(header.payloadType == 111)
        #expect(header.sequenceNumber == 0xFFFF)
        #expect(Array(header.csrcs) == [2, 3])
        #expect(header.extensionProfile == 0xBEDE)
        #expect(header.extensionRange == 24..<32)
        #expect(header.headerLength == 32)
        #expect(header.payloadRange == 32..<34)
        #expect(header.paddingLength == 2)
        try Self.full.withUnsafeBytes { raw throws in
            let elements = try header.extensionElements(in: raw)
            #expect(elements == [RTPHeaderExtensionElement(id: 1, range: 25..<26),
                                 RTPHeaderExtensionElement(id: 2, range: 27..<29)])
            #expect(header.rangeOfExtension(id: 2, in: raw) == 27..<29)
            #expect(header.rangeOfExtension(id: 3, in: raw) == nil)
        }
    }

    @Test func parsesTwoByteExtensions() throws {
        let header = try RTPHeader(parsing: Self.twoByte)
        #expect(header.extensionProfile == 0x1000)
        try Self.twoByte.withUnsafeBytes { raw throws in
            let elements = try header.extensionElements(in: raw)
            #expect(elements == [RTPHeaderExtensionElement(id: 5, range: 18..<18),
                                 RTPHeaderExtensionElement(id: 200, range: 20..<23)])
            #expect(Array(raw[20..<23]) == [1, 2, 3])
        }
        #expect(header.payloadRange == 24..<25)
    }

    @Test func oneByteIdentifier15StopsProcessing() throws {
        // RFC 8285 §4.2: ID 15 ends processing; the element after it is ignored.
        let bytes = hex("90 00 0000 00000000 00000000 BEDE 0001 10 AA F0 20")
        let header = try RTPHeader(parsing: bytes)
        try bytes.withUnsafeBytes { raw throws in
            #expect(try header.extensionElements(in: raw) == [RTPHeaderExtensionElement(id: 1, range: 17..<18)])
        }
    }

    @Test func unknownProfileYieldsNoElements() throws {
        let bytes = hex("90 00 0000 00000000 00000000 ABCD 0001 10 AA 20 BB")
        let header = try RTPHeader(parsing: bytes)
        try bytes.withUnsafeBytes { raw throws in
            #expect(try header.extensionElements(in: raw).isEmpty)
        }
    }

    @Test func elementOverrunIsReported() throws {
        // id 1 with L=3 (4 bytes) but only 3 bytes left in the one-word block.
        let bytes = hex("90 00 0000 00000000 00000000 BEDE 0001 13 AA BB CC")
        let header = try RTPHeader(parsing: bytes)
        bytes.withUnsafeBytes { raw in
            #expect(caught { () throws(RTPError) in try header.extensionElements(in: raw) } == .malformedHeaderExtension)
        }
    }

    /// Renumbering in place changes the three fields and nothing else: the
    /// CSRCs, extension, payload and padding of the full packet survive.
    @Test func rewriteChangesOnlySequenceTimestampAndSSRC() throws {
        var bytes = Self.full
        let before = try RTPHeader(parsing: bytes)
        bytes.withUnsafeMutableBytes { RTPHeader.rewrite($0, sequenceNumber: 0x0102, timestamp: 0xA0B0_C0D0, ssrc: 0x0BAD_F00D) }
        let after = try RTPHeader(parsing: bytes)
        #expect(after.sequenceNumber == 0x0102 && after.timestamp == 0xA0B0_C0D0 && after.ssrc == 0x0BAD_F00D)
        #expect(Array(bytes[0..<2]) == Array(Self.full[0..<2]))
        #expect(Array(bytes[12...]) == Array(Self.full[12...]))
        #expect(after.csrcs == before.csrcs && after.payloadRange == before.payloadRange)
        // Without an SSRC the SSRC stays.
        bytes.withUnsafeMutableBytes { RTPHeader.rewrite($0, sequenceNumber: 7, timestamp: 8) }
        #expect(try RTPHeader(parsing: bytes).ssrc == 0x0BAD_F00D)
        #expect(Array(bytes[8..<12]) == [0x0B, 0xAD, 0xF0, 0x0D])
    }
}
