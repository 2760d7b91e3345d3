import Testing
@testable import Transport

@Suite("RFC 7983 demultiplexing")
struct DatagramClassTests {
    @Test("first-byte ranges of RFC 7983 §7 and RFC 5761 §4", arguments: [
        ([0x00, 0x01], DatagramClass.stun), ([0x03, 0x00], .stun),
        ([0x14, 0xFE], .dtls), ([0x16, 0xFE], .dtls), ([0x3F, 0x00], .dtls),
        ([0x80, 0x60], .rtp), ([0x80, 0xE0], .rtp), ([0xBF, 0x6F], .rtp),
        ([0x80, 0xC8], .rtcp), ([0x81, 0xCD], .rtcp), ([0x80, 0xDF], .rtcp),
        ([0x04, 0x00], .unknown), ([0x10, 0x00], .unknown), ([0x40, 0x00], .unknown),
        ([0x7F, 0x00], .unknown), ([0xC0, 0x00], .unknown), ([0xFF, 0xFF], .unknown),
        ([0x80], .unknown), ([], .unknown),
    ] as [([UInt8], DatagramClass)])
    func classify(bytes: [UInt8], expected: DatagramClass) {
        #expect(bytes.withUnsafeBytes { DatagramClass.classify($0) } == expected)
    }
}
