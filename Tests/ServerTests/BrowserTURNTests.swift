import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, TURN REST credentials: headless Chromium with `iceTransportPolicy: 'relay'`
/// takes the TURN credentials Capstan mints from `OPTIONS /whip`'s `Link` headers (RFC 9725
/// §4.6), gathers only relay candidates on coturn (`use-auth-secret`, 127.0.0.1), publishes,
/// and the recording is valid; Capstan sees coturn's relayed address as the peer.
@Suite("headless Chromium, relay only, with TURN credentials from Capstan", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"),
       .enabled(if: FileManager.default.isExecutableFile(atPath: TURNServer.binary), "needs coturn (scripts/setup --test installs it)"))
struct BrowserTURNTests {
    /// Reads the ice-server Link headers of `OPTIONS /whip`, then publishes camera and
    /// microphone relay-only over WHIP (VP8 + Opus), non-trickle.
    static let publish = HeadlessChromium.whipPost + """
        window.publish = async () => {
          const options = await fetch('/whip', { method: 'OPTIONS', headers: { Authorization: 'Bearer tok' } });
          const links = (options.headers.get('link') || '').split(/,(?=\\s*<)/);
          const iceServers = [];
          for (const link of links) {
            const url = /<([^>]+)>/.exec(link), rel = /rel="ice-server"/.test(link);
            const username = /username="([^"]*)"/.exec(link), credential = /credential="([^"]*)"/.exec(link);
            if (url && rel) iceServers.push({ urls: url[1], username: username && username[1], credential: credential && credential[1] });
          }
          if (!iceServers.length) throw new Error('no ice-server Link in OPTIONS /whip: ' + options.headers.get('link'));
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 30 } });
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceTransportPolicy: 'relay', iceServers });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          const { resource, answer } = await whipPost(pc, 5000);
          window.pub = { pc, stream, resource, offer: pc.localDescription.sdp, iceServers };
          return resource;
        }; true
        """

    /// Frames Chromium encoded, and its selected pair's local candidate type.
    static let stats = """
        (async () => { const s = await window.pub.pc.getStats(); const out = { frames: 0 };
          s.forEach(r => {
            if (r.type === 'outbound-rtp' && r.kind === 'video') out.frames += r.framesEncoded || 0;
            if (r.type === 'transport' && r.selectedCandidatePairId) {
              const pair = s.get(r.selectedCandidatePairId), local = pair && s.get(pair.localCandidateId);
              out.localType = local && local.candidateType;
            }
          });
          return JSON.stringify(out); })()
        """

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("Chromium, iceTransportPolicy relay, credentials from OPTIONS /whip: connects through coturn and records a valid file",
          .timeLimit(.minutes(5)))
    func relayOnlyChromium() async throws {
        let turn = try TURNServer(secret: TURNCredentialTests.secret)
        defer { turn.stop() }
        try await turn.start()
        let daemon = try DaemonProcess(arguments: ["--token", "tok"], environment: [
            "CAPSTAN_SAMPLES": BrowserSampleTests.samples,
            "CAPSTAN_TURN_URLS": turn.url, "CAPSTAN_TURN_SECRET": TURNCredentialTests.secret,
        ])
        defer { daemon.stop() }
        try await daemon.start()
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString)
        defer {
            kill(browser.process.processIdentifier, SIGKILL)
            browser.stop()
        }
        let page = try await browser.page()
        defer { page.close() }
        let id = try await page.publish(defining: Self.publish, call: "window.publish()",
                                             context: "coturn: \(turn.log.suffix(2000))")
        let offer = try #require(try await page.evaluate("window.pub.offer") as? String)
        let candidates = offer.split(separator: "\r\n").filter { $0.hasPrefix("a=candidate:") }
        #expect(!candidates.isEmpty && candidates.allSatisfy { $0.contains(" typ relay") }, "\(candidates)")
        #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'", timeout: .seconds(60)),
                "coturn: \(turn.log.suffix(2000))\ndaemon: \(daemon.log.suffix(2000))")
        try await Task.sleep(for: .seconds(5))  // the scenario: five seconds of media through the relay

        // Capstan's peer is coturn's relayed address; Chromium's own pair is a relay candidate.
        let summary = try Self.json(try await daemon.request("GET", "/api/sessions/\(id)", headers: ["Authorization": "Bearer tok"]).body)
        let remote = try #require((summary["stats"] as? [String: Any])?["selectedRemote"] as? String, "\(summary)")
        let remotePort = try #require(remote.split(separator: ":").last.flatMap { Int($0) })
        #expect(turn.relayPorts.contains(remotePort), "selected \(remote), relay ports \(turn.relayPorts)")
        let chromium = try Self.json(try #require(try await page.evaluate(Self.stats) as? String))
        #expect(chromium["localType"] as? String == "relay", "\(chromium)")

        // Stop the camera, let the last frames go out (until framesEncoded stops moving), hang up.
        _ = try await page.evaluate("window.pub.stream.getVideoTracks().forEach(t => t.stop()); true")
        var encoded = -1
        _ = try await eventually(timeout: .seconds(10), interval: .milliseconds(250)) {
            let frames = try Self.json(try #require(try await page.evaluate(Self.stats) as? String))["frames"] as? Int ?? 0
            defer { encoded = frames }
            return frames == encoded
        }
        _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")
        #expect(encoded >= 60)

        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"), "sidecar")
        let file = "\(recordings)/\(id).webm"
        let inspected = MediaInspector.inspect(path: file)
        #expect(inspected.valid && inspected.finalized && inspected.decodeErrors == 0, "\(inspected.problems)")
        #expect((inspected.track(.audio)?.frames ?? 0) > 100)
        if let output = try H264FileChecks.ffmpegDecodeOutput(file) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        let counted = try H264FileChecks.ffprobeVideo(file)?.frames ?? inspected.track(.video)?.frames ?? 0
        // Frames still in flight when the camera stopped may miss the hang-up: within 1 %.
        #expect(abs(counted - encoded) <= max(1, encoded / 100), "ffprobe \(counted), framesEncoded \(encoded)")
        print("Chromium relay-only through coturn: framesEncoded \(encoded), ffprobe \(counted), selected \(remote)")
    }
}
