import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// Headless Chromium publishes with `RTCRtpTransceiver.setCodecPreferences`
/// naming H.264, VP9 and AV1 in turn; each recording must decode frame for
/// frame in `capstan inspect`, hold Chromium's `framesEncoded` within 1 %
/// (ffprobe's count), decode silently in ffmpeg, and play and seek in a
/// `<video>` (WebM and, for H.264, Matroska).
@Suite("headless Chromium with H.264, VP9 and AV1", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct BrowserCodecTests {
    static let samples = BrowserSampleTests.samples

    /// Publishes camera + microphone over WHIP with only `mime` for video.
    static let publish = HeadlessChromium.whipPost + """
        window.publishWith = async (mime, width, height) => {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: 30 } });
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          for (const track of stream.getTracks()) {
            const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
            if (track.kind === 'video') {
              const codecs = RTCRtpSender.getCapabilities('video').codecs.filter(c => c.mimeType.toLowerCase() === mime);
              if (!codecs.length) throw new Error('Chromium offers no ' + mime);
              t.setCodecPreferences(codecs);
              t.sender.track.contentHint = 'motion';
            }
          }
          const { resource, answer } = await whipPost(pc);
          window.pub = { pc, stream, resource };
          return resource;
        }; true
        """

    /// The outbound video stats: frames encoded, the codec's MIME type, the encoder.
    static let stats = """
        (async () => { const s = await window.pub.pc.getStats(); let out = { frames: 0 };
          s.forEach(r => { if (r.type === 'outbound-rtp' && r.kind === 'video') {
            out.frames += r.framesEncoded || 0; out.encoder = r.encoderImplementation;
            out.size = r.frameWidth + 'x' + r.frameHeight; const c = s.get(r.codecId); out.mime = c && c.mimeType; } });
          return JSON.stringify(out); })()
        """

    struct Case: CustomTestStringConvertible, Sendable {
        var mime: String
        var width: Int
        var height: Int
        var testDescription: String { "\(mime) \(width)x\(height)" }
    }

    /// AV1 at a small size: Chromium's libaom encoder headless on 2 shared cores.
    static let cases = [Case(mime: "video/h264", width: 640, height: 480), Case(mime: "video/vp9", width: 640, height: 480),
                        Case(mime: "video/av1", width: 320, height: 240)]

    @Test("Chromium publishes with setCodecPreferences → frames within 1 % of framesEncoded, inspect decodes all, ffmpeg silent, <video> plays and seeks (.webm, .mkv)",
          .timeLimit(.minutes(4)), arguments: cases)
    func publishWithCodec(_ c: Case) async throws {
        try await HeadlessChromium.withSamplesPage { daemon, page in
            let id = try await page.publish(defining: Self.publish,
                                            call: "window.publishWith('\(c.mime)', \(c.width), \(c.height))")
            #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'"))
            try await Task.sleep(for: .seconds(8))  // publish 8 s: the call's length, not a wait for an event
            // Stop the camera and the microphone, let the last frames go out
            // (framesEncoded stops moving) and reach the daemon (its RTP count
            // stops moving), then hang up. Polls, 250 ms apart, for the counts to settle.
            _ = try await page.evaluate("window.pub.stream.getTracks().forEach(t => t.stop()); true")
            var last = -1
            var stats: [String: Any] = [:]
            #expect(try await eventually(timeout: .seconds(10), interval: .milliseconds(250)) {
                let text = try #require(try await page.evaluate(Self.stats) as? String)
                stats = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                let frames = stats["frames"] as? Int ?? 0
                defer { last = frames }
                return frames == last
            }, "framesEncoded still moving: \(stats)")
            var received = -1
            #expect(try await eventually(timeout: .seconds(10), interval: .milliseconds(250)) {
                let now = try await daemon.rtpPacketsIn(id)
                defer { received = now }
                return now == received
            }, "RTP still arriving at the daemon")
            _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")
            let encoded = stats["frames"] as? Int ?? 0
            #expect((stats["mime"] as? String)?.lowercased() == c.mime, "\(stats)")
            #expect(encoded >= 60, "\(stats)")

            let recordings = daemon.recordingsPath
            #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"), "sidecar")
            let isH264 = c.mime == "video/h264"
            let file = "\(recordings)/\(id).\(isH264 ? "mkv" : "webm")"
            let report = MediaInspector.inspect(path: file)
            #expect(report.valid && report.finalized, "\(report.problems)")
            #expect(report.decodeErrors == 0, "\(report.track(.video)?.firstDecodeError ?? "")")
            #expect(report.track(.video)?.decoded == true)
            let inspected = report.track(.video)?.frames ?? 0
            if let output = try H264FileChecks.ffmpegDecodeOutput(file) { #expect(output.isEmpty, "ffmpeg: \(output)") }
            let probe = try H264FileChecks.ffprobeVideo(file)
            let counted = probe?.frames ?? inspected
            #expect(abs(counted - encoded) <= max(1, encoded / 100), "ffprobe \(counted), inspect \(inspected), framesEncoded \(encoded) \(stats)")
            print("chromium \(c.mime): framesEncoded \(encoded) (\(stats["encoder"] ?? "?"), \(stats["size"] ?? "?")), "
                  + "ffprobe \(counted), inspect \(inspected), resolutions \(report.track(.video)?.resolutions.map { "\($0.width)x\($0.height)" } ?? [])")
            // Chromium's <video> plays and seeks each (WebM, and Matroska with H.264).
            let playback = try await BrowserPlayback.play(sessionID: id, on: page, token: "tok")
            playback.expectCorrect(fileDurationSeconds: Double(report.durationNs ?? 0) / 1e9)
            print("chromium \(c.mime) in <video>: \(playback)")
        }
    }
}
