import CapstanTestSupport
import DTLS
import Foundation
import Inspection
import MediaBridge
import NIOPosix
import SamplePeer
import Testing
import Transport

@Suite("recording storage faults and crash recovery", .serialized)
struct StorageFaultTests {
    static let certificate = try! DTLSCertificate.generateECDSA()

    @Test("a full disk ends that session storage with a playable file; the daemon keeps serving and refuses new sessions below the floor",
          .enabled(if: SmallFileSystem.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN)"))
    func diskFull() async throws {
        let fs = try SmallFileSystem.mount(size: "1536k").get()
        defer { fs.unmount() }
        let floor = 256 * 1024
        let daemon = try DaemonProcess(arguments: ["--recordings", fs.path],
                                       environment: ["CAPSTAN_MIN_FREE_DISK_BYTES": String(floor)])
        defer { daemon.stop() }
        try await daemon.start()
        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate)
        _ = try await RecordingEndToEndTests.waitForState(daemon, id: id, "active")
        // Keyframes every 5 frames at 4 Mbit/s fill 1.5 MB in a few seconds.
        let sender = try MediaSender(peer: peer, width: 640, height: 480, bitrateKbps: 4_000, keyframeEvery: 5)
        try await sender.start()
        let summary = try await RecordingEndToEndTests.waitForState(daemon, id: id, "ended", timeout: .seconds(30))
        _ = try await sender.stop()
        await peer.tearDown()
        #expect(summary["endReason"] as? String == "storage", "\(summary)")

        let sidecar = try RecordingSidecar.read(from: "\(fs.path)/\(id).json")
        #expect(sidecar.endReason == "storage")
        // Either a write hit ENOSPC, or the while-recording free-space check
        // (half of minFreeDiskBytes) stopped it first.
        let stopped = sidecar.writeError ?? ""
        #expect(stopped.contains("No space left") || stopped.contains("bytes free"), "\(stopped)")
        let path = "\(fs.path)/\(id).webm"
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        #expect((report.track(.video)?.frames ?? 0) > 10)
        #expect(report.decodeErrors == 0)
        if let probe = ffprobe(path) { #expect(probe.status == 0, "\(probe.output)") }
        #expect(!FileManager.default.fileExists(atPath: "\(fs.path)/.\(id).reserve"))

        // The daemon goes on: health, the API, and admission by the floor.
        #expect(try await daemon.request("GET", "/healthz").status == 200)
        let listed = try await daemon.request("GET", "/api/recordings").body
        #expect(listed.contains(#""endReason":"storage""#))
        let offer = try String(contentsOfFile: Self.fixture("chromium-156-vp8-opus-offer.sdp"), encoding: .utf8)
        let second = try await daemon.request("POST", "/whip", body: offer, contentType: "application/sdp")
        if fs.freeBytes < UInt64(floor) {
            #expect(second.status == 503, "\(fs.freeBytes) bytes free: \(second.body)")
        } else {
            #expect(second.status == 201)
        }
        let metrics = try await daemon.request("GET", "/metrics").body
        #expect(metrics.contains(#"capstan_sessions_ended_total{reason="storage"} 1"#), "\(metrics)")
    }

    @Test("start-up recovery: a recording left without a sidecar by a crash (SIGKILL) is repaired and gets a sidecar with end reason crashed")
    func crashRecovery() async throws {
        let first = try DaemonProcess()
        defer { first.stop() }
        try await first.start()
        let recordings = first.recordingsPath
        let (peer, id) = try await first.connectPublisher(certificate: Self.certificate)
        _ = try await RecordingEndToEndTests.waitForState(first, id: id, "active")
        let sender = try MediaSender(peer: peer, keyframeEvery: 15)
        try await sender.start()
        try await Task.sleep(for: .seconds(3))  // 3 s of call before the crash: the scenario
        kill(first.process.processIdentifier, SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(5))
        _ = try await sender.stop()
        await peer.tearDown()
        let path = "\(recordings)/\(id).webm"
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/\(id).json"))
        #expect(MediaInspector.inspect(path: path).finalized == false)

        let second = try DaemonProcess(arguments: ["--recordings", recordings])
        defer { second.stop() }
        try await second.start()
        // Recovery runs after the daemon listens: wait (bounded) for the sidecar.
        try await RecoveryTests.waitFor("the recovered sidecar") {
            FileManager.default.fileExists(atPath: "\(recordings)/\(id).json")
        }
        let sidecar = try RecordingSidecar.read(from: "\(recordings)/\(id).json")
        #expect(sidecar.endReason == "crashed")
        #expect(sidecar.repaired == true)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(sidecar.durationMs >= 1_000, "\(sidecar.durationMs) ms kept")
        #expect(sidecar.tracks.first { $0.kind == "video" }?.frames ?? 0 > 20)
        #expect(!FileManager.default.fileExists(atPath: "\(recordings)/.\(id).reserve"))
        let listed = try await second.request("GET", "/api/recordings").body
        #expect(listed.contains(#""endReason":"crashed""#), "\(listed)")
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SDPTests/Fixtures/\(name)").path
    }
}
