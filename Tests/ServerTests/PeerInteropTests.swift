import Foundation
import Testing

/// A WHIP server the test starts as a child process and stops with SIGTERM: its stdout goes
/// to a file (so a chatty child never blocks on a pipe), read when it is ready and at the end.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let directory: URL
    let stdoutURL: URL
    let stderrURL: URL

    init(_ executable: String, _ arguments: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout")
        stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAPSTAN_") }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Polls (every 20 ms, at most `timeout`) until `ready` holds; false if the process exited
    /// or time ran out first.
    func wait(for ready: () -> Bool, timeout: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if ready() { return true }
            if !process.isRunning { return ready() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return ready()
    }

    /// SIGTERM, then SIGKILL after `grace`; returns the exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(20)) async -> Int32 {
        if process.isRunning { process.terminate() }
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while process.isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(process.executableURL?.lastPathComponent ?? "server") ignored SIGTERM for \(grace)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// `scripts/aiortc-whip-answer.py`: aiortc as the answering WHIP server (a full ICE agent and
/// DTLS client), counting the frames it decodes; `fault` makes it misbehave.
struct AiortcAnswerer {
    static let script = AiortcPublisherTests.repository.appendingPathComponent("scripts/aiortc-whip-answer.py").path
    let server: ServerProcess
    let url: URL

    static func start(fault: String = "none", iceServers: [String] = []) async throws -> AiortcAnswerer {
        try #require(FileManager.default.isExecutableFile(atPath: AiortcPublisherTests.python),
                     "no \(AiortcPublisherTests.python): run scripts/setup --test (it creates the aiortc venv)")
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-answerer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: portFile) }
        let server = try ServerProcess(AiortcPublisherTests.python,
                                       [script, "--port-file", portFile.path, "--fault", fault, "--max-seconds", "300"]
                                           + iceServers.flatMap { ["--ice-server", $0] })
        let ready = try await server.wait(for: { FileManager.default.fileExists(atPath: portFile.path) }, timeout: .seconds(30))
        try #require(ready, "the answerer did not start: \(server.stderr)")
        let port = try #require(Int((try String(contentsOf: portFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        return AiortcAnswerer(server: server, url: URL(string: "http://127.0.0.1:\(port)/whip")!)
    }

    /// Stops the answerer; its report, by session id.
    func finish() async throws -> [String: [String: Any]] {
        let status = await server.stop()
        #expect(status == 0, "answerer exit \(status): \(server.stderr.suffix(3000))")
        let report = try #require(try? JSONSerialization.jsonObject(with: Data(server.stdout.utf8)) as? [String: Any],
                                  "answerer report not JSON: \(server.stdout)\n\(server.stderr.suffix(3000))")
        let sessions = try #require(report["sessions"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: sessions.compactMap { s in (s["id"] as? String).map { ($0, s) } })
    }
}

@Suite("capstan peer against other WHIP servers (issue 13)", .serialized)
struct PeerInteropTests {
    static func sessions(_ peer: PeerProcess) throws -> [[String: Any]] {
        let summary = try #require(peer.json, "not JSON: \(peer.stdout)\nstderr: \(peer.stderr)")
        return try #require(summary["sessions"] as? [[String: Any]])
    }

