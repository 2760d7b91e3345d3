import CapstanTestSupport
import Foundation
import Inspection
import Testing

/// `capstan inspect` decodes VP9 (libvpx) and AV1 (dav1d) in WebM — also
/// files Capstan did not write: ffmpeg with libvpx-vp9 and libaom-av1 at
/// their defaults (two-pass-free good quality with alt-ref frames: VP9
/// superframes with a hidden frame, AV1 temporal units with hidden frames
/// shown later), and with a resolution change spliced in (two ffmpeg
/// encodes at different sizes joined by ffmpeg's concat demuxer, `-c copy`).
@Suite struct VP9AV1InspectionTests {
    static let hasFFmpeg = FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")

    static func make(_ codecArguments: [String], size: String = "320x240", seconds: String = "3") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-ffmpeg-\(UUID().uuidString).webm").path
        let made = try ExternalProcess.run("/usr/bin/ffmpeg", [
            "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=\(size):rate=30", "-f", "lavfi", "-i", "sine",
            "-t", seconds] + codecArguments + ["-c:a", "libopus", path], timeout: 300)
        try #require(made.succeeded, "\(made.stderr)")
        return path
    }

    @Test("ffmpeg -c:v libvpx-vp9 → .webm: inspect decodes every frame", .enabled(if: hasFFmpeg))
    func ffmpegVP9() throws {
        let path = try Self.make(["-c:v", "libvpx-vp9", "-deadline", "good", "-cpu-used", "8", "-b:v", "300k"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        let video = try #require(report.track(TrackReport.Kind.video))
        #expect(video.codec == "V_VP9" && video.decoded)
        #expect(video.frames == 90 && video.decodeErrors == 0, "\(video.firstDecodeError ?? "")")
        #expect(video.resolutions.map { [$0.width, $0.height] } == [[320, 240]])
        #expect(report.warnings.allSatisfy { !$0.contains("keyframe flag") }, "\(report.warnings)")
    }

    @Test("ffmpeg -c:v libaom-av1 → .webm: inspect decodes every frame with dav1d", .enabled(if: hasFFmpeg))
    func ffmpegAV1() throws {
        let path = try Self.make(["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "300k", "-g", "30"], seconds: "2")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        let video = try #require(report.track(TrackReport.Kind.video))
        #expect(video.codec == "V_AV1" && video.decoded)
        #expect(video.frames == 60 && video.decodeErrors == 0, "\(video.firstDecodeError ?? "")")
        #expect(video.resolutions.map { [$0.width, $0.height] } == [[320, 240]])
    }

    @Test("ffmpeg-made .webm with a resolution change (two encodes joined by the concat demuxer): inspect decodes every frame and reports both sizes",
          .enabled(if: hasFFmpeg), arguments: ["VP9", "AV1"])
    func ffmpegResolutionChange(codec: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let arguments = codec == "VP9"
            ? ["-c:v", "libvpx-vp9", "-deadline", "good", "-cpu-used", "8", "-b:v", "300k"]
            : ["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "300k", "-g", "30"]
        let first = try Self.make(arguments, size: "320x240", seconds: "2")
        let second = try Self.make(arguments, size: "480x360", seconds: "2")
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        let list = scratch.path("list.txt")
        try "file '\(first)'\nfile '\(second)'\n".write(toFile: list, atomically: true, encoding: .utf8)
        let path = scratch.path("joined.webm")
        try ExternalTool.check("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list,
                                                   "-c", "copy", path], timeout: 120)

        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        let video = try #require(report.track(TrackReport.Kind.video))
        #expect(video.codec == (codec == "VP9" ? "V_VP9" : "V_AV1") && video.decoded)
        #expect(video.frames == 120 && video.decodeErrors == 0, "\(video.frames) frames; \(video.firstDecodeError ?? "")")
        #expect(video.resolutions.map { [$0.width, $0.height] } == [[320, 240], [480, 360]], "\(video.resolutions)")
        // The second size starts with the second encode, 2 s in.
        if video.resolutions.count == 2 {
            #expect(abs(video.resolutions[1].timestampNs - 2_000_000_000) <= 40_000_000, "\(video.resolutions[1].timestampNs) ns")
        }
        let probe = try ExternalTool.check("/usr/bin/ffprobe", [
            "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path,
        ])
        #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "120", "ffprobe: \(probe.stdout)")
        let decode = try ExternalTool.run("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"])
        #expect(decode.succeeded && decode.stderr.isEmpty && decode.stdout.isEmpty, "ffmpeg: \(decode.stderr)")
    }
}
