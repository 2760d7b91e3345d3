import Codecs
import Foundation
import Inspection
import Testing

/// Issue 2: our encoders → our writers → other programs accept the file, and
/// `inspect` counts what was written.
@Suite struct RoundTripTests {
    @Test func webmFromOurEncodersPlaysSeeksAndInspects() throws {
        let media = try SyntheticMedia.standard.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("synthetic.webm")
        let summary = try #require(try media.writeWebM(to: path))

        // Other programs accept it.
        try ExternalTool.check("ffprobe", ["-v", "error", path])
        let mkv = try ExternalTool.check("mkvinfo", ["--all", path])
        #expect(mkv.stdout.contains("Cue point"), "mkvinfo shows no cue points")
        #expect(!mkv.stdout.lowercased().contains("error"), "mkvinfo: \(mkv.stdout.suffix(500))")

        // inspect counts what was written.
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.finalized)
        #expect(report.container == .webm)
        let video = try #require(report.track(.video))
        let audio = try #require(report.track(.audio))
        #expect(video.frames == media.video.count)
        #expect(video.keyframes == media.videoKeyframes)
        #expect(video.vp8Keyframes == media.videoKeyframes)
        #expect(video.decodeErrors == 0 && audio.decodeErrors == 0)
        #expect(video.resolutions == [ResolutionChange(width: 640, height: 480, timestampNs: 0)])
        #expect(audio.frames == media.audio.count)
        #expect(audio.channels == 1)
        #expect(report.durationNs == summary.durationNs)
        #expect(report.avStartOffsetNs == 0)
        // Frames every 33–34 ms (timestamps are stored in ms).
        #expect(video.largestGapNs == 34_000_000)
        #expect(audio.largestGapNs == 20_000_000)

        // ffprobe's duration is within one frame of what was written.
        let written = Double(media.video.count) / Double(SyntheticMedia.fps)
        let probed = try FFprobe.duration(path)
        #expect(abs(probed - written) <= 1.0 / Double(SyntheticMedia.fps), "ffprobe \(probed) s, written \(written) s")
        let counts = try FFprobe.counts(path, packets: true)
        #expect(counts["video"] == video.frames)
        #expect(counts["audio"] == audio.frames)

        // Seeking to 5 s: the cue takes ffmpeg to the keyframe at or before
        // 5 s (frame 120 at 4 s), which -noaccurate_seek shows as is (frames
        // passed through: no frame-rate conversion dropping the early ones);
        // accurate seeking decodes on from there and shows frame 150.
        let keyframeBefore = try #require(media.video.last { $0.isKeyframe && $0.timestampNs <= 5_000_000_000 }).index
        #expect(keyframeBefore == 120)
        let landed = try decodedCounter(path: path, seek: "5", extra: ["-noaccurate_seek"], in: dir)
        #expect(landed == keyframeBefore)
        let accurate = try decodedCounter(path: path, seek: "5", extra: [], in: dir)
        #expect(accurate == 150)
    }

    /// Decodes one picture after `-ss seek` and reads its TestPattern counter.
    private func decodedCounter(path: String, seek: String, extra: [String], in dir: ScratchDirectory) throws -> Int? {
        let raw = dir.path("seek-\(UUID().uuidString).yuv")
        try ExternalTool.check("ffmpeg", ["-v", "error", "-y"] + extra + ["-ss", seek, "-i", path, "-frames:v", "1",
                                         "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", raw])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        let (w, h) = (640, 480)
        guard bytes.count == w * h * 3 / 2 else { return nil }
        let y = Array(bytes[0..<(w * h)])
        let u = Array(bytes[(w * h)..<(w * h * 5 / 4)])
        let v = Array(bytes[(w * h * 5 / 4)...])
        guard let image = I420Image(width: w, height: h, y: y, u: u, v: v) else { return nil }
        return TestPattern(width: w, height: h).readFrameCounter(in: image)
    }

    @Test func oggOpusFromOurEncoderIsAcceptedAndInspected() throws {
        let media = try SyntheticMedia.standard.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("tone.ogg")
        try media.writeOgg(to: path)

        let info = try ExternalTool.check("opusinfo", [path])
        #expect(!info.stdout.contains("WARNING") && !info.stderr.contains("WARNING"), "\(info.stdout)\(info.stderr)")
        let report = MediaInspector.inspect(path: path)
        #expect(report.container == .ogg)
        #expect(report.valid, "\(report.problems)")
        #expect(report.finalized)
        let audio = try #require(report.track(.audio))
        #expect(audio.frames == media.audio.count)
        #expect(audio.decodeErrors == 0)
        #expect(try FFprobe.counts(path, packets: true)["audio"] == media.audio.count)
        // 500 × 20 ms minus the pre-skip.
        let expectedNs = Int64(media.audio.count) * 20_000_000 - Int64(media.opusHead.preSkip) * 1_000_000_000 / 48_000
        #expect(report.durationNs == expectedNs)
        #expect(report.computedDurationNs == expectedNs)
        #expect(abs(try FFprobe.duration(path) - Double(expectedNs) / 1e9) < 0.02)
    }
}
