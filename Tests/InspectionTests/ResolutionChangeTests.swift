import Foundation
import Inspection
import Testing

/// Issue 2: 640x480 → 320x240 at a keyframe mid-file plays through ffmpeg,
/// and `inspect` reports both sizes and when the change happened.
@Suite struct ResolutionChangeTests {
    @Test func midFileResolutionChange() throws {
        let media = try SyntheticMedia.resolutionChange.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("switch.webm")
        _ = try media.writeWebM(to: path)

        let decoded = try ExternalTool.run("ffmpeg", ["-v", "error", "-i", path, "-f", "null", "-"])
        #expect(decoded.succeeded)
        #expect(decoded.stderr.isEmpty, "ffmpeg: \(decoded.stderr)")

        let switchFrame = try #require(media.video.first { $0.width == 320 })
        #expect(switchFrame.isKeyframe)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        let video = try #require(report.track(.video))
        #expect(video.resolutions == [
            ResolutionChange(width: 640, height: 480, timestampNs: 0),
            ResolutionChange(width: 320, height: 240, timestampNs: switchFrame.timestampNs / 1_000_000 * 1_000_000),
        ])
        #expect(video.frames == media.video.count)
        #expect(video.keyframes == media.videoKeyframes)
        #expect(video.decodeErrors == 0)
        // The table shows the change.
        #expect(ReportFormatter.table(report).contains("640x480@0.000 s → 320x240@5.000 s"))
    }
}
