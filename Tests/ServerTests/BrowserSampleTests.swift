import Foundation
import Inspection
import MediaBridge
import Testing

/// Headless Chromium (Debian's, fake devices) publishing from the sample page
/// at /samples/ — the path a person takes — and playing the result back.
@Suite("headless Chromium and the browser sample", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct BrowserSampleTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    static let framesEncoded = """
        (async () => { let f = 0; (await window.capstan.pc.getStats()).forEach(r => {
          if (r.type === 'outbound-rtp' && r.kind === 'video') f += r.framesEncoded || 0; }); return f; })()
        """
    static let framesDecodedFromEcho = """
        (async () => { let f = 0; (await window.capstan.pc.getStats()).forEach(r => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') f += r.framesDecoded || 0; }); return f; })()
        """

    func waitForFile(_ path: String, timeout: Duration = .seconds(20)) async throws -> Bool {
        try await RecordingEndToEndTests.waitForFile(path, timeout: timeout)
    }

    @Test("Chromium publishes 10 s from /samples/ → a recording inspect and ffprobe accept; then plays and seeks it in <video>",
          .timeLimit(.minutes(3)))
    func publishRecordAndPlay() async throws {
        try await HeadlessChromium.withSamplesPage { daemon, page in
            #expect(try await page.waitFor("document.readyState === 'complete' && !!document.getElementById('start')"))

            _ = try await page.evaluate("document.getElementById('token').value = 'tok'; document.getElementById('start').click(); true")
            let connected = try await page.waitFor("!!window.capstan.pc && window.capstan.pc.connectionState === 'connected'")
            let status = try? await page.evaluate("document.getElementById('status').textContent")
            #expect(connected, "status: \(String(describing: status))")
            let connectedAt = ContinuousClock.now
            let id = try #require(try await page.evaluate("window.capstan.sessionId") as? String)
            try await Task.sleep(for: .seconds(10))  // publish 10 s: the call's length, not a wait for an event
            let encoded = try #require(try await page.evaluate(Self.framesEncoded) as? Int)
            _ = try await page.evaluate("document.getElementById('hangup').click(); true")
            let published = (ContinuousClock.now - connectedAt)

            let recordings = daemon.directory.appendingPathComponent("recordings").path
            #expect(try await waitForFile("\(recordings)/\(id).json"), "sidecar")
            let webm = "\(recordings)/\(id).webm"
            let report = MediaInspector.inspect(path: webm)
            #expect(report.valid && report.decodeErrors == 0, "\(report.problems)")
            #expect(report.finalized)
            let duration = Double(report.durationNs ?? 0) / 1e9
            let publishedSeconds = Double(published.components.seconds) + Double(published.components.attoseconds) / 1e18
            #expect(abs(duration - publishedSeconds) <= 0.5, "file \(duration) s, published \(publishedSeconds) s")
            let frames = report.tracks.first { $0.kind == .video }?.frames ?? 0
            #expect(Double(frames) >= 0.95 * Double(encoded), "recorded \(frames) of \(encoded) encoded frames")
            let sidecar = try RecordingSidecar.read(from: "\(recordings)/\(id).json")
            #expect(abs(sidecar.avOffsetMs ?? 1_000) <= 40, "A/V offset \(String(describing: sidecar.avOffsetMs)) ms, correction \(String(describing: sidecar.avCorrectionMs)) ms, SRs \(sidecar.tracks.map(\.senderReports))")
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
            probe.arguments = ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", webm]
            let out = Pipe(); probe.standardOutput = out
            try probe.run(); probe.waitUntilExit()
            #expect(probe.terminationStatus == 0)
            let probed = Double(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(abs(probed - duration) <= 0.1, "ffprobe \(probed) s, inspect \(duration) s")

            // The page links the finalized recording.
            #expect(try await page.waitFor("document.querySelector('#recording a') !== null"))

            // Playback in a real browser: finite duration within 0.5 s of inspect's,
            // seek to the middle, play to the end.
            let play = """
                (async () => {
                  const v = document.createElement('video'); v.muted = true; document.body.appendChild(v);
                  v.src = document.querySelector('#recording a').getAttribute('href');
                  await new Promise((ok, fail) => { v.onloadedmetadata = ok; v.onerror = () => fail(new Error('load ' + (v.error && v.error.code))); });
                  const duration = v.duration;
                  v.currentTime = duration / 2;
                  await new Promise(ok => { v.onseeked = ok; });
                  const afterSeek = v.currentTime;
                  v.playbackRate = 4;
                  await v.play();
                  await new Promise((ok, fail) => { v.onended = ok; setTimeout(() => fail(new Error('no end at ' + v.currentTime)), 20000); });
                  return JSON.stringify({ duration, afterSeek, ended: v.ended, position: v.currentTime });
                })()
                """
            let playback = try #require(try await page.evaluate(play, timeout: .seconds(40)) as? String)
            let result = try #require(try JSONSerialization.jsonObject(with: Data(playback.utf8)) as? [String: Any])
            let playedDuration = try #require(result["duration"] as? Double)
            #expect(playedDuration.isFinite && abs(playedDuration - duration) <= 0.5, "\(result)")
            #expect(abs((result["afterSeek"] as? Double ?? 0) - playedDuration / 2) <= 1.5, "\(result)")
            #expect(result["ended"] as? Bool == true)
        }
    }

    @Test("loopback from the sample page: Chromium decodes the echoed video", .timeLimit(.minutes(2)))
    func loopback() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_SAMPLES": Self.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString)
        defer { browser.stop() }
        let page = try await browser.page()
        defer { page.close() }
        #expect(try await page.waitFor("document.readyState === 'complete' && !!document.getElementById('start')"))
        _ = try await page.evaluate("document.querySelector('input[value=loopback]').checked = true; document.getElementById('start').click(); true")
        #expect(try await page.waitFor("!!window.capstan.pc && window.capstan.pc.connectionState === 'connected'"))
        let decodedLater = """
            (async () => { await new Promise(r => setTimeout(r, 5000)); return \(Self.framesDecodedFromEcho); })()
            """
        let decoded = try #require(try await page.evaluate(decodedLater) as? Int)
        #expect(decoded > 0, "inbound (echoed) video frames decoded: \(decoded)")
        #expect(try await page.evaluate("document.getElementById('echoFigure').hidden") as? Bool == false)
        let id = try #require(try await page.evaluate("window.capstan.sessionId") as? String)
        _ = try await page.evaluate("document.getElementById('hangup').click(); true")
        let summary = try await daemon.request("GET", "/api/sessions/\(id)").body
        #expect(summary.contains(#""mode":"loopback""#))
    }
}