    @Test("capstan peer → aiortc answerer (full ICE, DTLS client), 2 sessions × 4 s: exit 0; aiortc decodes ≥ 95 % of the video frames and audio packets each session sent; every resource DELETEd; the Link ice-server is reported")
    func aiortcAnswerer() async throws {
        let answerer = try await AiortcAnswerer.start(iceServers: ["stun:127.0.0.1:3478"])
        let peer = try await PeerProcess.run(["--whip", answerer.url.absoluteString, "--duration", "4",
                                              "--sessions", "2", "--json"])
        let received = try await answerer.finish()
        #expect(peer.status == 0, "stderr: \(peer.stderr)\nstdout: \(peer.stdout)")
        let sessions = try Self.sessions(peer)
        #expect(sessions.count == 2)
        for report in sessions {
            let id = try #require(report["id"] as? String)
            #expect(report["status"] as? String == "ok", "\(report)")
            #expect(report["iceServers"] as? [String] == ["stun:127.0.0.1:3478"], "\(report)")
            let video = report["videoFramesSent"] as? Int ?? 0
            let audio = report["audioFramesSent"] as? Int ?? 0
            #expect(video >= 60 && audio >= 100, "sent \(video) video frames, \(audio) audio packets")
            let server = try #require(received[id], "aiortc has no session \(id): \(received.keys)")
            let videoIn = server["videoFrames"] as? Int ?? 0
            let audioIn = server["audioFrames"] as? Int ?? 0
            // The last frame or two may still be in aiortc's jitter buffer at the DELETE.
            #expect(Double(videoIn) >= 0.95 * Double(video) - 2, "\(id): aiortc decoded \(videoIn) of \(video) video frames")
            #expect(Double(audioIn) >= 0.95 * Double(audio) - 5, "\(id): aiortc decoded \(audioIn) of \(audio) audio packets")
            #expect(server["deleted"] is Double, "\(id) was not DELETEd: \(server)")
        }
    }

    @Test("a server that answers but cannot be used → exit 1 with the reason, and its resource DELETEd",
          arguments: [("bad-fingerprint", "dtls-failed"), ("blackhole", "ICE"),
                      ("close-after:1", "transport closed during the run")])
    func brokenServer(fault: String, expected: String) async throws {
        let answerer = try await AiortcAnswerer.start(fault: fault)
        let peer = try await PeerProcess.run(["--whip", answerer.url.absoluteString, "--duration", "4",
                                              "--connect-timeout", "4", "--json"])
        let received = try await answerer.finish()
        #expect(peer.status == 1, "\(fault): exit \(peer.status)\nstderr: \(peer.stderr)")
        #expect(peer.stderr.contains(expected), "\(fault): \(peer.stderr)")
        let report = try #require(try Self.sessions(peer).first)
        #expect(report["status"] as? String == "failed", "\(report)")
        #expect(received.count == 1)
        for (id, server) in received { #expect(server["deleted"] is Double, "\(fault): \(id) was not DELETEd: \(server)") }
        if fault.hasPrefix("close-after") {
            // The server went away after 1 s of 4: the peer stops sending to it, and says so.
            #expect(peer.stderr.contains("sent too little"), "\(peer.stderr)")
            let sent = report["videoFramesSent"] as? Int ?? 0
            #expect(sent < 60, "sent \(sent) video frames after the server closed")
        }
    }
}

/// Janus 1.1.2 behind the anchor's WHIP front (`scripts/janus-anchor`, a private instance).
final class JanusAnchor: @unchecked Sendable {
    static let script = AiortcPublisherTests.repository.appendingPathComponent("scripts/janus-anchor").path
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/janus") }
    let server: ServerProcess
    let whip: URL
    let recordings: String
    /// Janus and the adapter: killed by id if they outlive the launcher.
    let children: [pid_t]

    init(server: ServerProcess, whip: URL, recordings: String, children: [pid_t]) {
        self.server = server
        self.whip = whip
        self.recordings = recordings
        self.children = children
    }

    /// A test that ended early (a failed `#require`) leaves nothing running either.
    deinit {
        if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
        for pid in children where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// Stops the launcher (which stops both), then makes sure neither is left behind.
    func stop() async {
        await server.stop()
        for pid in children where kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            Issue.record("process \(pid) outlived scripts/janus-anchor")
        }
    }

    static func start(ice: String) async throws -> JanusAnchor {
        let server = try ServerProcess("/bin/bash", [script, "--ice", ice])
        let ready = try await server.wait(for: { server.stdout.contains("\nready\n") }, timeout: .seconds(60))
        try #require(ready, "scripts/janus-anchor did not start: \(server.stdout)\n\(server.stderr.suffix(3000))")
        var fields: [String: String] = [:]
        for line in server.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return JanusAnchor(server: server, whip: try #require(fields["whip"].flatMap(URL.init(string:))),
                           recordings: try #require(fields["recordings"]),
                           children: ["janus-pid", "adapter-pid"].compactMap { fields[$0].flatMap { pid_t($0) } })
    }

