import CapstanTestSupport
import DTLS
import Foundation
import Inspection
import MediaBridge
import NIOPosix
import SamplePeer
import Testing
import Transport

/// `capstan serve` records what a real peer sends: our own WHIP client with
/// libvpx/libopus media (MediaSender), judged by decoding the file.
@Suite("recording end to end", .serialized)
struct RecordingEndToEndTests {
    static let certificate = try! DTLSCertificate.generateECDSA()

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    static func waitForState(_ daemon: DaemonProcess, id: String, _ wanted: String,
                             timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        var summary: [String: Any] = [:]
        _ = try await eventually(timeout: timeout, interval: .milliseconds(50)) {
            summary = json(try await daemon.request("GET", "/api/sessions/\(id)").body)
            return summary["state"] as? String == wanted
        }
        return summary
    }

    static func waitForFile(_ path: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(50)) { FileManager.default.fileExists(atPath: path) }
    }

    @Test("7 s of VP8 + Opus over WHIP → a WebM that inspect and ffprobe accept, duration ±0.3 s, ≥ 98 % of frames, sidecar")
    func audioVideo() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let recordings = daemon.recordingsPath
        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate)
        #expect(try await Self.waitForState(daemon, id: id, "active")["state"] as? String == "active")
        // No file before media flows.
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/\(id).webm"))
        let sender = try MediaSender(peer: peer)
        try await sender.start()
        // A 7 s call (the scenario, not a wait for an event): 3 s, a look at
        // the live session, 4 s more.
        try await Task.sleep(for: .seconds(3))
        let live = Self.json(try await daemon.request("GET", "/api/sessions/\(id)").body)
        let recording = live["recording"] as? [String: Any] ?? [:]
        #expect(recording["path"] as? String == "\(recordings)/\(id).webm")
        #expect((recording["videoFrames"] as? Int ?? 0) > 60, "\(recording)")
        #expect((recording["audioFrames"] as? Int ?? 0) > 100, "\(recording)")
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/\(id).json"), "no sidecar while recording")
        try await Task.sleep(for: .seconds(4))  // the rest of the 7 s call
        let counts = try await sender.stop()
        try await peer.hangUp()

        let sidecarPath = "\(recordings)/\(id).json"
        #expect(try await Self.waitForFile(sidecarPath))
        let sidecar = try RecordingSidecar.read(from: sidecarPath)
        #expect(sidecar.endReason == "remote-hangup")
        #expect(sidecar.signaller == "whip")
        #expect(sidecar.file == "\(id).webm")
        #expect(sidecar.plisSent >= 1, "PLI at once on active (before this sender listens)")
        let path = "\(recordings)/\(id).webm"
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.decodeErrors == 0)
        let duration = Double(report.durationNs ?? 0) / 1e9
        #expect(abs(duration - counts.sendSeconds) <= 0.3, "file \(duration) s, sent for \(counts.sendSeconds) s")
        let frames = report.track(.video)?.frames ?? 0
        #expect(Double(frames) >= 0.98 * Double(counts.videoFramesSent), "\(frames) of \(counts.videoFramesSent) frames")
        #expect(abs(report.avStartOffsetNs ?? .max) <= 40_000_000, "A/V start offset \(String(describing: report.avStartOffsetNs))")
        if let probe = ffprobe(path) { #expect(probe.status == 0 && probe.output.contains("vp8") && probe.output.contains("opus"), "\(probe.output)") }

        // GET /api/recordings lists it.
        let listed = try await daemon.request("GET", "/api/recordings")
        #expect(listed.status == 200)
        #expect(listed.body.contains(#""sessionId":"\#(id)""#), "\(listed.body)")
        let metrics = try await daemon.request("GET", "/metrics").body
        #expect(metrics.contains(#"capstan_recordings_finalized_total{container="webm"} 1"#), "\(metrics)")
    }

    @Test("an audio-only call → an Ogg Opus file as long as the call")
    func audioOnly() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let recordings = daemon.recordingsPath
        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate, video: false)
        _ = try await Self.waitForState(daemon, id: id, "active")
        let sender = try MediaSender(peer: peer)
        try await sender.start()
        try await Task.sleep(for: .seconds(4))  // a 4 s call: the scenario's length
        let counts = try await sender.stop()
        try await peer.hangUp()
        #expect(try await Self.waitForFile("\(recordings)/\(id).json"))
        let report = MediaInspector.inspect(path: "\(recordings)/\(id).ogg")
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.container == .ogg)
        let duration = Double(report.durationNs ?? 0) / 1e9
        #expect(abs(duration - counts.sendSeconds) <= 0.3, "file \(duration) s, sent for \(counts.sendSeconds) s")
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/\(id).webm"))
    }

    @Test("a resolution change mid-call → one playable WebM whose sidecar lists both sizes")
    func resolutionChange() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let recordings = daemon.recordingsPath
        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate)
        _ = try await Self.waitForState(daemon, id: id, "active")
        let sender = try MediaSender(peer: peer, width: 320, height: 240, resize: (2.0, 480, 360))
        try await sender.start()
        try await Task.sleep(for: .seconds(4))  // a 4 s call: the scenario's length
        _ = try await sender.stop()
        try await peer.hangUp()
        #expect(try await Self.waitForFile("\(recordings)/\(id).json"))
        let path = "\(recordings)/\(id).webm"
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.track(.video)?.resolutions.map { [$0.width, $0.height] } == [[320, 240], [480, 360]])
        if let probe = ffprobe(path) { #expect(probe.status == 0, "\(probe.output)") }
        let sidecar = try RecordingSidecar.read(from: "\(recordings)/\(id).json")
        let sizes = sidecar.tracks.first { $0.kind == "video" }?.resolutions ?? []
        #expect(sizes.map { [$0.width, $0.height] } == [[320, 240], [480, 360]])
    }
}
