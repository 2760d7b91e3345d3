import CapstanTestSupport
import Foundation
import Inspection
import Testing

/// Runs the built `capstan peer` (next to the test bundle, like
/// `DaemonProcess`), bounded in time; stdout and stderr captured apart.
struct PeerProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> PeerProcess {
        let result = try await BoundedProcess.run(DaemonProcess.binary.path, ["peer"] + arguments, timeout: timeout)
        return PeerProcess(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] }
}

final class DataCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.withLock { data.append(more) } }
    var string: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}

@Suite("capstan peer against capstan serve", .serialized)
struct PeerCommandTests {
    private func session(_ daemon: DaemonProcess, _ id: String) async throws -> [String: Any] {
        let (status, body, _) = try await daemon.request("GET", "/api/sessions/\(id)")
        #expect(status == 200, "\(body)")
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test("4 s of A/V: exit 0, JSON summary, remote-hangup with ≥ 98 % of the packets; the recording passes inspect (±0.3 s, ≥ 98 % of frames)")
    func audioVideo() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "4", "--json"])
        #expect(peer.status == 0, "stderr: \(peer.stderr)\nstdout: \(peer.stdout)")
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)")
        let sessions = try #require(summary["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1)
        let report = try #require(sessions.first)
        let id = try #require(report["id"] as? String)
        let video = report["videoFramesSent"] as? Int ?? 0
        let audio = report["audioFramesSent"] as? Int ?? 0
        let packets = report["packetsSent"] as? Int ?? 0
        // The encoder keeps to real time: frames due = encoded + skipped (a slow
        // debug build on a busy machine skips some); the one session sent them all.
        let source = try #require(summary["source"] as? [String: Any])
        let encoded = source["videoFramesEncoded"] as? Int ?? 0
        let skipped = source["videoFramesSkipped"] as? Int ?? 0
        #expect((115...125).contains(encoded + skipped), "\(encoded) + \(skipped) frames due in 4 s at 30 fps")
        #expect(video == encoded && encoded >= 60, "sent \(video) of \(encoded) encoded")
        #expect((180...205).contains(audio), "audio frames \(audio) in 4 s at 50/s")
        #expect((report["senderReportsSent"] as? Int ?? 0) >= 3)
        #expect((summary["totals"] as? [String: Any])?["packetsSent"] as? Int == packets)

        let seen = try await session(daemon, id)
        #expect(seen["state"] as? String == "ended")
        #expect(seen["endReason"] as? String == "remote-hangup")
        let stats = try #require(seen["stats"] as? [String: Any])
        let received = stats["rtpPacketsIn"] as? Int ?? 0
        #expect(Double(received) >= 0.98 * Double(packets), "daemon got \(received) of \(packets) packets")
        #expect((stats["rtcpPacketsIn"] as? Int ?? 0) >= 3, "the SRs arrived")

        // The recording of the call: inspect passes, duration within 0.3 s of
        // the 4 s sent, ≥ 98 % of the video frames sent.
        let recordings = daemon.directory.appendingPathComponent("recordings")
        let sidecar = await eventually {
            FileManager.default.fileExists(atPath: recordings.appendingPathComponent("\(id).json").path)
        }
        #expect(sidecar)
        let file = MediaInspector.inspect(path: recordings.appendingPathComponent("\(id).webm").path)
        #expect(file.valid && file.decodeErrors == 0 && file.finalized, "\(file.problems)")
        let seconds = Double(file.durationNs ?? 0) / 1e9
        #expect(abs(seconds - 4) <= 0.3, "recorded \(seconds) s of 4")
        let recorded = file.tracks.first { $0.kind == .video }?.frames ?? 0
        #expect(Double(recorded) >= 0.98 * Double(video), "recorded \(recorded) of \(video) video frames")
    }

    @Test("--sessions 5: five sessions in the daemon, all ended remote-hangup; the encoder ran once, not five times")
    func fiveSessions() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "3", "--sessions", "5", "--json"])
        #expect(peer.status == 0, "stderr: \(peer.stderr)")
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)")
        let sessions = try #require(summary["sessions"] as? [[String: Any]])
        #expect(sessions.count == 5)
        let source = try #require(summary["source"] as? [String: Any])
        let encoded = source["videoFramesEncoded"] as? Int ?? 0
        let skipped = source["videoFramesSkipped"] as? Int ?? 0
        #expect((85...95).contains(encoded + skipped), "\(encoded) + \(skipped) frames due in 3 s at 30 fps")
        #expect(encoded >= 45, "\(encoded) frames encoded")
        let totals = try #require(summary["totals"] as? [String: Any])
        let sent = totals["videoFramesSent"] as? Int ?? 0
        #expect(sent >= 5 * encoded - 5 && sent <= 5 * encoded, "each session sent every encoded frame: \(sent) vs 5 × \(encoded)")

        let (_, body, _) = try await daemon.request("GET", "/api/sessions")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        #expect(listed.count == 5)
        #expect(listed.allSatisfy { $0["endReason"] as? String == "remote-hangup" }, "\(body)")
        let ids = Set(sessions.compactMap { $0["id"] as? String })
        #expect(ids == Set(listed.compactMap { $0["id"] as? String }))
        for report in sessions {
            let id = try #require(report["id"] as? String)
            let stats = try #require(try await session(daemon, id)["stats"] as? [String: Any])
            let packets = report["packetsSent"] as? Int ?? 0
            #expect(Double(stats["rtpPacketsIn"] as? Int ?? 0) >= 0.98 * Double(packets))
        }
    }

    @Test("--loopback against the daemon: the video comes back from Capstan's SSRC and decodes (≥ 95 %); no recording")
    func loopbackAgainstDaemon() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "3", "--loopback", "--json"])
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)\n\(peer.stderr)")
        let report = try #require((summary["sessions"] as? [[String: Any]])?.first)
        let sent = report["videoFramesSent"] as? Int ?? 0
        let echoed = try #require(report["videoFramesEchoed"] as? Int)
        let decoded = report["videoFramesDecoded"] as? Int ?? 0
        #expect(sent > 30)
        #expect(Double(echoed) >= 0.95 * Double(sent), "echoed \(echoed) of \(sent); stderr: \(peer.stderr)")
        #expect(decoded > 0 && Double(decoded) >= 0.9 * Double(echoed), "decoded \(decoded) of \(echoed)")
        #expect(peer.status == 0, "\(peer.stderr)")
        let id = try #require(report["id"] as? String)
        let seen = try await session(daemon, id)
        #expect(seen["mode"] as? String == "loopback")
        #expect(seen["endReason"] as? String == "remote-hangup")
        let recordings = daemon.directory.appendingPathComponent("recordings").path
        let files = (try? FileManager.default.contentsOfDirectory(atPath: recordings)) ?? []
        #expect(!files.contains { $0.hasPrefix(id) }, "pure loopback records nothing: \(files)")
    }

    @Test("record+loopback: the peer gets its echo and the daemon records the same call")
    func recordAndLoopback() async throws {
        let daemon = try DaemonProcess(arguments: ["--mode", "record+loopback"])
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "3", "--loopback", "--json"])
        #expect(peer.status == 0, "\(peer.stderr)")
        let report = try #require((peer.json?["sessions"] as? [[String: Any]])?.first, "\(peer.stdout)")
        let sent = report["videoFramesSent"] as? Int ?? 0
        #expect(Double(report["videoFramesEchoed"] as? Int ?? 0) >= 0.95 * Double(sent))
        let id = try #require(report["id"] as? String)
        #expect(try await session(daemon, id)["mode"] as? String == "record+loopback")
        let sidecar = daemon.directory.appendingPathComponent("recordings/\(id).json").path
        #expect(await eventually { FileManager.default.fileExists(atPath: sidecar) }, "record+loopback leaves a sidecar")
        let webm = daemon.directory.appendingPathComponent("recordings/\(id).webm").path
        let report2 = MediaInspector.inspect(path: webm)
        #expect(report2.valid && report2.decodeErrors == 0, "\(report2.problems)")
        let frames = report2.tracks.first { $0.kind == .video }?.frames ?? 0
        #expect(Double(frames) >= 0.9 * Double(sent), "recorded \(frames) of \(sent) video frames")
    }

    @Test("--no-video and --no-audio send only the other kind", arguments: ["--no-video", "--no-audio"])
    func oneKind(flag: String) async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "1.5", flag, "--json"])
        #expect(peer.status == 0, "\(peer.stderr)")
        let report = try #require((peer.json?["sessions"] as? [[String: Any]])?.first, "\(peer.stdout)")
        let video = report["videoFramesSent"] as? Int ?? -1
        let audio = report["audioFramesSent"] as? Int ?? -1
        if flag == "--no-video" { #expect(video == 0 && audio >= 60, "video \(video) audio \(audio)") }
        else { #expect(audio == 0 && video >= 20, "video \(video) audio \(audio)") }
        let seen = try await session(daemon, try #require(report["id"] as? String))
        #expect(seen["endReason"] as? String == "remote-hangup")
        let received = (seen["stats"] as? [String: Any])?["rtpPacketsIn"] as? Int ?? 0
        #expect(Double(received) >= 0.98 * Double(report["packetsSent"] as? Int ?? 0))
    }

    @Test("--idle: the session negotiates audio and video, stays connected for the duration and sends no media; exit 0")
    func idle() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--duration", "2", "--idle", "--json"])
        #expect(peer.status == 0, "\(peer.stderr)")
        let report = try #require((peer.json?["sessions"] as? [[String: Any]])?.first, "\(peer.stdout)")
        #expect(report["videoFramesSent"] as? Int == 0 && report["audioFramesSent"] as? Int == 0, "\(report)")
        let seen = try await session(daemon, try #require(report["id"] as? String))
        #expect(seen["endReason"] as? String == "remote-hangup", "\(seen)")
        #expect((seen["stats"] as? [String: Any])?["rtpPacketsIn"] as? Int == 0, "\(seen)")
        // Nothing to echo: --idle with --loopback is refused before any network use.
        let refused = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                                 "--duration", "1", "--idle", "--loopback"])
        #expect(refused.status == 64, "\(refused.stderr)")
    }

    @Test("an unreachable daemon: exit 1 with the reason")
    func unreachable() async throws {
        let peer = try await PeerProcess.run(["--whip", "http://127.0.0.1:1/whip", "--duration", "1"])
        #expect(peer.status == 1)
        #expect(peer.stderr.contains("capstan peer: error: session 1: network"), "\(peer.stderr)")
    }

    @Test("a wrong token: exit 1 with HTTP 401, no session in the daemon")
    func wrongToken() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "right"])
        defer { daemon.stop() }
        try await daemon.start()
        let peer = try await PeerProcess.run(["--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                                              "--token", "wrong", "--duration", "1", "--json"])
        #expect(peer.status == 1)
        #expect(peer.stderr.contains("HTTP 401"), "\(peer.stderr)")
        let summary = try #require(peer.json)
        #expect((summary["totals"] as? [String: Any])?["connected"] as? Int == 0)
        let listed = try await daemon.request("GET", "/api/sessions", headers: ["Authorization": "Bearer right"]).body
        #expect(listed == "[]", "\(listed)")
    }

    @Test("bad options are refused before any network use", arguments: [
        ["--whip", "ftp://x/whip"], ["--whip", "http://127.0.0.1:1/whip", "--video", "big"],
        ["--whip", "http://127.0.0.1:1/whip", "--no-video", "--no-audio"],
        ["--whip", "http://127.0.0.1:1/whip", "--sessions", "0"],
        ["--whip", "http://127.0.0.1:1/whip", "--offer-shape", "obs"],  // OBS's offer is H.264: needs --codec h264
        ["--whip", "http://127.0.0.1:1/whip", "--offer-shape", "gstreamer", "--codec", "h264"],
        ["--whip", "http://127.0.0.1:1/whip", "--offer-shape", "ffmpeg", "--codec", "h264", "--no-audio"],
        ["--whip", "http://127.0.0.1:1/whip", "--first-keyframe-after", "1"],  // without --keyframe-interval
        ["--whip", "http://127.0.0.1:1/whip", "--keyframe-interval", "0"],
    ])
    func badOptions(arguments: [String]) async throws {
        let peer = try await PeerProcess.run(arguments, timeout: .seconds(10))
        #expect(peer.status == 64, "\(peer.stderr)")
        #expect(peer.stderr.contains("Error:"))
    }
}

