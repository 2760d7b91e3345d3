import CapstanTestSupport
import Testing
@testable import Codecs

@Suite struct VP8Tests {
    @Test func encodesAndDecodesTestPatternWithKeyframesEveryTwoSeconds() throws {
        let fps = 30
        let config = VP8Encoder.Configuration(width: 640, height: 480, fps: fps, bitrateKbps: 1500,
                                              keyframeInterval: 2 * fps)
        let encoder = try VP8Encoder(configuration: config)
        let decoder = try VP8Decoder()
        let pattern = TestPattern(width: 640, height: 480)
        var image = I420Image(width: 640, height: 480)
        var keyframeIndices: [Int] = []
        var decodedCount = 0
        var worstPSNR = Double.infinity
        let frameCount = 5 * fps
        for index in 0..<frameCount {
            pattern.render(index, into: &image)
            let pts = Int64(index * 90_000 / fps)
            let frames = try encoder.encode(image, pts: pts)
            #expect(frames.count == 1, "real-time mode returns each frame at once")
            for frame in frames {
                #expect(frame.pts == pts)
                let header = try VP8FrameHeader(parsing: frame.data)
                #expect(header.isKeyframe == frame.isKeyframe)
                #expect(header.showFrame)
                if header.isKeyframe {
                    keyframeIndices.append(index)
                    #expect(header.width == 640 && header.height == 480)
                    #expect(header.horizontalScale == 0 && header.verticalScale == 0)
                }
                let decoded = try #require(try decoder.decode(frame.data, copyImage: true))
                decodedCount += 1
                #expect(decoded.width == 640 && decoded.height == 480)
                #expect(!decoded.isCorrupted)
                let picture = try #require(decoded.image)
                #expect(pattern.readFrameCounter(in: picture) == index)
                worstPSNR = min(worstPSNR, try #require(picture.lumaPSNR(against: image)))
            }
        }
        #expect(decodedCount == frameCount)
        #expect(keyframeIndices == [0, 60, 120])
        #expect(worstPSNR > 28, "worst luma PSNR \(worstPSNR) dB")
    }

    @Test func forcedKeyframeAndReconfigureToAnotherSize() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 320, height: 240, fps: 30, bitrateKbps: 500,
                                                          keyframeInterval: 0))
        let decoder = try VP8Decoder()
        let small = TestPattern(width: 320, height: 240)
        var flags: [Bool] = []
        for i in 0..<6 {
            for f in try encoder.encode(small.frame(i), pts: Int64(i * 3000), forceKeyframe: i == 4) {
                flags.append(f.isKeyframe)
                #expect(try decoder.decode(f.data)?.width == 320)
            }
        }
        #expect(flags == [true, false, false, false, true, false])

        try encoder.reconfigure(width: 176, height: 144)
        let tiny = TestPattern(width: 176, height: 144)
        let next = try encoder.encode(tiny.frame(6), pts: 18_000)
        let first = try #require(next.first)
        #expect(first.isKeyframe)
        let header = try VP8FrameHeader(parsing: first.data)
        #expect(header.width == 176 && header.height == 144)
        let decoded = try #require(try decoder.decode(first.data, copyImage: true))
        #expect(decoded.width == 176 && decoded.height == 144)
        #expect(tiny.readFrameCounter(in: try #require(decoded.image)) == 6)
        // The old size is now rejected.
        #expect(throws: CodecsError.self) { try encoder.encode(small.frame(7), pts: 21_000) }
    }

    @Test func invalidConfigurationThrows() {
        #expect(throws: CodecsError.self) { try VP8Encoder(configuration: .init(width: 0, height: 480)) }
        #expect(throws: CodecsError.self) { try VP8Encoder(configuration: .init(width: 640, height: 480, fps: 0)) }
        #expect(throws: CodecsError.self) { try VP8Encoder(configuration: .init(width: 20_000, height: 480)) }
    }

    @Test func oddDimensionsRoundTrip() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 161, height: 121, bitrateKbps: 800))
        let decoder = try VP8Decoder()
        let pattern = TestPattern(width: 161, height: 121)
        for i in 0..<3 {
            let source = pattern.frame(i)
            #expect(source.u.count == 81 * 61)
            let frame = try #require(try encoder.encode(source, pts: Int64(i * 3000)).first)
            let decoded = try #require(try decoder.decode(frame.data, copyImage: true))
            #expect(decoded.width == 161 && decoded.height == 121)
            let picture = try #require(decoded.image)
            #expect(try #require(picture.lumaPSNR(against: source)) > 25)
        }
    }

    @Test func decoderRejectsGarbage() throws {
        let decoder = try VP8Decoder()
        #expect(throws: CodecsError.self) { try decoder.decode([UInt8]()) }
        #expect(throws: CodecsError.self) { try decoder.decode([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01]) }
    }

    @Test func decodingInterframeWithoutReferenceIsReportedNotCrashing() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 160, height: 120, keyframeInterval: 0))
        let pattern = TestPattern(width: 160, height: 120)
        var frames: [VP8EncodedFrame] = []
        for i in 0..<3 { frames += try encoder.encode(pattern.frame(i), pts: Int64(i * 3000)) }
        let decoder = try VP8Decoder()
        // Skip the keyframe: libvpx either rejects the interframe or flags it corrupt.
        do {
            if let decoded = try decoder.decode(frames[1].data) {
                #expect(decoded.isCorrupted)
            }
        } catch {
            guard case .vpx = error else { Issue.record("unexpected \(error)"); return }
        }
    }
}

