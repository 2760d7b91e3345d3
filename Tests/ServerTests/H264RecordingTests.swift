import CapstanTestSupport
import Codecs
import DTLS
import Foundation
import Inspection
import MediaBridge
import Testing

/// `capstan serve` records H.264 (issue 12) from three senders — our own
/// PublisherSession with libopenh264, `capstan peer --codec h264`, and
/// GStreamer 1.22 webrtcbin (x264enc + rtph264pay over WHIP) — into a
/// Matroska file judged like a user would: ffprobe counts the frames sent
/// (within 1 %), `ffmpeg -v error … -f null -` prints nothing, and `capstan
/// inspect` decodes every frame with libavcodec.
@Suite("H.264 recording end to end", .serialized)
struct H264RecordingTests {
    static let certificate = try! DTLSCertificate.generateECDSA()

    /// The checks every H.264 recording gets; returns the frames ffprobe
    /// counted and the file's duration (`capstan inspect`), seconds.
    static func judge(_ path: String, framesSent: Int, sidecarPath: String) throws -> (frames: Int, seconds: Double) {
        let sidecar = try RecordingSidecar.read(from: sidecarPath)
        #expect(sidecar.container == "matroska" && sidecar.file.hasSuffix(".mkv"))
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.codec == "H264")
        #expect(sidecar.timeToFirstKeyframeMs != nil)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.decodeErrors == 0)
        #expect(report.track(.video)?.decoded == true && report.track(.video)?.codec == "V_MPEG4/ISO/AVC")
        #expect(report.track(.audio)?.codec == "A_OPUS")
        var counted = report.track(.video)?.frames ?? 0
        if let output = try H264FileChecks.ffmpegDecodeOutput(path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(path) {
            #expect(probe.codec == "h264", "\(probe)")
            counted = probe.frames
        }
        #expect(abs(counted - framesSent) <= max(1, framesSent / 100), "ffprobe \(counted) frames, \(framesSent) sent")
        return (counted, Double(report.durationNs ?? 0) / 1e9)
    }

    @Test("our WHIP client with libopenh264 → .mkv: frames within 1 %, ffmpeg silent, inspect decodes all",
          .enabled(if: H264Encoder.isAvailable))
    func ownSender() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate, videoCodec: .h264)
        #expect(peer.negotiated.video?.codecName == "H264")
        _ = try await RecordingEndToEndTests.waitForState(daemon, id: id, "active")
        let sender = try MediaSender(peer: peer)
        try await sender.start()
        try await Task.sleep(for: .seconds(5))  // a 5 s call: the scenario's length
        let counts = try await sender.stop()
        try await peer.hangUp()
        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
        let (counted, seconds) = try Self.judge("\(recordings)/\(id).mkv", framesSent: counts.videoFramesSent,
                                                sidecarPath: "\(recordings)/\(id).json")
        print("h264 own sender: \(counts.videoFramesSent) frames sent, ffprobe \(counted)")
        try await BrowserPlayback.expectPlays(sessionID: id, daemon: daemon, fileDurationSeconds: seconds,
                                             label: "h264 own sender")
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/\(id).webm"))
    }

    @Test("capstan peer --codec h264 → .mkv: frames within 1 %, ffmpeg silent, inspect decodes all",
          .enabled(if: H264Encoder.isAvailable))
    func peerCommand() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--codec", "h264", "--video", "320x240@30", "--duration", "4", "--json"])
        #expect(peer.status == 0, "stderr: \(peer.stderr)\nstdout: \(peer.stdout)")
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)")
        let session = try #require((summary["sessions"] as? [[String: Any]])?.first)
        let id = try #require(session["id"] as? String)
        let sent = session["videoFramesSent"] as? Int ?? 0
        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
        let (counted, seconds) = try Self.judge("\(recordings)/\(id).mkv", framesSent: sent,
                                                sidecarPath: "\(recordings)/\(id).json")
        print("h264 capstan peer: \(sent) frames sent, ffprobe \(counted)")
        try await BrowserPlayback.expectPlays(sessionID: id, daemon: daemon, fileDurationSeconds: seconds, size: (320, 240),
                                             label: "h264 capstan peer")
    }

    @Test("GStreamer 1.22 webrtcbin (x264enc + rtph264pay) over WHIP → .mkv: frames within 1 %, ffmpeg silent, inspect decodes all, <video> plays and seeks",
          .enabled(if: GStreamer.available(codec: "h264"), "needs GStreamer 1.22 with webrtcbin and x264enc (scripts/setup --test)"),
          .timeLimit(.minutes(3)))
    func gstreamerSender() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let (id, sent) = try await GStreamer.publish(codec: "h264", to: daemon)
        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
        let (counted, seconds) = try Self.judge("\(recordings)/\(id).mkv", framesSent: sent,
                                                sidecarPath: "\(recordings)/\(id).json")
        print("h264 gstreamer: \(sent) frames sent, ffprobe \(counted)")
        try await BrowserPlayback.expectPlays(sessionID: id, daemon: daemon, fileDurationSeconds: seconds, size: (320, 240),
                                             label: "h264 gstreamer")
    }

    @Test("an offer with only HEVC video is refused with 400 naming the offered and recorded codecs")
    func hevcOnlyIsRefused() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let offer = WebSocketSignallingTests.hevcOnlyOffer
        let (status, body, _) = try await daemon.request("POST", "/whip", body: offer, contentType: "application/sdp")
        #expect(status == 400, "\(status) \(body)")
        #expect(body.contains("H265/90000") && body.contains("VP8/90000") && body.contains("H264/90000"), "\(body)")
    }
}

/// GStreamer 1.22's webrtcbin as a WHIP sender (`scripts/gst-whip.py`).
enum GStreamer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/gst-whip.py").path

    /// webrtcbin, the codec's encoder and payloader, libnice and python3-gi
    /// are installed (scripts/setup --test).
    static func available(codec: String) -> Bool {
        let elements = codec == "h264" ? "'x264enc','rtph264pay'" : "'vp9enc','rtpvp9pay'"
        guard let result = try? ExternalProcess.run("/usr/bin/python3", ["-c", """
            import gi; gi.require_version('Gst','1.0'); gi.require_version('GstWebRTC','1.0')
            from gi.repository import Gst; Gst.init(None)
            import sys; sys.exit(0 if all(Gst.ElementFactory.find(e) for e in ['webrtcbin','nicesrc','opusenc',\(elements)]) else 1)
            """], timeout: 30) else { return false }
        return result.succeeded
    }

    /// Publishes `codec` + Opus for 5 s to the daemon's WHIP endpoint; the
    /// session id and the video frames sent from the first keyframe on.
    static func publish(codec: String, to daemon: DaemonProcess) async throws -> (id: String, framesSent: Int) {
        let result = try await BoundedProcess.run("/usr/bin/python3", [
            script, "--codec", codec, "--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
            "--seconds", "5",
        ], timeout: .seconds(90))
        #expect(result.status == 0, "stderr: \(result.stderr.suffix(2000))\nstdout: \(result.stdout)")
        let summary = try #require(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                   "not JSON: \(result.stdout) \(result.stderr.suffix(2000))")
        #expect(summary["connected"] as? Bool == true, "\(summary)")
        let resource = try #require(summary["resource"] as? String, "\(summary)")
        let id = try #require(URL(string: resource)?.lastPathComponent)
        let sent = summary["videoFramesSent"] as? Int ?? 0
        // 5 s at 30 fps; libvpx on a loaded machine makes fewer (it skips frames it is late for).
        #expect(sent >= 45, "\(summary)")
        return (id, sent)
    }
}
