import Testing
@testable import WebM

/// RFC 6716 §3.1 TOC byte: config (5 bits), stereo (1), frame count code (2).
@Suite struct OpusPacketTests {
    static let cases: [([UInt8], Int64?)] = [
        ([0 << 3], 10_000_000),            // SILK NB 10 ms, 1 frame
        ([3 << 3], 60_000_000),            // SILK NB 60 ms
        ([13 << 3 | 1], 40_000_000),       // Hybrid 20 ms, 2 frames
        ([16 << 3], 2_500_000),            // CELT 2.5 ms
        ([31 << 3 | 3, 0x06], 120_000_000), // CELT 20 ms × 6 frames (code 3)
        ([31 << 3 | 3, 0x07], nil),        // 140 ms: over the 120 ms limit
        ([31 << 3 | 3], nil),              // code 3 without the count byte
        ([], nil),
    ]

    @Test(arguments: OpusPacketTests.cases)
    func durations(_ packet: [UInt8], _ expected: Int64?) {
        #expect(packet.withUnsafeBytes { OpusPacket.durationNs($0) } == expected)
    }

    /// ffmpeg's libopus packets are 20 ms each.
    @Test func ffmpegPacketsAre20ms() throws {
        let src = try SourceMedia(path: try Fixtures.get().src640)
        for f in src.audio {
            #expect(f.bytes.withUnsafeBytes { OpusPacket.durationNs($0) } == 20_000_000)
        }
    }
}
