import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// Data channels (RFC 8831, DCEP RFC 8832) beside the media, with real
/// peers: aiortc (its own SCTP in Python) and headless Chromium (dcsctp)
/// against `capstan serve`, whose SCTP is usrsctp over its DTLS.
@Suite("data channels with aiortc and Chromium", .serialized)
struct DataChannelRecordingTests {
    typealias Line = [String: Any]

    /// Runs scripts/aiortc-publish.py; its one session's report.
    static func publish(_ daemon: DaemonProcess, seconds: Double, _ extra: [String],
                       expectSuccess: Bool = true) async throws -> [String: Any] {
        let python = AiortcPublisherTests.python
        #expect(FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/setup --test")
        let arguments = [AiortcPublisherTests.publisher, "--url", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                         "--duration", "\(seconds)", "--json"] + extra
        let result = try await BoundedProcess.run(python, arguments, timeout: .seconds(Int64(seconds) + 90))
        if expectSuccess {
            #expect(result.status == 0, "aiortc-publish exit \(result.status)\nstdout: \(result.stdout.prefix(4000))\nstderr: \(result.stderr.suffix(4000))")
        }
        let summary = try #require(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                   "not JSON: \(result.stdout.prefix(2000))\nstderr: \(result.stderr.suffix(4000))")
        return try #require((summary["sessions"] as? [[String: Any]])?.first)
    }