    /// Packets ffprobe counts after `janus-pp-rec` muxed one `.mjr` (nil: the file is missing).
    static func framesKept(_ mjr: String, into directory: URL, ext: String) async throws -> Int? {
        guard FileManager.default.fileExists(atPath: mjr) else { return nil }
        let out = directory.appendingPathComponent(UUID().uuidString + "." + ext).path
        let pp = try await BoundedProcess.run("/usr/bin/janus-pp-rec", [mjr, out], timeout: .seconds(60))
        #expect(pp.status == 0, "janus-pp-rec \(mjr): \(pp.stderr.suffix(2000))")
        let probe = try await BoundedProcess.run("/usr/bin/ffprobe", ["-v", "error", "-count_packets", "-show_entries",
                                                                      "stream=nb_read_packets", "-of", "csv=p=0", out],
                                                 timeout: .seconds(60))
        #expect(probe.status == 0, "ffprobe \(out): \(probe.stderr)")
        let count = Int(probe.stdout.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces) ?? "")
        #expect(count != nil, "ffprobe \(out) said '\(probe.stdout)' / '\(probe.stderr)'; janus-pp-rec said: \(pp.stdout.suffix(1500)) \(pp.stderr.suffix(1500))")
        return count
    }
}

@Suite("capstan peer → Janus 1.1.2 through the anchor's WHIP front (issue 13)", .serialized,
       .enabled(if: JanusAnchor.installed, "janus is not installed: scripts/setup --test installs it (apt-get install janus janus-tools)"))
struct JanusInteropTests {
    @Test("2 sessions × 4 s: exit 0; Janus keeps ≥ 95 % of the video frames and audio packets sent (.mjr → janus-pp-rec → ffprobe)",
          arguments: ["lite", "full"])
    func publishToJanus(ice: String) async throws {
        let janus = try await JanusAnchor.start(ice: ice)
        let peer = try await PeerProcess.run(["--whip", janus.whip.absoluteString, "--duration", "4",
                                              "--sessions", "2", "--json"])
        // The adapter closes the recordings on DELETE, before the peer exits.
        await janus.stop()
        #expect(peer.status == 0, "ICE \(ice): stderr: \(peer.stderr)\nstdout: \(peer.stdout)")
        let sessions = try PeerInteropTests.sessions(peer)
        #expect(sessions.count == 2)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-janus-pp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for report in sessions {
            let id = try #require(report["id"] as? String)
            let video = report["videoFramesSent"] as? Int ?? 0
            let audio = report["audioFramesSent"] as? Int ?? 0
            #expect(video >= 60 && audio >= 100, "ICE \(ice) \(id): sent \(video) video frames, \(audio) audio packets")
            let keptVideo = try await JanusAnchor.framesKept("\(janus.recordings)/whip-\(id)-video-1.mjr", into: scratch, ext: "webm")
            let keptAudio = try await JanusAnchor.framesKept("\(janus.recordings)/whip-\(id)-audio-0.mjr", into: scratch, ext: "opus")
            let v = try #require(keptVideo, "no video .mjr for \(id) in \(janus.recordings)")
            let a = try #require(keptAudio, "no audio .mjr for \(id) in \(janus.recordings)")
            #expect(Double(v) >= 0.95 * Double(video), "ICE \(ice) \(id): Janus kept \(v) of \(video) video frames")
            #expect(Double(a) >= 0.95 * Double(audio), "ICE \(ice) \(id): Janus kept \(a) of \(audio) audio packets")
        }
        try? FileManager.default.removeItem(atPath: (janus.recordings as NSString).deletingLastPathComponent)
    }
}
