import CapstanTestSupport
import Foundation
import Inspection
import Testing

/// A web app on another origin records through Capstan (issue 11): a page
/// served by a separate HTTP server publishes over WHIP to the daemon from
/// headless Chromium, trickles its candidates with a PATCH (If-Match: a
/// preflighted header), then hangs up with `fetch(location, {method:
/// 'DELETE'})`. Every step crosses origins, so each depends on the daemon's
/// CORS answers; the session must end `remote-hangup`, not by consent timeout.
@Suite("a page on another origin publishes, trickles and hangs up", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct CrossOriginBrowserTests {
    static let page = """
        <!doctype html><meta charset="utf-8"><title>another origin</title>
        <script>
        window.result = { steps: [] };
        async function publish(endpoint) {
          const step = (s) => window.result.steps.push(s);
          const pc = new RTCPeerConnection();
          window.pc = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
          const gathered = new Promise((ok) => {
            pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') ok(); };
          });
          await pc.setLocalDescription(await pc.createOffer());
          const post = await fetch(endpoint + '/whip', { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
                                                         body: pc.localDescription.sdp });
          if (post.status !== 201) throw new Error('POST ' + post.status + ' ' + await post.text());
          const location = new URL(post.headers.get('Location'), endpoint).href;
          const etag = post.headers.get('ETag');
          window.result.location = location;
          step('posted');
          await pc.setRemoteDescription({ type: 'answer', sdp: await post.text() });
          await gathered;
          const sdp = pc.localDescription.sdp;
          const ufrag = sdp.match(/a=ice-ufrag:(.*)\\r\\n/)[1], pwd = sdp.match(/a=ice-pwd:(.*)\\r\\n/)[1];
          const candidates = sdp.split('\\r\\n').filter((l) => l.startsWith('a=candidate:'));
          const mid = pc.getTransceivers()[0].mid;
          const fragment = `a=ice-ufrag:${ufrag}\\r\\na=ice-pwd:${pwd}\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 0\\r\\na=mid:${mid}\\r\\n`
            + candidates.map((c) => c + '\\r\\n').join('') + 'a=end-of-candidates\\r\\n';
          const patch = await fetch(location, { method: 'PATCH', body: fragment,
            headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': etag } });
          window.result.patch = patch.status;
          window.result.patchETag = patch.headers.get('ETag');
          step('trickled');
          return true;
        }
        async function hangUp() {
          const response = await fetch(window.result.location, { method: 'DELETE' });
          window.result.deleteStatus = response.status;
          window.pc.close();
          return response.status;
        }
        </script>
        """

    @Test("publish, PATCH trickle and DELETE across origins; the session ends remote-hangup with a valid recording",
          .timeLimit(.minutes(3)))
    func crossOriginPublishAndHangUp() async throws {
        let site = try TemporaryDirectory(prefix: "capstan-origin")
        defer { site.remove() }
        try Self.page.write(to: site.url.appendingPathComponent("app.html"), atomically: true, encoding: .utf8)
        let origin = try OriginServer(directory: site.path)
        defer { origin.stop() }
        let daemon = try DaemonProcess(environment: ["CAPSTAN_ALLOWED_ORIGINS": origin.origin])
        defer { daemon.stop() }
        try await daemon.start()
        let endpoint = daemon.httpBase.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        #expect(origin.origin != endpoint, "two origins")

        let browser = try HeadlessChromium(url: "\(origin.origin)/app.html")
        defer { browser.stop() }
        let page = try await browser.page()
        defer { page.close() }
        #expect(try await page.waitFor("document.readyState === 'complete' && typeof publish === 'function'"))
        let published = try await page.evaluate("publish('\(endpoint)').then(() => 'ok', (e) => 'error: ' + e.message)",
                                                timeout: .seconds(60)) as? String
        #expect(published == "ok", "\(String(describing: published))")
        #expect(try await page.evaluate("window.result.patch") as? Int == 204)
        #expect(try await page.evaluate("window.result.patchETag") as? String != nil, "ETag exposed to the page")
        #expect(try await page.waitFor("window.pc.connectionState === 'connected'", timeout: .seconds(30)))
        let location = try #require(try await page.evaluate("window.result.location") as? String)
        let id = try #require(location.split(separator: "/").last.map(String.init))
        // Some media, then the page hangs up.
        #expect(try await eventually(timeout: .seconds(20)) {
            let summary = try await daemon.request("GET", "/api/sessions/\(id)").body
            return summary.contains(#""state":"active""#) && summary.contains(#""rtpPacketsIn""#)
                && !summary.contains(#""rtpPacketsIn":0"#)
        })
        try await Task.sleep(for: .seconds(3)) // publish three seconds of media
        let deleted = try await page.evaluate("hangUp().then((s) => s, (e) => 'error: ' + e.message)") as? Int
        #expect(deleted == 200, "DELETE from the page: \(String(describing: deleted))")

        var summary = ""
        #expect(try await eventually(timeout: .seconds(15)) {
            summary = try await daemon.request("GET", "/api/sessions/\(id)").body
            return summary.contains(#""state":"ended""#)
        })
        #expect(summary.contains(#""endReason":"remote-hangup""#), "\(summary)")
        let recordings = daemon.recordingsPath
        #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: "\(recordings)/\(id).json") })
        let report = MediaInspector.inspect(path: "\(recordings)/\(id).webm")
        #expect(report.valid && report.decodeErrors == 0, "\(report.problems)")
        #expect((report.tracks.first { $0.kind == .video }?.frames ?? 0) > 30)
    }
}

/// A static file server on its own port (Python's http.server), so the test
/// page has an origin that is not the daemon's.
final class OriginServer: @unchecked Sendable {
    let process = Process()
    private(set) var origin = ""

    init(directory: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let match = text.firstMatch(of: /port (\d+)/) else {
            stop()
            throw OriginServerError.noPort(text)
        }
        origin = "http://127.0.0.1:\(match.1)"
    }

    /// SIGKILL: a child started from the test process may inherit SIGTERM
    /// as ignored (the server libraries install their own signal handling).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

enum OriginServerError: Error { case noPort(String) }
