import CapstanTestSupport
import Codecs
import RTP
@testable import MediaPipeline

typealias SeededGenerator = XorShiftStar



let ms: UInt64 = 1_000_000

/// A real VP8 stream: TestPattern 640x480 at 20 fps, a keyframe every 2 s,
/// encoded once and shared by the tests (Swift Testing runs them in parallel).
enum TestVideo {
    static let width = 640
    static let height = 480
    static let fps = 20
    static let seconds = 8
    static let pattern = TestPattern(width: width, height: height)

    static let frames: [VP8EncodedFrame] = {
        do {
            return try encode(count: fps * seconds, keyframeInterval: 2 * fps)
        } catch {
            fatalError("VP8 encoding failed: \(error)")
        }
    }()

    static func encode(count: Int, keyframeInterval: Int) throws -> [VP8EncodedFrame] {
        let encoder = try VP8Encoder(configuration: .init(
            width: width, height: height, fps: fps, bitrateKbps: 800, keyframeInterval: keyframeInterval))
        var image = I420Image(width: width, height: height)
        var out: [VP8EncodedFrame] = []
        for index in 0..<count {
            pattern.render(index, into: &image)
            out.append(contentsOf: try encoder.encode(image, pts: Int64(index * 90_000 / fps)))
        }
        return out
    }
}
