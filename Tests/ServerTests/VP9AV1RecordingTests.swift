import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import Testing

/// `capstan serve` records VP8, VP9 and AV1 from `capstan peer --codec
/// vp8|vp9|av1` into WebM, judged as H.264 recordings are: ffprobe counts the frames sent
/// (within 1 %), `ffmpeg -v error … -f null -` prints nothing, `capstan
/// inspect` decodes every frame (libvpx, dav1d).
@Suite("VP8, VP9 and AV1 recording end to end", .serialized)
struct VP9AV1RecordingTests {
    /// The checks every VP9/AV1 recording gets; returns the frames ffprobe
    /// counted and the file's duration (`capstan inspect`), seconds.
    static func judge(_ path: String, codec: String, framesSent: Int, sidecarPath: String) throws -> (frames: Int, seconds: Double) {
        let sidecar = try RecordingSidecar.read(from: sidecarPath)
        #expect(sidecar.container == "webm" && sidecar.file.hasSuffix(".webm"))
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.codec == codec)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.decodeErrors == 0, "\(report.track(.video)?.firstDecodeError ?? "")")
        #expect(report.track(.video)?.decoded == true && report.track(.video)?.codec == "V_\(codec)")
        var counted = report.track(.video)?.frames ?? 0
        if let output = try H264FileChecks.ffmpegDecodeOutput(path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(path) {
            #expect(probe.codec == codec.lowercased(), "\(probe)")
            counted = probe.frames
        }
        #expect(abs(counted - framesSent) <= max(1, framesSent / 100), "ffprobe \(counted) frames, \(framesSent) sent")
        return (counted, Double(report.durationNs ?? 0) / 1e9)
    }

    @Test("capstan peer --codec vp8|vp9|av1 → .webm: frames within 1 %, ffmpeg silent, inspect decodes all, <video> plays and seeks",
          arguments: ["vp8", "vp9", "av1"].filter { $0 != "av1" || AV1Encoder.isAvailable })
    func peerCommand(codec: String) async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--codec", codec, "--video", "320x240@30", "--duration", "4", "--json"])
        #expect(peer.status == 0, "stderr: \(peer.stderr)\nstdout: \(peer.stdout)")
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)")
        let session = try #require((summary["sessions"] as? [[String: Any]])?.first)
        let id = try #require(session["id"] as? String)
        let sent = session["videoFramesSent"] as? Int ?? 0
        #expect(sent >= 90)
        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
        let (counted, seconds) = try Self.judge("\(recordings)/\(id).webm", codec: codec.uppercased(), framesSent: sent,
                                                sidecarPath: "\(recordings)/\(id).json")
        print("\(codec) capstan peer: \(sent) frames sent, ffprobe \(counted)")
        try await BrowserPlayback.expectPlays(sessionID: id, daemon: daemon, fileDurationSeconds: seconds, size: (320, 240),
                                             label: "\(codec) capstan peer")
    }

    @Test("GStreamer 1.22 webrtcbin (vp9enc + rtpvp9pay) over WHIP → .webm: frames within 1 %, ffmpeg silent, inspect decodes all, <video> plays and seeks",
          .enabled(if: GStreamer.available(codec: "vp9"), "needs GStreamer 1.22 with webrtcbin and vp9enc (scripts/setup --test)"),
          .timeLimit(.minutes(3)))
    func gstreamerVP9() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let (id, sent) = try await GStreamer.publish(codec: "vp9", to: daemon)
        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
        let (counted, seconds) = try Self.judge("\(recordings)/\(id).webm", codec: "VP9", framesSent: sent,
                                                sidecarPath: "\(recordings)/\(id).json")
        print("vp9 gstreamer: \(sent) frames sent, ffprobe \(counted)")
        try await BrowserPlayback.expectPlays(sessionID: id, daemon: daemon, fileDurationSeconds: seconds, size: (320, 240),
                                             label: "vp9 gstreamer")
    }
}