@Suite("capstan peer interrupted", .serialized)
struct PeerInterruptTests {
    @Test("SIGINT mid-run: the session still hangs up (remote-hangup), exit 1 saying it was interrupted")
    func sigint() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let process = Process()
        process.executableURL = DaemonProcess.binary
        process.arguments = ["peer", "--whip", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                             "--duration", "30", "--json"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let outData = DataCollector(), errData = DataCollector()
        out.fileHandleForReading.readabilityHandler = { outData.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { errData.append($0.availableData) }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Wait (bounded) for the session to be active and its media to reach
        // the daemon (the peer is mid-run), then interrupt.
        var id: String?
        let midRun = try await eventually(timeout: .seconds(30)) {
            let listed = try JSONSerialization.jsonObject(
                with: Data(try await daemon.request("GET", "/api/sessions").body.utf8)) as? [[String: Any]] ?? []
            guard let active = listed.first(where: { $0["state"] as? String == "active" }) else { return false }
            id = active["id"] as? String
            return ((active["stats"] as? [String: Any])?["rtpPacketsIn"] as? Int ?? 0) >= 25
        }
        #expect(midRun, "no active session with media: \(String(describing: id))")
        kill(process.processIdentifier, SIGINT)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning, "still running 5 s after SIGINT")
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        outData.append(out.fileHandleForReading.readDataToEndOfFile())
        errData.append(err.fileHandleForReading.readDataToEndOfFile())
        #expect(process.terminationStatus == 1)
        #expect(errData.string.contains("interrupted by SIGINT"), "\(errData.string)")
        let listed = try #require(try JSONSerialization.jsonObject(
            with: Data(try await daemon.request("GET", "/api/sessions").body.utf8)) as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed.first?["endReason"] as? String == "remote-hangup", "\(listed)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(outData.string.utf8)) as? [String: Any])
        #expect((summary["mediaSeconds"] as? Double ?? 99) < 5)
    }
}
