import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// A third-party sender: aiortc 1.16 (PyPI, in `.venv-aiortc/` from
/// `scripts/setup --test`) publishes VP8 + Opus over WHIP with
/// `scripts/aiortc-publish.py`. Its RTP clocks and RTCP sender reports are
/// its own (aiortc stamps SRs from its wall clock), so this is where the
/// daemon's timeline meets a sender it did not write.
@Suite("aiortc publishes to capstan serve", .serialized)
struct AiortcPublisherTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = repository.appendingPathComponent(".venv-aiortc/bin/python").path
    static let publisher = repository.appendingPathComponent("scripts/aiortc-publish.py").path

    /// One aiortc session as the publisher reports it (`--json`).
    struct Published {
        var id: String
        var connected: Double
        var mediaEnded: Double
        var deleted: Double
        var videoFrames: Int
        var audioFrames: Int
    }

    static func publish(url: URL, sessions: Int, seconds: Double, token: String? = nil) async throws -> [Published] {
        #expect(FileManager.default.isExecutableFile(atPath: python),
                "no \(python): run scripts/setup --test (it creates the aiortc venv)")
        var arguments = [publisher, "--url", url.absoluteString, "--duration", "\(seconds)",
                         "--sessions", "\(sessions)", "--json"]
        if let token { arguments += ["--token", token] }
        let result = try await BoundedProcess.run(python, arguments, timeout: .seconds(Int64(seconds) + 90))
        #expect(result.status == 0, "aiortc-publish exit \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr.suffix(4000))")
        let summary = try #require(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                   "not JSON: \(result.stdout)\nstderr: \(result.stderr.suffix(4000))")
        let list = try #require(summary["sessions"] as? [[String: Any]])
        #expect(list.count == sessions)
        return try list.map { s in
            #expect(s["error"] is NSNull, "session error: \(s)")
            #expect(s["postStatus"] as? Int == 201 && s["deleteStatus"] as? Int == 200, "\(s)")
            return Published(id: try #require(s["id"] as? String, "\(s)"),
                             connected: try #require(s["connected"] as? Double, "never connected: \(s)"),
                             mediaEnded: try #require(s["mediaEnded"] as? Double, "\(s)"),
                             deleted: try #require(s["deleted"] as? Double, "\(s)"),
                             videoFrames: s["videoFrames"] as? Int ?? 0,
                             audioFrames: s["audioFrames"] as? Int ?? 0)
        }
    }

    /// Video packet times (ms) as ffprobe reads them from the file.
    static func videoPacketTimes(_ path: String) throws -> [Double] {
        let probe = try #require(run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                          "packet=pts_time", "-of", "csv=p=0", path]))
        #expect(probe.status == 0, "\(probe.output)")
        return probe.output.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            .map { ($0 * 1000).rounded() }
    }

    @Test("3 concurrent aiortc sessions of 8 s → each WebM passes inspect, ffprobe and a silent ffmpeg decode; duration ±0.5 s of the call; video times strictly increasing, ≥ 20 ms apart")
    func threeConcurrentSessions() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let seconds = 8.0
        let published = try await Self.publish(url: daemon.httpBase.appendingPathComponent("whip"), sessions: 3,
                                               seconds: seconds)
        let recordings = daemon.recordingsPath
        for session in published {
            let sidecarPath = "\(recordings)/\(session.id).json"
            #expect(try await RecordingEndToEndTests.waitForFile(sidecarPath, timeout: .seconds(20)), "no sidecar \(sidecarPath)")
            let sidecar = try RecordingSidecar.read(from: sidecarPath)
            #expect(sidecar.endReason == "remote-hangup")
            let path = "\(recordings)/\(session.id).webm"

            // capstan's own judge: every frame decodes, finalized.
            let report = MediaInspector.inspect(path: path)
            #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(session.id): \(report.problems)")
            let videoFrames = report.track(.video)?.frames ?? 0
            #expect(Double(videoFrames) >= 0.9 * Double(session.videoFrames) - 30,
                    "\(session.id): \(videoFrames) frames recorded of \(session.videoFrames) aiortc encoded")

            // Duration: the call ran from aiortc's `connected` to its DELETE.
            let call = session.deleted - session.connected
            let duration = Double(report.durationNs ?? 0) / 1e9
            #expect(abs(duration - call) <= 0.5, "\(session.id): file \(duration) s, call \(call) s")

            // ffprobe reads it: VP8 + Opus.
            let probe = try #require(ffprobe(path), "ffprobe missing: scripts/setup --test installs ffmpeg")
            #expect(probe.status == 0 && probe.output.contains("vp8") && probe.output.contains("opus"), "\(probe.output)")

            // ffmpeg decodes it with timestamps passed through: not one message
            // (non-monotonic DTS, invalid packets, decode errors all print here).
            let decode = try await BoundedProcess.run("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", path,
                                                                           "-fps_mode", "passthrough", "-enc_time_base", "-1",
                                                                           "-f", "null", "-"], timeout: .seconds(60))
            #expect(decode.status == 0)
            #expect(decode.stderr.isEmpty, "\(session.id): ffmpeg says:\n\(decode.stderr.prefix(3000))")

            // A steady 30 fps sender: every video frame strictly after the one
            // before, and at least 20 ms after it (33 ms nominal).
            let times = try Self.videoPacketTimes(path)
            #expect(times.count == videoFrames, "ffprobe \(times.count) video packets, inspect \(videoFrames) frames")
            var bad: [String] = []
            for i in times.indices.dropFirst() where times[i] - times[i - 1] < 20 {
                bad.append("#\(i): \(times[i - 1]) → \(times[i]) ms (Δ \(times[i] - times[i - 1]))")
            }
            #expect(bad.isEmpty, "\(session.id): \(bad.count) of \(times.count - 1) video intervals under 20 ms or not increasing: \(bad.prefix(40).joined(separator: "; "))")
        }
    }

    @Test("with a token: aiortc's POST carries it (201); without it the daemon answers 401 and the publisher exits 1")
    func token() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "s3cret"])
        defer { daemon.stop() }
        try await daemon.start()
        let url = daemon.httpBase.appendingPathComponent("whip")
        let published = try await Self.publish(url: url, sessions: 1, seconds: 2, token: "s3cret")
        #expect(published.count == 1)
        let refused = try await BoundedProcess.run(Self.python, [Self.publisher, "--url", url.absoluteString,
                                                                  "--duration", "1", "--json"], timeout: .seconds(60))
        #expect(refused.status == 1)
        let summary = try? JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any]
        let first = (summary?["sessions"] as? [[String: Any]])?.first
        #expect(first?["postStatus"] as? Int == 401, "\(refused.stdout)")
    }
}

/// Runs a program, bounded in time (SIGTERM, then SIGKILL), stdout and
/// stderr captured apart.
struct BoundedProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> BoundedProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAPSTAN_") }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let outData = DataCollector(), errData = DataCollector()
        out.fileHandleForReading.readabilityHandler = { outData.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { errData.append($0.availableData) }
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            let grace = clock.now + .seconds(10)
            while process.isRunning && clock.now < grace { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            Issue.record("\(executable) did not exit within \(timeout)")
        }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        outData.append(out.fileHandleForReading.readDataToEndOfFile())
        errData.append(err.fileHandleForReading.readDataToEndOfFile())
        return BoundedProcess(status: process.terminationStatus, stdout: outData.string, stderr: errData.string)
    }
}
