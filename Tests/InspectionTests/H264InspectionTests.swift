import CapstanTestSupport
import Foundation
import Inspection
import Testing

/// `capstan inspect` decodes H.264 in Matroska with libavcodec — also files
/// Capstan did not write: ffmpeg + libx264 with its defaults (High profile,
/// B-frames, so pictures come out of the decoder reordered and late).
@Suite struct H264InspectionTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
    func ffmpegLibx264MatroskaDecodesEveryFrame() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-x264-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try ExternalProcess.run("/usr/bin/ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30", "-f", "lavfi", "-i", "sine",
            "-t", "3", "-c:v", "libx264", "-c:a", "libopus", path,
        ], timeout: 120)
        try #require(made.succeeded, "\(made.stderr)")
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        let video = try #require(report.track(TrackReport.Kind.video))
        #expect(video.codec == "V_MPEG4/ISO/AVC" && video.decoded)
        #expect(video.frames == 90 && video.decodeErrors == 0)
        #expect(video.resolutions.map { [$0.width, $0.height] } == [[640, 360]])
    }
}