@Suite struct VP8FrameHeaderTests {
    /// RFC 6386 §9.1: keyframe, version 0, show_frame 1, first partition 5
    /// bytes; start code 9d 01 2a; width 640 (0x0280), height 480 (0x01e0).
    let keyframe = bytes(hex: "b00000 9d012a 8002 e001 0102030405")

    @Test func parsesKeyframeHeader() throws {
        let h = try VP8FrameHeader(parsing: keyframe)
        #expect(h.isKeyframe)
        #expect(h.version == 0)
        #expect(h.showFrame)
        #expect(h.firstPartitionSize == 5)
        #expect(h.width == 640 && h.height == 480)
        #expect(h.horizontalScale == 0 && h.verticalScale == 0)
        #expect(h.encodedSize == 10)
    }

    @Test func parsesScalingBitsAndInterframe() throws {
        // Width 0x0280 with horizontal scale 1 (bits 14-15 = 01), height scale 3.
        let scaled = try VP8FrameHeader(parsing: bytes(hex: "b00000 9d012a 8042 e0c1 0102030405"))
        #expect(scaled.width == 640 && scaled.horizontalScale == 1)
        #expect(scaled.height == 480 && scaled.verticalScale == 3)
        // Interframe (bit 0 = 1), version 2, not shown, first partition 2 bytes.
        // tag = 1 | 2<<1 | 0<<4 | 2<<5 = 0x45
        let inter = try VP8FrameHeader(parsing: bytes(hex: "450000 aabb"))
        #expect(!inter.isKeyframe)
        #expect(inter.version == 2)
        #expect(!inter.showFrame)
        #expect(inter.firstPartitionSize == 2)
        #expect(inter.width == nil)
    }

    @Test(arguments: [
        ("", VP8FrameFault.truncated),
        ("b0", .truncated),
        ("b000", .truncated),
        ("b00000 9d012a 8002 e0", .truncated),             // keyframe needs 10 bytes
        ("b00000 9d012b 8002 e001 0102030405", .badStartCode),
        ("b00000 000000 0000 0000 0102030405", .badStartCode),
        ("0f0000", .unsupportedVersion(7)),                // version bits = 7
        ("b00000 9d012a 0000 e001 0102030405", .zeroDimension),
        ("b00000 9d012a 8002 e001 01020304", .firstPartitionExceedsFrame),
        ("e10000 aabb", .firstPartitionExceedsFrame),       // interframe, partition 7
    ])
    func rejectsTruncatedAndGarbage(hex: String, fault: VP8FrameFault) {
        #expect(throws: CodecsError.malformedVP8Frame(fault)) { try VP8FrameHeader(parsing: bytes(hex: hex)) }
    }

    @Test func truncatedRealKeyframeThrows() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 320, height: 240))
        let frame = try #require(try encoder.encode(TestPattern(width: 320, height: 240).frame(0), pts: 0).first)
        let header = try VP8FrameHeader(parsing: frame.data)
        #expect(header.isKeyframe && header.firstPartitionSize > 0)
        for cut in [0, 2, 5, 9, 10 + header.firstPartitionSize - 1] {
            #expect(throws: CodecsError.self) { try VP8FrameHeader(parsing: Array(frame.data.prefix(cut))) }
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 6386)
        for _ in 0..<20_000 {
            let n = Int.random(in: 0..<24, using: &rng)
            var data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if n >= 6 && Bool.random(using: &rng) { data[3] = 0x9D; data[4] = 0x01; data[5] = 0x2A; data[0] &= 0xFE }
            if let h = try? VP8FrameHeader(parsing: data) {
                #expect(h.firstPartitionSize + h.encodedSize <= data.count)
                #expect(h.version <= 3)
            }
        }
    }
}

@Suite struct TestPatternTests {
    @Test(arguments: [0, 7, 42, 123_456, 999_999, 1_000_001])
    func counterReadsBack(index: Int) {
        let pattern = TestPattern(width: 320, height: 240)
        #expect(pattern.readFrameCounter(in: pattern.frame(index)) == index % 1_000_000)
    }

    @Test func patternMovesBetweenFrames() {
        let pattern = TestPattern(width: 64, height: 48)
        let a = pattern.frame(0), b = pattern.frame(1)
        #expect(a.y != b.y)
        #expect(a.u.count == 32 * 24)
        #expect(pattern.readFrameCounter(in: I420Image(width: 64, height: 48)) == nil)
    }
}