    /// The JSONL lines of a recording's data channels.
    static func lines(_ path: String) throws -> [Line] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? Line, "not a JSON object: \(line)")
        }
    }

    static func sidecar(_ daemon: DaemonProcess, _ id: String) async throws -> RecordingSidecar {
        let path = "\(daemon.recordingsPath)/\(id).json"
        #expect(try await RecordingEndToEndTests.waitForFile(path, timeout: .seconds(20)), "no sidecar \(path)")
        return try RecordingSidecar.read(from: path)
    }

    /// The recording is whole: valid, finalized, every frame decodes, both tracks there.
    static func checkMedia(_ daemon: DaemonProcess, _ id: String, minimumVideoFrames: Int = 30) -> InspectionReport {
        let report = MediaInspector.inspect(path: "\(daemon.recordingsPath)/\(id).webm")
        #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(id): \(report.problems)")
        #expect((report.track(.video)?.frames ?? 0) >= minimumVideoFrames, "\(id): \(report.track(.video)?.frames ?? 0) video frames")
        #expect((report.track(.audio)?.frames ?? 0) >= 50, "\(id): \(report.track(.audio)?.frames ?? 0) audio frames")
        return report
    }

    @Test("aiortc sends audio + video + a data channel: the answer is accepted, media records, the JSONL holds every message with its label, protocol and content at the time it was sent on the media's timeline",
          .timeLimit(.minutes(3)))
    func aiortcRecordsMessages() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let session = try await Self.publish(daemon, seconds: 7, ["--data-channel", "chat", "--data-protocol", "x-chat",
                                                                  "--data-messages", "20", "--data-interval", "0.2",
                                                                  "--data-size", "300"])
        let id = try #require(session["id"] as? String)
        let sent = try #require(session["data"] as? [[String: Any]])
        #expect(sent.count == 20)
        let sidecar = try await Self.sidecar(daemon, id)
        let report = Self.checkMedia(daemon, id)

        let records = try Self.lines("\(daemon.recordingsPath)/\(id).data.jsonl")
        let opens = records.filter { $0["type"] as? String == "open" }
        #expect(opens.count == 1 && opens.first?["label"] as? String == "chat" && opens.first?["protocol"] as? String == "x-chat",
                "\(opens)")
        let messages = records.filter { ["text", "binary"].contains($0["type"] as? String) }
        #expect(messages.count == sent.count, "\(messages.count) recorded of \(sent.count) sent")
        for (message, original) in zip(messages, sent) {
            #expect(message["label"] as? String == "chat" && message["protocol"] as? String == "x-chat")
            #expect(message["type"] as? String == original["type"] as? String)
            #expect(message["data"] as? String == original["payload"] as? String, "\(message) vs \(original)")
        }
        // Times: on the file's timeline (0 = the first frame, which is about
        // when aiortc's first audio frame went out), and spaced as they were sent.
        let firstAudio = try #require(session["firstAudioFrame"] as? Double)
        let durationMs = Double(report.durationNs ?? 0) / 1e6
        var worst = 0.0, worstSpacing = 0.0
        let firstSent = try #require(sent.first?["sentAt"] as? Double)
        let firstTime = try #require(messages.first?["timeMs"] as? Double)
        for (message, original) in zip(messages, sent) {
            let time = try #require(message["timeMs"] as? Double)
            let sentAt = try #require(original["sentAt"] as? Double)
            worst = max(worst, abs(time - (sentAt - firstAudio) * 1000))
            worstSpacing = max(worstSpacing, abs((time - firstTime) - (sentAt - firstSent) * 1000))
            #expect(time >= 0 && time <= durationMs, "message at \(time) ms outside the recording (0…\(durationMs))")
        }
        // The absolute bound holds aiortc's own latency from making its first
        // audio frame to its first packet arriving (Python, a loaded machine).
        #expect(worst < 1000, "a message's time is \(worst) ms away from when it was sent, relative to the first audio")
        #expect(worstSpacing < 250, "message spacing differs by up to \(worstSpacing) ms from the sending")
        print("aiortc data channel: \(messages.count) messages; time vs sending: worst \(Int(worst)) ms absolute, \(Int(worstSpacing)) ms spacing")

        let data = try #require(sidecar.dataChannels, "sidecar has no dataChannels")
        #expect(data.file == "\(id).data.jsonl")
        #expect(data.messages == 20)
        #expect(data.channels.map(\.label) == ["chat"] && data.channels.first?.messages == 20)
        #expect(data.dropped == nil, "\(String(describing: data.dropped))")
    }

    @Test("dataChannels false: the m=application section is rejected, aiortc still takes the answer, connects and the media records",
          .timeLimit(.minutes(3)))
    func rejectedSection() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_DATA_CHANNELS": "false"])
        defer { daemon.stop() }
        try await daemon.start()
        let session = try await Self.publish(daemon, seconds: 4, ["--data-channel", "chat", "--data-messages", "0",
                                                                 "--connected-when", "media"])
        let id = try #require(session["id"] as? String)
        // aiortc took the answer (it refused it whole before: `ICE username
        // fragment or password is missing`) and its media transport connected.
        #expect(session["answerRejectsApplication"] as? Bool == true, "\(session)")
        #expect(session["connected"] is Double, "\(session)")
        print("rejected data channel section: aiortc connectionState \(session["connectionStateAtEnd"] ?? "?") at the end of the media (its unbundled transport for the rejected section never connects)")
        let sidecar = try await Self.sidecar(daemon, id)
        _ = Self.checkMedia(daemon, id, minimumVideoFrames: 20)
        #expect(sidecar.dataChannels == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.recordingsPath)/\(id).data.jsonl"))
    }

    @Test("loopback: every data channel message comes back on its channel", .timeLimit(.minutes(3)))
    func loopbackEcho() async throws {
        let daemon = try DaemonProcess(arguments: ["--mode", "loopback"])
        defer { daemon.stop() }
        try await daemon.start()
        let session = try await Self.publish(daemon, seconds: 4, ["--data-channel", "echo", "--data-messages", "12",
                                                                  "--data-interval", "0.1", "--data-size", "64"])
        let sent = try #require(session["data"] as? [[String: Any]])
        let echoed = try #require(session["echoed"] as? [Any])
        #expect(sent.count == 12)
        #expect(echoed.count == sent.count, "\(echoed.count) echoes of \(sent.count)")
        for (back, original) in zip(echoed, sent) {
            if original["type"] as? String == "text" {
                #expect(back as? String == original["payload"] as? String)
            } else {
                #expect((back as? [String: Any])?["base64"] as? String == original["payload"] as? String)
            }
        }
    }

    @Test("limits: an oversize message and a flood past messagesPerSecond are dropped and counted; the daemon stays up and records",
          .timeLimit(.minutes(3)))
    func limits() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_DATA_CHANNEL_MAX_MESSAGE_SIZE": "1024",
                                                     "CAPSTAN_DATA_CHANNEL_MESSAGES_PER_SECOND": "100"])
        defer { daemon.stop() }
        try await daemon.start()
        let session = try await Self.publish(daemon, seconds: 6, ["--data-channel", "flood", "--data-oversize", "8000",
                                                                  "--data-flood", "3000"])
        let id = try #require(session["id"] as? String)
        let sidecar = try await Self.sidecar(daemon, id)
        _ = Self.checkMedia(daemon, id, minimumVideoFrames: 20)
        let data = try #require(sidecar.dataChannels)
        let dropped = data.dropped ?? [:]
        #expect(dropped["oversize"] == 1, "\(dropped)")
        #expect((dropped["rate"] ?? 0) > 0, "\(dropped)")
        #expect(data.messages + (dropped["rate"] ?? 0) == 3000, "recorded \(data.messages) + rate drops \(dropped)")
        // The bucket holds one second's worth and refills at 100/s.
        let records = try Self.lines("\(daemon.recordingsPath)/\(id).data.jsonl").filter { $0["type"] as? String == "text" }
        let times = records.compactMap { $0["timeMs"] as? Double }
        let span = (times.last ?? 0) - (times.first ?? 0)
        #expect(Double(data.messages) <= 100 + span / 1000 * 100 + 5, "\(data.messages) messages in \(span) ms")
        #expect(daemon.isRunning)
        // The session API says the same.
        let api = try await daemon.request("GET", "/api/sessions/\(id)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any], "\(api)")
        let live = try #require(summary["dataChannels"] as? [String: Any], "\(api.body)")
        #expect(live["messagesReceived"] as? Int == data.messages, "\(live)")
        #expect((live["dropped"] as? [String: Int])?["rate"] == dropped["rate"], "\(live)")
        // Still serving: the answer to a new session.
        let again = try await Self.publish(daemon, seconds: 1, ["--data-channel", "after", "--data-messages", "1"])
        #expect(again["connected"] is Double)
        print("limits: oversize dropped \(dropped["oversize"] ?? 0), rate dropped \(dropped["rate"] ?? 0), recorded \(data.messages) in \(Int(span)) ms")
    }

    @Test("limits: past dataChannelMaxBytesPerSession messages are dropped and counted as sessionBytes; what is kept stays under it; media still records",
          .timeLimit(.minutes(3)))
    func sessionBytes() async throws {
        let bound = 2_000
        let daemon = try DaemonProcess(environment: ["CAPSTAN_DATA_CHANNEL_MAX_BYTES_PER_SESSION": "\(bound)"])
        defer { daemon.stop() }
        try await daemon.start()
        // 60 messages, alternately text ("bytes #i", ~9 bytes) and 100-byte binary: ~3,300 bytes sent.
        let sent = 60
        let session = try await Self.publish(daemon, seconds: 5, ["--data-channel", "bytes", "--data-messages", "\(sent)",
                                                                  "--data-interval", "0.03", "--data-size", "100"])
        #expect(session["dataSent"] as? Int == sent, "\(session)")
        let id = try #require(session["id"] as? String)
        let sidecar = try await Self.sidecar(daemon, id)
        _ = Self.checkMedia(daemon, id, minimumVideoFrames: 20)
        let data = try #require(sidecar.dataChannels)
        let dropped = data.dropped ?? [:]
        #expect((dropped["sessionBytes"] ?? 0) > 0, "\(dropped)")
        #expect(data.messages + (dropped["sessionBytes"] ?? 0) == sent, "recorded \(data.messages) + drops \(dropped)")
        #expect(data.bytes <= UInt64(bound), "\(data.bytes) bytes kept")
        // The file holds exactly what the sidecar counts, and every binary message whole.
        let records = try Self.lines("\(daemon.recordingsPath)/\(id).data.jsonl").filter { ["text", "binary"].contains($0["type"] as? String ?? "") }
        let payloadBytes = records.reduce(0) { total, record in
            let text = record["data"] as? String ?? ""
            return total + (record["type"] as? String == "binary" ? (Data(base64Encoded: text)?.count ?? 10_000) : text.utf8.count)
        }
        #expect(records.count == data.messages && payloadBytes == Int(data.bytes), "\(records.count) lines, \(payloadBytes) bytes")
        #expect(records.filter { $0["type"] as? String == "binary" }.allSatisfy { Data(base64Encoded: $0["data"] as? String ?? "")?.count == 100 })
        // The first messages are the ones kept (the bound is reached, not sampled).
        #expect(records.prefix(10).compactMap { $0["data"] as? String }.filter { $0.hasPrefix("bytes #") }
                == (0..<5).map { "bytes #\($0 * 2)" }, "\(records.prefix(10))")
        #expect(daemon.isRunning)
        print("limits: session bytes \(bound): kept \(data.messages) messages (\(data.bytes) bytes), dropped \(dropped)")
    }

    @Test("default limits (1,000 messages/s with a second's burst, 64 KiB, 64 MiB): an aiortc flood is recorded at the bound's rate, the rest dropped and counted",
          .timeLimit(.minutes(3)))
    func floodAtDefaultLimits() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let flood = 8_000
        let session = try await Self.publish(daemon, seconds: 8, ["--data-channel", "flood", "--data-flood", "\(flood)"])
        let id = try #require(session["id"] as? String)
        let sidecar = try await Self.sidecar(daemon, id)
        let data = try #require(sidecar.dataChannels)
        let rateDrops = data.dropped?["rate"] ?? 0
        #expect(data.messages + rateDrops == flood, "recorded \(data.messages) + drops \(String(describing: data.dropped))")
        let records = try Self.lines("\(daemon.recordingsPath)/\(id).data.jsonl").filter { $0["type"] as? String == "text" }
        let times = records.compactMap { $0["timeMs"] as? Double }
        let span = ((times.last ?? 0) - (times.first ?? 0)) / 1000
        // The bucket: 1,000 at once, then 1,000 a second.
        #expect(Double(data.messages) <= 1_000 + span * 1_000 + 20, "\(data.messages) messages in \(span) s")
        let sendingRate = Double(flood) / max(span, 0.001)
        if sendingRate > 1_500 { #expect(rateDrops > 0, "aiortc sent \(Int(sendingRate))/s and nothing was dropped") }
        _ = Self.checkMedia(daemon, id, minimumVideoFrames: 20)
        print("data channel at default limits: aiortc flood of \(flood): \(data.messages) recorded over \(String(format: "%.2f", span)) s "
              + "(\(Int(Double(max(0, data.messages - 1_000)) / max(span, 0.001))) msg/s after the 1,000 burst), \(rateDrops) dropped by the rate bound")
    }

    @Test("throughput: 10,000 small messages from aiortc, limits raised: recorded rate, and the daemon's CPU against the same call without messages",
          .timeLimit(.minutes(4)))
    func throughput() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_DATA_CHANNEL_MESSAGES_PER_SECOND": "1000000",
                                                     "CAPSTAN_DATA_CHANNEL_MAX_BYTES_PER_SESSION": "0"])
        defer { daemon.stop() }
        try await daemon.start()
        let seconds = 10.0
        let idleStart = daemon.cpuSeconds
        _ = try await Self.publish(daemon, seconds: seconds, ["--data-channel", "rate", "--data-messages", "0"])
        let baseline = daemon.cpuSeconds - idleStart
        let cpuBefore = daemon.cpuSeconds
        let session = try await Self.publish(daemon, seconds: seconds, ["--data-channel", "rate", "--data-flood", "10000"])
        let cpu = daemon.cpuSeconds - cpuBefore
        let id = try #require(session["id"] as? String)
        let sidecar = try await Self.sidecar(daemon, id)
        let data = try #require(sidecar.dataChannels)
        let records = try Self.lines("\(daemon.recordingsPath)/\(id).data.jsonl").filter { $0["type"] as? String == "text" }
        let times = records.compactMap { $0["timeMs"] as? Double }
        let span = ((times.last ?? 0) - (times.first ?? 0)) / 1000
        #expect(data.messages == 10_000, "\(String(describing: data.dropped))")
        #expect(records.map { $0["data"] as? String } == (0..<10_000).map { "f\($0)" }, "messages out of order or changed")
        let rate = Double(data.messages) / max(span, 0.001)
        let extra = cpu - baseline
        print("data channel throughput: \(data.messages) messages in \(String(format: "%.2f", span)) s = \(Int(rate)) msg/s recorded; "
              + "daemon CPU \(String(format: "%.2f", cpu)) s for the \(Int(seconds)) s call with media and messages, "
              + "\(String(format: "%.2f", baseline)) s without messages: \(String(format: "%.1f", extra / Double(max(1, data.messages)) * 1e6)) µs per message")
    }
}

