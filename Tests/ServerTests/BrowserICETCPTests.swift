import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The acceptance test of ICE-TCP (issue 14): a network that blocks UDP. In a network
/// namespace of its own, nftables drops every UDP datagram to the media port; headless
/// Chromium publishes over WHIP to `capstan serve` there, gets through over TCP (its
/// `tcptype active` candidate to the answer's passive one), and the recording is valid.
@Suite("headless Chromium through a UDP-blocking firewall (ICE-TCP)", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"),
       .enabled(if: NetworkNamespace.available, "needs root, ip and nft (scripts/setup --test installs nftables)"))
struct BrowserICETCPTests {
    static let mediaPort = 50_000

    /// Publishes camera and microphone over WHIP (VP8 + Opus), non-trickle.
    static let publish = HeadlessChromium.whipPost + """
        window.publish = async () => {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 30 } });
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          const { resource, answer } = await whipPost(pc);
          window.pub = { pc, stream, resource, answer, offer: pc.localDescription.sdp };
          return resource;
        }; true
        """

    /// Chromium's own view: the selected pair's local candidate, and frames encoded.
    static let stats = """
        (async () => { const s = await window.pub.pc.getStats(); const out = { frames: 0 };
          s.forEach(r => {
            if (r.type === 'outbound-rtp' && r.kind === 'video') out.frames += r.framesEncoded || 0;
            if (r.type === 'transport' && r.selectedCandidatePairId) {
              const pair = s.get(r.selectedCandidatePairId);
              const local = pair && s.get(pair.localCandidateId), remote = pair && s.get(pair.remoteCandidateId);
              out.local = local && { protocol: local.protocol, tcpType: local.tcpType, type: local.candidateType };
              out.remote = remote && { protocol: remote.protocol, tcpType: remote.tcpType, port: remote.port };
            }
          });
          return JSON.stringify(out); })()
        """

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("UDP to the media port dropped by nftables: Chromium connects over ICE-TCP, records a valid file; the session API and W3C stats show the TCP pair",
          .timeLimit(.minutes(5)))
    func publishThroughUDPBlock() async throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        try namespace.nft("""
            table inet capstan_test {
              chain input {
                type filter hook input priority 0; policy accept;
                udp dport \(Self.mediaPort) counter drop
              }
            }
            """)
        let daemon = try DaemonProcess(arguments: ["--token", "tok", "--media", "127.0.0.1:\(Self.mediaPort)"],
                                       environment: ["CAPSTAN_SAMPLES": BrowserSampleTests.samples],
                                       launcher: namespace.launcher)
        defer { daemon.stop() }
        try await daemon.start()
        #expect(daemon.log.contains("tcp=127.0.0.1:\(Self.mediaPort)"), "ICE-TCP on by default at the media port's number")
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString,
                                           namespace: namespace)
        defer {
            kill(browser.process.processIdentifier, SIGKILL)
            browser.stop()
        }
        let page = try await browser.page()
        defer { page.close() }
        let id = try await page.publish(defining: Self.publish, call: "window.publish()")
        let offer = try #require(try await page.evaluate("window.pub.offer") as? String)
        let answer = try #require(try await page.evaluate("window.pub.answer") as? String)
        #expect(offer.contains("tcptype active"), "Chromium offers an active TCP candidate")
        #expect(answer.contains(" tcp 1520435199 127.0.0.1 \(Self.mediaPort) typ host tcptype passive"), "\(answer)")
        #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'", timeout: .seconds(60)),
                "\(daemon.log.suffix(2000))")
        try await Task.sleep(for: .seconds(6))

        // The daemon's view, while live (fetched by the page: the daemon is inside the namespace).
        let summaryText = try #require(try await page.evaluate(
            "fetch('/api/sessions/\(id)', { headers: { Authorization: 'Bearer tok' } }).then(r => r.text())") as? String)
        let summary = try Self.json(summaryText)
        let live = try #require(summary["stats"] as? [String: Any])
        #expect(summary["state"] as? String == "active" && live["selectedProtocol"] as? String == "tcp", "\(summaryText)")
        let statsText = try #require(try await page.evaluate(
            "fetch('/api/sessions/\(id)/stats', { headers: { Authorization: 'Bearer tok' } }).then(r => r.text())") as? String)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(statsText.utf8)) as? [String: [String: Any]])
        let transport = try #require(report.values.first { $0["type"] as? String == "transport" })
        let pair = try #require(report[transport["selectedCandidatePairId"] as? String ?? ""], "\(statsText)")
        let local = try #require(report[pair["localCandidateId"] as? String ?? ""])
        let remote = try #require(report[pair["remoteCandidateId"] as? String ?? ""])
        #expect(local["protocol"] as? String == "tcp" && local["tcpType"] as? String == "passive"
                && local["port"] as? Int == Self.mediaPort, "\(local)")
        #expect(remote["protocol"] as? String == "tcp" && remote["tcpType"] as? String == "active", "\(remote)")
        #expect((pair["packetsReceived"] as? Int ?? 0) > 100, "\(pair)")

        // Chromium's view: its selected pair is TCP too.
        let chromium = try Self.json(try #require(try await page.evaluate(Self.stats) as? String))
        let chromiumLocal = chromium["local"] as? [String: Any]
        #expect(chromiumLocal?["protocol"] as? String == "tcp", "\(chromium)")
        #expect((chromium["remote"] as? [String: Any])?["port"] as? Int == Self.mediaPort, "\(chromium)")

        // Stop the camera, let the last frames go out, hang up.
        _ = try await page.evaluate("window.pub.stream.getVideoTracks().forEach(t => t.stop()); true")
        var encoded = -1
        for _ in 0..<40 {
            try await Task.sleep(for: .milliseconds(250))
            let frames = try Self.json(try #require(try await page.evaluate(Self.stats) as? String))["frames"] as? Int ?? 0
            if frames == encoded { break }
            encoded = frames
        }
        try await Task.sleep(for: .milliseconds(500))
        _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")
        #expect(encoded >= 60)

        let recordings = daemon.recordingsPath
        #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"), "sidecar")
        let file = "\(recordings)/\(id).webm"
        let inspected = MediaInspector.inspect(path: file)
        #expect(inspected.valid && inspected.finalized && inspected.decodeErrors == 0, "\(inspected.problems)")
        #expect((inspected.track(.audio)?.frames ?? 0) > 100)
        if let output = try H264FileChecks.ffmpegDecodeOutput(file) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        let probe = try H264FileChecks.ffprobeVideo(file)
        let counted = probe?.frames ?? inspected.track(.video)?.frames ?? 0
        #expect(abs(counted - encoded) <= max(1, encoded / 100), "ffprobe \(counted), framesEncoded \(encoded)")

        // The firewall was really in the way: Chromium's UDP checks to the media port were dropped.
        let ruleset = try namespace.nftList(["table", "inet", "capstan_test"])
        let dropped = ruleset.split(separator: "\n").first { $0.contains("udp dport") }
            .flatMap { line in line.split(separator: " ").drop { $0 != "packets" }.dropFirst().first }.flatMap { Int($0) } ?? 0
        #expect(dropped > 0, "\(ruleset)")
        print("ICE-TCP through a UDP block: framesEncoded \(encoded), ffprobe \(counted), UDP datagrams dropped \(dropped)")
    }
}
