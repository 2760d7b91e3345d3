import CapstanTestSupport
import Testing
@testable import Codecs

/// SPS parsing (ITU-T H.264 §7.3.2.1.1), the avcC record (ISO/IEC 14496-15
/// §5.3.3.1), Annex B splitting and the libopenh264 / libavcodec wrappers.
@Suite struct H264Tests {
    static func hex(_ s: String) -> [UInt8] { CapstanTestSupport.hex(s) }

    /// SPS made by ffmpeg 5.1 / libx264 164 (`-f lavfi -i testsrc=size=WxH -c:v libx264 -profile:v P -f h264`):
    /// High 4:2:0 (no cropping), High 4:4:4 Predictive (chroma_format_idc 3),
    /// High 10 at 1920x1080 (coded 1088, cropped by 8 lines: frame_crop_bottom_offset 4 × CropUnitY 2).
    @Test(arguments: [
        ("6764001facd9405005bb0110000003001000000303c0f1831960", 100, 1, 1280, 720),
        ("67f4001e919b281405ff138088000003000800000301e078b16cb0", 244, 3, 640, 360),
        ("676e0028a6cd940780227e5c0440000003004000000f03c60c6580", 110, 1, 1920, 1080),
    ])
    func spsFromX264(hexBytes: String, profile: Int, chroma: Int, width: Int, height: Int) throws {
        let sps = try H264SequenceParameterSet(parsing: Self.hex(hexBytes))
        #expect(Int(sps.profileIDC) == profile)
        #expect(Int(sps.chromaFormatIDC) == chroma)
        #expect(sps.width == width && sps.height == height)
    }

    @Test func truncatedAndHostileSPSThrowNeverTrap() throws {
        let good = Self.hex("6764001facd9405005bb0110000003001000000303c0f1831960")
        for length in 0..<good.count - 1 {
            _ = try? H264SequenceParameterSet(parsing: Array(good.prefix(length)))
        }
        // All-zero bits: an Exp-Golomb code with more than 31 leading zeros.
        #expect(throws: CodecsError.malformedH264(.expGolombTooLong)) {
            try H264SequenceParameterSet(parsing: [0x67, 0x42, 0, 0x1f] + [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: CodecsError.malformedH264(.notSPS)) { try H264SequenceParameterSet(parsing: [0x68, 1, 2, 3]) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let n = Int.random(in: 4...40, using: &generator)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes[0] = 0x67
            _ = try? H264SequenceParameterSet(parsing: bytes)
        }
    }

    @Test func emulationPreventionBytesAreSkipped() throws {
        // 00 00 03 01 FF FF FF: the 03 is an emulation prevention byte, so the
        // RBSP bits are 16 + 7 zeros, a 1, then 23 ones: ue = 2^23 - 1 + (2^23 - 1).
        let value: UInt32 = try [UInt8]([0x00, 0x00, 0x03, 0x01, 0xFF, 0xFF, 0xFF]).withUnsafeBytes { raw in
            var r = H264BitReader(raw)
            return try r.ue()
        }
        #expect(value == (1 << 23) - 1 + 0x7FFFFF)
    }

    @Test func avcCRecordHoldsProfileAndParameterSets() throws {
        let sps = Self.hex("6764001facd9405005bb0110000003001000000303c0f1831960")
        let pps: [UInt8] = [0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0]
        let record = try AVCDecoderConfiguration.record(sps: sps, pps: pps)
        #expect(Array(record.prefix(6)) == [1, 0x64, 0x00, 0x1f, 0xFF, 0xE1])
        #expect(Array(record[6..<8]) == [0, UInt8(sps.count)])
        #expect(Array(record[8..<(8 + sps.count)]) == sps)
        #expect(record[8 + sps.count] == 1)
        // High profile: chroma format, bit depths, no SPS extensions.
        #expect(Array(record.suffix(4)) == [0xFD, 0xF8, 0xF8, 0])
        let prefixed = AnnexB.lengthPrefixed([0, 0, 0, 1] + sps + [0, 0, 1] + pps + [0, 0, 0, 1, 0x65, 0x88, 0x80])
        let sets = try #require(AVCDecoderConfiguration.parameterSets(inLengthPrefixed: prefixed))
        #expect(sets.sps == sps && sets.pps == pps)
    }

    @Test func annexBSplitsOnThreeAndFourByteStartCodes() {
        let stream: [UInt8] = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5, 6]
        let units = AnnexB.nalUnits(in: stream).map { Array(stream[$0]) }
        #expect(units == [[0x67, 1, 2], [0x68, 3], [0x65, 4, 5, 6]])
        #expect(AnnexB.lengthPrefixed(stream) == [0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 4, 0x65, 4, 5, 6])
    }

    @Test(.enabled(if: H264Encoder.isAvailable))
    func openH264EncodesWhatLibavcodecDecodes() throws {
        let encoder = try H264Encoder(configuration: .init(width: 320, height: 180, fps: 30, bitrateKbps: 400,
                                                           keyframeInterval: 30))
        let pattern = TestPattern(width: 320, height: 180)
        var image = I420Image(width: 320, height: 180)
        var frames: [H264EncodedFrame] = []
        for index in 0..<40 {
            pattern.render(index, into: &image)
            if let frame = try encoder.encode(image, timestampMs: Int64(index * 33), forceKeyframe: false) { frames.append(frame) }
        }
        #expect(frames.count == 40)
        #expect(frames[0].isKeyframe && frames[30].isKeyframe && !frames[1].isKeyframe)
        let first = AnnexB.lengthPrefixed(frames[0].data)
        let sets = try #require(AVCDecoderConfiguration.parameterSets(inLengthPrefixed: first))
        let sps = try H264SequenceParameterSet(parsing: sets.sps)
        #expect(sps.width == 320 && sps.height == 180, "cropping: 180 is coded as 192")
        let decoder = try H264Decoder(avcC: try AVCDecoderConfiguration.record(sps: sets.sps, pps: sets.pps))
        var pictures: [H264DecodedFrame] = []
        for (index, frame) in frames.enumerated() {
            pictures += try decoder.decode(AnnexB.lengthPrefixed(frame.data), pts: Int64(index))
        }
        pictures += try decoder.drain()
        #expect(pictures.count == 40)
        #expect(pictures.allSatisfy { $0.width == 320 && $0.height == 180 && !$0.isCorrupted })
        // A delta frame without its keyframe is an error (AV_EF_EXPLODE), not a silent picture.
        let fresh = try H264Decoder(avcC: try AVCDecoderConfiguration.record(sps: sets.sps, pps: sets.pps))
        var failed = false
        do { _ = try fresh.decode([0, 0, 0, 2, 0x41, 0x9A], pts: 0) } catch { failed = true }
        let drained = failed ? [] : try fresh.drain()
        #expect(failed || drained.isEmpty)
    }
}
