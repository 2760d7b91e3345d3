import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// Headless Chromium publishing from the sample page, whose offer carries
/// RTX for every video codec and `red/48000/2` for Opus: Capstan answers
/// both; through a relay that drops VP8 and RED audio packets, the
/// retransmissions come back on the RTX stream and the lost audio comes
/// back from the next RED packets' redundancy.
@Suite("headless Chromium: RTX and RED", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct BrowserRTXREDTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    static let outboundVideo = """
        (async () => { let f = 0, rtx = 0; (await window.capstan.pc.getStats()).forEach(r => {
          if (r.type === 'outbound-rtp' && r.kind === 'video') { f += r.framesEncoded || 0; rtx += r.retransmittedPacketsSent || 0; } });
          return JSON.stringify({ frames: f, retransmitted: rtx }); })()
        """

    @Test("Chromium's offer gets RTX and RED answered; every 20th VP8 or RED packet dropped on the way: video back via RTX, audio from RED redundancy",
          .timeLimit(.minutes(3)))
    func chromiumRTXAndRED() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "tok"], environment: ["CAPSTAN_SAMPLES": Self.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let mediaPort = try #require(daemon.mediaAddress.split(separator: ":").last.flatMap { UInt16($0) })
        let relay = try LossyUDPRelay(target: mediaPort, dropPayloadTypes: [], dropEvery: 20)
        defer { relay.stop() }
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString)
        defer { browser.stop() }
        let page = try await browser.page()
        defer { page.close() }
        #expect(try await page.waitFor("document.readyState === 'complete' && !!document.getElementById('start')"))

        // The page's WHIP answer reaches the browser with the relay's port in place of the daemon's.
        _ = try await page.evaluate("""
            (() => { const original = window.fetch;
              window.fetch = async (url, options) => {
                const response = await original(url, options);
                if (!String(url).startsWith('/whip') || !options || options.method !== 'POST' || response.status !== 201) return response;
                const sdp = (await response.text()).split(' \(mediaPort) ').join(' \(relay.port) ');
                window.capstanAnswer = sdp;
                return new Response(sdp, { status: 201, headers: response.headers });
              }; return true; })()
            """)
        _ = try await page.evaluate("document.getElementById('token').value = 'tok'; document.getElementById('start').click(); true")
        let connected = try await page.waitFor("!!window.capstan.pc && window.capstan.pc.connectionState === 'connected'")
        let status = try? await page.evaluate("document.getElementById('status').textContent")
        try #require(connected, "status: \(String(describing: status))")
        #expect(relay.forwarded > 0, "media goes through the relay")

        // What Capstan answered: VP8 with its RTX, RED before Opus.
        let answer = try #require(try await page.evaluate("window.capstanAnswer") as? String)
        let lines = answer.components(separatedBy: "\r\n")
        let audioLine = try #require(lines.first { $0.hasPrefix("m=audio") }).split(separator: " ")
        let videoLine = try #require(lines.first { $0.hasPrefix("m=video") }).split(separator: " ")
        #expect(audioLine.count == 5 && videoLine.count == 5, "\(audioLine) \(videoLine)")
        let red = String(audioLine[3]), opus = String(audioLine[4])
        let vp8 = String(videoLine[3]), rtx = String(videoLine[4])
        #expect(lines.contains("a=rtpmap:\(red) red/48000/2") && lines.contains("a=fmtp:\(red) \(opus)/\(opus)"))
        #expect(lines.contains("a=rtpmap:\(vp8) VP8/90000"))
        #expect(lines.contains("a=rtpmap:\(rtx) rtx/90000") && lines.contains("a=fmtp:\(rtx) apt=\(vp8)"))
        relay.dropPayloadTypes = [try #require(UInt8(vp8)), try #require(UInt8(red))]

        let id = try #require(try await page.evaluate("window.capstan.sessionId") as? String)
        // Publish for 8 s (a call's length, not a wait for an event).
        try await Task.sleep(for: .seconds(8))
        let stats = try #require(try await page.evaluate(Self.outboundVideo) as? String)
        let outbound = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Int])
        _ = try await page.evaluate("document.getElementById('hangup').click(); true")

        let recordings = daemon.directory.appendingPathComponent("recordings").path
        let sidecarPath = "\(recordings)/\(id).json"
        _ = try await RecordingEndToEndTests.waitForFile(sidecarPath, timeout: .seconds(20))
        let sidecar = try RecordingSidecar.read(from: sidecarPath)
        let report = MediaInspector.inspect(path: "\(recordings)/\(id).webm")
        #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
        let frames = report.tracks.first { $0.kind == .video }?.frames ?? 0
        let encoded = outbound["frames"] ?? 0

        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        let audio = try #require(sidecar.tracks.first { $0.kind == "audio" })
        #expect(video.rtxPayloadType == UInt8(rtx) && audio.redPayloadType == UInt8(red))
        let droppedVideo = relay.droppedByType[UInt8(vp8)!] ?? 0, droppedAudio = relay.droppedByType[UInt8(red)!] ?? 0
        #expect(droppedVideo > 10 && droppedAudio > 10, "the relay dropped \(droppedVideo) VP8 and \(droppedAudio) RED packets")
        #expect((outbound["retransmitted"] ?? 0) > 0, "Chromium retransmitted")
        #expect((video.rtxPackets ?? 0) > 0 && (video.packetsRecoveredByNACK ?? 0) > 0, "RTX unwrapped into the jitter buffer")
        #expect(video.rtxSSRC != nil)
        #expect((audio.redPackets ?? 0) > 100, "Chromium sends RED audio when RED leads the answer")
        #expect(audio.redDropped == 0)
        // Every 20th packet lost, never two in a row: the next packet's redundancy covers each.
        #expect((audio.redRecovered ?? 0) >= droppedAudio - 1, "recovered \(audio.redRecovered ?? 0) of \(droppedAudio) lost")
        #expect((audio.gapFillMs ?? 0) <= 40, "gap fill \(audio.gapFillMs ?? 0) ms where RED covered the losses")
        // /metrics adds the finalized recording's recovery counts.
        let wanted = ["capstan_red_recovered_packets_total \(audio.redRecovered ?? -1)\n", "capstan_rtx_packets_total{outcome=\"unwrapped\"} \(video.rtxPackets ?? -1)\n"]
        var metrics = ""
        #expect(try await eventually {
            metrics = try await daemon.request("GET", "/metrics", headers: ["Authorization": "Bearer tok"]).body
            return wanted.allSatisfy { metrics.contains($0) }
        }, "want \(wanted) in \(metrics)")
        #expect(Double(frames) >= 0.9 * Double(encoded), "recorded \(frames) of \(encoded) encoded frames")
        print("Chromium RTX/RED: relay dropped \(droppedVideo) VP8 and \(droppedAudio) RED packets of \(relay.matched); Chromium retransmitted \(outbound["retransmitted"] ?? 0); "
              + "sidecar: rtxPackets \(video.rtxPackets ?? 0), recovered by NACK \(video.packetsRecoveredByNACK ?? 0), lost \(video.packetsLost), "
              + "rtxPaddingDropped \(video.rtxPaddingDropped ?? 0), rtxUnneeded \(video.rtxUnneeded ?? 0), rtxDropped \(video.rtxDropped ?? 0); "
              + "frames \(frames) of \(encoded) encoded; audio RED packets \(audio.redPackets ?? 0), redRecovered \(audio.redRecovered ?? 0), "
              + "gap fill \(audio.gapFillMs ?? 0) ms")
    }
}