/// Headless Chromium (its dcsctp) publishes camera + microphone and a data
/// channel from a page, sending text and binary messages during the call.
@Suite("data channels from headless Chromium", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct BrowserDataChannelTests {
    static let publish = HeadlessChromium.whipPost + """
        window.publishWithChannel = async () => {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 30 } });
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          const channel = pc.createDataChannel('telemetry', { protocol: 'x-telemetry' });
          channel.binaryType = 'arraybuffer';
          window.sent = [];
          const { resource, answer } = await whipPost(pc);
          window.pub = { pc, stream, resource, channel, answer };
          return resource;
        };
        window.sendMessages = async (count, interval) => {
          const channel = window.pub.channel;
          if (channel.readyState !== 'open') await new Promise((ok, fail) => {
            channel.onopen = ok; setTimeout(() => fail(new Error('channel ' + channel.readyState)), 15000); });
          // The video frames sent so far, read just before each message: ties the message to the media.
          const videoFramesSent = async () => {
            let frames = null;
            (await window.pub.pc.getStats()).forEach(r => { if (r.type === 'outbound-rtp' && r.kind === 'video') frames = r.framesSent; });
            return frames;
          };
          for (let i = 0; i < count; i++) {
            if (i) await new Promise(ok => setTimeout(ok, interval));
            const framesSent = await videoFramesSent();
            if (i % 3 === 2) {
              const bytes = new Uint8Array(8 + i);
              for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 7 + j) & 0xff;
              channel.send(bytes.buffer);
              window.sent.push({ type: 'binary', payload: btoa(String.fromCharCode(...bytes)), sentAt: Date.now() / 1000, framesSent });
            } else {
              const text = JSON.stringify({ seq: i, note: 'héllo "quoted"\\n' });
              channel.send(text);
              window.sent.push({ type: 'text', payload: text, sentAt: Date.now() / 1000, framesSent });
            }
          }
          return JSON.stringify(window.sent);
        }; true
        """

    @Test("Chromium sends text and binary messages on a data channel during a call: media records, the JSONL holds them with label, protocol and times consistent with the sending and next to the video frame sent before each",
          .timeLimit(.minutes(3)))
    func chromiumRecordsMessages() async throws {
        try await HeadlessChromium.withSamplesPage { daemon, page in
            let id = try await page.publish(defining: Self.publish, call: "window.publishWithChannel()")
            #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'"))
            let answer = try #require(try await page.evaluate("window.pub.answer") as? String)
            #expect(answer.contains("m=application ") && answer.contains("a=max-message-size:65536"), "\(answer)")
            try await Task.sleep(for: .seconds(1))
            let sentText = try #require(try await page.evaluate("window.sendMessages(15, 150)", timeout: .seconds(40)) as? String)
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(sentText.utf8)) as? [[String: Any]])
            // The W3C stats of this live browser session from capstan serve: every object per the spec's dictionaries.
            let stats = try await daemon.request("GET", "/api/sessions/\(id)/stats", headers: ["Authorization": "Bearer tok"])
            #expect(stats.status == 200, "\(stats)")
            let typed = try JSONDecoder().decode([String: [String: W3CStatsTests.Scalar]].self, from: Data(stats.body.utf8))
            for (key, object) in typed { #expect(W3CStatsTests.check(object).isEmpty, "\(key): \(W3CStatsTests.check(object))") }
            let types = typed.values.compactMap { object -> String? in
                if case .string(let type) = object["type"] { return type } else { return nil }
            }
            #expect(types.filter { $0 == "inbound-rtp" }.count == 2 && types.contains("candidate-pair"), "\(types)")
            try await Task.sleep(for: .seconds(1))
            _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")

            let sidecar = try await DataChannelRecordingTests.sidecar(daemon, id)
            let report = DataChannelRecordingTests.checkMedia(daemon, id, minimumVideoFrames: 20)
            let records = try DataChannelRecordingTests.lines("\(daemon.recordingsPath)/\(id).data.jsonl")
            let messages = records.filter { ["text", "binary"].contains($0["type"] as? String) }
            #expect(messages.count == 15, "\(records.count) lines")
            for (message, original) in zip(messages, sent) {
                #expect(message["label"] as? String == "telemetry" && message["protocol"] as? String == "x-telemetry")
                #expect(message["type"] as? String == original["type"] as? String)
                #expect(message["data"] as? String == original["payload"] as? String, "\(message) vs \(original)")
            }
            // The browser's clock is this machine's: spacing as sent, inside the recording.
            let durationMs = Double(report.durationNs ?? 0) / 1e6
            let firstSent = try #require(sent.first?["sentAt"] as? Double)
            let firstTime = try #require(messages.first?["timeMs"] as? Double)
            var worstSpacing = 0.0
            for (message, original) in zip(messages, sent) {
                let time = try #require(message["timeMs"] as? Double)
                worstSpacing = max(worstSpacing, abs((time - firstTime) - ((original["sentAt"] as? Double ?? 0) - firstSent) * 1000))
                #expect(time > 500 && time < durationMs, "message at \(time) ms; the recording is \(durationMs) ms")
            }
            #expect(worstSpacing < 250, "spacing off by up to \(worstSpacing) ms")
            // Against the media: a message sent after Chromium had sent its n-th video frame is on
            // the file's timeline next to that frame (the n-th video packet in the file; 1 frame = 33 ms).
            let file = "\(daemon.recordingsPath)/\(id).webm"
            if let probe = run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
                                                    "-of", "csv=p=0", file]), probe.status == 0 {
                let pts = probe.output.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.sorted()
                var worstMedia = 0.0
                for (message, original) in zip(messages, sent) {
                    let time = try #require(message["timeMs"] as? Double)
                    let frames = try #require(original["framesSent"] as? Int, "\(original)")
                    try #require(frames >= 1 && frames <= pts.count, "framesSent \(frames), \(pts.count) video frames in the file")
                    worstMedia = max(worstMedia, abs(time - pts[frames - 1] * 1000))
                }
                #expect(worstMedia < 200, "a message is \(worstMedia) ms away from the video frame sent just before it")
                print("chromium data channel vs media: worst \(Int(worstMedia)) ms from the last video frame sent before it")
            }
            let data = try #require(sidecar.dataChannels)
            #expect(data.messages == 15 && data.channels.first?.label == "telemetry")
            #expect(data.channels.first?.protocol == "x-telemetry" && data.dropped == nil)
            print("chromium data channel: \(messages.count) messages, spacing worst \(Int(worstSpacing)) ms, first at \(Int(firstTime)) ms of \(Int(durationMs)) ms")
        }
    }

    @Test("dataChannels false: Chromium takes the answer with the data channel section rejected (port 0, outside BUNDLE), connects and the media records; the channel never opens",
          .timeLimit(.minutes(3)))
    func chromiumRejectedSection() async throws {
        try await HeadlessChromium.withSamplesPage(environment: ["CAPSTAN_DATA_CHANNELS": "false"]) { daemon, page in
            let id = try await page.publish(defining: Self.publish, call: "window.publishWithChannel()")
            #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'"))
            let answer = try #require(try await page.evaluate("window.pub.answer") as? String)
            #expect(answer.contains("m=application 0 UDP/DTLS/SCTP webrtc-datachannel"), "\(answer)")
            try await Task.sleep(for: .seconds(3))
            #expect(try await page.evaluate("window.pub.channel.readyState") as? String != "open")
            _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")
            let sidecar = try await DataChannelRecordingTests.sidecar(daemon, id)
            _ = DataChannelRecordingTests.checkMedia(daemon, id, minimumVideoFrames: 20)
            #expect(sidecar.dataChannels == nil)
        }
    }

    @Test("throughput: Chromium floods small messages for 4 s with the default limits raised: the recorded rate and the daemon's CPU per message",
          .timeLimit(.minutes(3)))
    func chromiumThroughput() async throws {
        try await HeadlessChromium.withSamplesPage(environment: ["CAPSTAN_DATA_CHANNEL_MESSAGES_PER_SECOND": "1000000",
                                                                 "CAPSTAN_DATA_CHANNEL_MAX_BYTES_PER_SESSION": "0"]) { daemon, page in
            let id = try await page.publish(defining: Self.publish, call: "window.publishWithChannel()")
            #expect(try await page.waitFor("window.pub.pc.connectionState === 'connected'"))
            _ = try await page.evaluate("window.sendMessages(1, 0)", timeout: .seconds(20))
            let cpuBefore = daemon.cpuSeconds
            // Small text messages for 4 s, keeping Chromium's send queue under 1 MiB.
            let flood = """
                (async () => { const c = window.pub.channel; let n = 0; const end = Date.now() + 4000;
                  while (Date.now() < end) {
                    if (c.bufferedAmount > (1 << 20)) { await new Promise(ok => setTimeout(ok, 1)); continue; }
                    c.send('m' + n); n++;
                    if (n % 256 === 0) await new Promise(ok => setTimeout(ok, 0));
                  }
                  while (c.bufferedAmount > 0) await new Promise(ok => setTimeout(ok, 5));
                  return n; })()
                """
            let sent = try #require(try await page.evaluate(flood, timeout: .seconds(60)) as? Int)
            try await Task.sleep(for: .seconds(1))
            let cpuWithMessages = daemon.cpuSeconds - cpuBefore
            // The same 5 s of the call without messages, for the media's share.
            let idleBefore = daemon.cpuSeconds
            try await Task.sleep(for: .seconds(5))
            let cpuMediaOnly = daemon.cpuSeconds - idleBefore
            _ = try await page.evaluate("fetch(window.pub.resource, { method: 'DELETE', headers: { Authorization: 'Bearer tok' } }).then(r => r.status)")
            let sidecar = try await DataChannelRecordingTests.sidecar(daemon, id)
            let data = try #require(sidecar.dataChannels)
            #expect(data.messages == sent + 1, "recorded \(data.messages) of \(sent + 1): \(String(describing: data.dropped))")
            let records = try DataChannelRecordingTests.lines("\(daemon.recordingsPath)/\(id).data.jsonl")
                .filter { ($0["data"] as? String)?.hasPrefix("m") == true }
            let times = records.compactMap { $0["timeMs"] as? Double }
            let span = ((times.last ?? 0) - (times.first ?? 0)) / 1000
            let rate = Double(records.count) / max(span, 0.001)
            let perMessage = (cpuWithMessages - cpuMediaOnly) / Double(max(1, sent))
            print("chromium data channel throughput: \(records.count) messages recorded in \(String(format: "%.2f", span)) s = \(Int(rate)) msg/s; "
                  + "daemon CPU \(String(format: "%.2f", cpuWithMessages)) s for those 5 s with media, \(String(format: "%.2f", cpuMediaOnly)) s for 5 s of media alone: "
                  + "\(String(format: "%.1f", perMessage * 1e6)) µs per message")
        }
    }
}
