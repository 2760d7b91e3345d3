import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import WebM

typealias SeededGenerator = XorShiftStar

let ms: UInt64 = 1_000_000

/// A scratch directory, removed by `remove()`.
struct ScratchDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("bridge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// 20 ms Opus packets of a 440 Hz tone, encoded once for all tests.
enum TestAudio {
    static let packets: [[UInt8]] = {
        do {
            let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
            var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
            return try (0..<1_500).map { _ in try encoder.encode(tone.nextFrame()) }
        } catch {
            fatalError("Opus encoding failed: \(error)")
        }
    }()
}

/// What a decoded WebM recording holds, frame by frame.
struct DecodedRecording {
    struct VideoFrame {
        var timeNs: Int64
        var counter: Int?
        var isKeyframe: Bool
        var width: Int
        var height: Int
        var corrupt: Bool
    }
    var video: [VideoFrame] = []
    var audioTimesNs: [Int64] = []
    var decodeErrors = 0

    /// Reads every frame with libwebm and decodes the video with libvpx
    /// (VP8, or VP9 with `codec: .vp9`), reading each picture's frame
    /// counter (TestPattern).
    init(path: String, patterns: [TestPattern], codec: VPXCodec = .vp8) throws {
        let info = try WebMReader.info(path: path)
        let videoNumber = info.tracks.first { $0.type == .video }?.number
        let decoder = try VP8Decoder(codec: codec)
        var video: [VideoFrame] = []
        var audio: [Int64] = []
        var errors = 0
        _ = try WebMReader.read(path: path) { frame in
            if frame.trackNumber == videoNumber {
                do {
                    if let decoded = try decoder.decode(frame.bytes, copyImage: true) {
                        let pattern = patterns.first { $0.width == decoded.width && $0.height == decoded.height }
                        let counter = decoded.image.flatMap { image in pattern?.readFrameCounter(in: image) }
                        if decoded.isCorrupted { errors += 1 }
                        video.append(VideoFrame(timeNs: frame.timestampNs, counter: counter, isKeyframe: frame.isKeyframe,
                                                width: decoded.width, height: decoded.height, corrupt: decoded.isCorrupted))
                    }
                } catch {
                    errors += 1
                }
            } else {
                audio.append(frame.timestampNs)
            }
        }
        self.video = video
        audioTimesNs = audio
        decodeErrors = errors
    }
}



/// The video blocks of a WebM or Matroska file, in file order: each one's
/// frame index (30 fps from file time 0; the replay harness stamps frame i
/// at i × 3000 ticks, frame 0 at file time 0), keyframe flag and bytes. Which
/// of the frames sent are in the file, whatever the codec.
func videoBlocks(path: String) throws -> [(index: Int, isKeyframe: Bool, bytes: [UInt8])] {
    let info = try WebMReader.info(path: path)
    let videoNumber = info.tracks.first { $0.type == .video }?.number
    var blocks: [(index: Int, isKeyframe: Bool, bytes: [UInt8])] = []
    let interval = Double(ReplayHarness.frameIntervalNs)
    try WebMReader.read(path: path) { frame in
        if frame.trackNumber == videoNumber {
            blocks.append((Int((Double(frame.timestampNs) / interval).rounded()), frame.isKeyframe, frame.bytes))
        }
    }
    return blocks
}

/// The frame index of each video block (see `videoBlocks`).
func videoFrameIndices(path: String) throws -> [Int] {
    try videoBlocks(path: path).map(\.index)
}

/// The NAL unit types of a Matroska H.264 block (4-byte length prefixes);
/// nil when the lengths do not add up to the block.
func h264NALTypes(_ block: [UInt8]) -> [UInt8]? {
    var types: [UInt8] = []
    var i = 0
    while i < block.count {
        guard i + 4 < block.count else { return nil }
        let length = Int(block[i]) << 24 | Int(block[i + 1]) << 16 | Int(block[i + 2]) << 8 | Int(block[i + 3])
        guard length > 0, i + 4 + length <= block.count else { return nil }
        types.append(block[i + 4] & 0x1F)
        i += 4 + length
    }
    return types
}
