import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// The sample page's "paste an offer / copy the answer" panel, driven by
/// headless Chromium: a second RTCPeerConnection on the page makes the offer
/// (fake camera and microphone), the panel posts it to WHIP and shows the
/// answer, which the offerer applies; it connects and records.
@Suite("signalling by hand from the sample page", .serialized,
       .enabled(if: HeadlessChromium.available, "needs Debian's chromium (scripts/setup --test installs it)"))
struct ManualSignallingTests {
    /// `window.completeOffer(config)`: an offerer with the fake camera and microphone
    /// (`window.offerer`), its offer set and ICE gathering complete; resolves to the SDP.
    static let completeOffer = """
        window.completeOffer = async (config) => {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
          const pc = new RTCPeerConnection(config);
          window.offerer = pc;
          for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] });
          await pc.setLocalDescription(await pc.createOffer());
          await new Promise((done) => {
            if (pc.iceGatheringState === 'complete') return done();
            pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') done(); };
          });
          return pc.localDescription.sdp;
        };
        """

    static let makeOffer = completeOffer + """
        (async () => {
          document.getElementById('manualOffer').value = await window.completeOffer({ bundlePolicy: 'max-bundle' });
          document.getElementById('manualAnswer').click();
          return true;
        })()
        """

    /// The daemon records the call until it has written 60 video frames (about 2 s at 30 fps).
    static func expectRecording(_ daemon: DaemonProcess, _ id: String) async throws {
        var lastSummary = ""
        let recorded = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            guard let body = try? await daemon.request("GET", "/api/sessions/\(id)", headers: ["Authorization": "Bearer tok"]).body
            else { return false }
            lastSummary = body
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                  let recording = json["recording"] as? [String: Any] else { return false }
            return (recording["videoFrames"] as? Int ?? 0) >= 60
        }
        #expect(recorded, "the session did not record 60 video frames: \(lastSummary)")
    }

    /// After the hang-up: the sidecar says remote-hangup and the file is valid, finalized and decodes.
    static func expectHungUpRecording(_ daemon: DaemonProcess, _ id: String) async throws {
        let recordings = daemon.directory.appendingPathComponent("recordings").path
        #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: "\(recordings)/\(id).json") })
        let sidecar = try RecordingSidecar.read(from: "\(recordings)/\(id).json")
        #expect(sidecar.endReason == "remote-hangup")
        let report = MediaInspector.inspect(path: "\(recordings)/\(sidecar.file)")
        #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
        #expect((report.track(.video)?.frames ?? 0) >= 60 && (report.track(.audio)?.frames ?? 0) > 0)
    }

    @Test("offer pasted into the panel → answer copied back → connected → a valid recording", .timeLimit(.minutes(3)))
    func pasteOfferCopyAnswer() async throws {
        try await HeadlessChromium.withSamplesPage { daemon, page in
            #expect(try await page.waitFor("document.readyState === 'complete' && !!document.getElementById('manualAnswer')"))
            _ = try await page.evaluate("document.getElementById('token').value = 'tok'; true")

            #expect(try await page.evaluate(Self.makeOffer) as? Bool == true)
            let answered = try await page.waitFor("document.getElementById('manualAnswerText').value.startsWith('v=0')")
            let panelStatus = try? await page.evaluate("document.getElementById('manualStatus').textContent")
            #expect(answered, "panel: \(String(describing: panelStatus))")
            let id = try #require(try await page.evaluate("window.capstanManual.sessionId") as? String)
            #expect(try await page.evaluate("document.getElementById('manualCopy').disabled") as? Bool == false)

            _ = try await page.evaluate("""
                window.offerer.setRemoteDescription({ type: 'answer', sdp: document.getElementById('manualAnswerText').value })
                  .then(() => true)
                """)
            let connected = try await page.waitFor("window.offerer.connectionState === 'connected'")
            let connectionState = try? await page.evaluate("window.offerer.connectionState")
            #expect(connected, "\(String(describing: connectionState))")

            try await Self.expectRecording(daemon, id)

            _ = try await page.evaluate("document.getElementById('manualHangup').click(); true")
            #expect(try await page.waitFor("document.getElementById('manualStatus').textContent.startsWith('hung up (200)')"))
            try await Self.expectHungUpRecording(daemon, id)
        }
    }

    /// The README's "Signalling by hand" block, run as written: the `sh` block under that
    /// heading with TOKEN, the daemon's address and `{id}` put in, in a directory holding the
    /// page's `offer.sdp`.
    static func readmeCurlBlock() throws -> [String] {
        let readme = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md").path, encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Signalling by hand").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        // One command per line, a trailing backslash joining lines; comments dropped.
        var commands: [String] = [], current = ""
        for line in block.split(separator: "\n") {
            let code = line.components(separatedBy: "  # ").first!.trimmingCharacters(in: .whitespaces)
            if code.hasSuffix("\\") { current += code.dropLast() + " "; continue }
            commands.append(current + code)
            current = ""
        }
        return commands.filter { !$0.isEmpty }
    }

    @Test("the README's curl walk-through, run as written: offer.sdp from Chromium → curl POST → answer.sdp applied → connected → curl DELETE → a valid recording",
          .timeLimit(.minutes(3)))
    func readmeCurlWalkThrough() async throws {
        let commands = try Self.readmeCurlBlock()
        #expect(commands.count == 4 && commands[0].hasPrefix("curl ") && commands[3].hasPrefix("curl -X DELETE"), "\(commands)")
        try await HeadlessChromium.withSamplesPage { daemon, page in
            #expect(try await page.waitFor("document.readyState === 'complete'"))
            // As the README says: setLocalDescription, wait for gathering to complete, save the SDP.
            let offer = try #require(try await page.evaluate(Self.completeOffer + "window.completeOffer({})") as? String)
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try offer.write(to: directory.url.appendingPathComponent("offer.sdp"), atomically: true, encoding: .utf8)
            let base = daemon.httpBase.absoluteString.trimmingCharacters(in: ["/"])
            func shell(_ command: String) throws -> (status: Int32, output: String) {
                let line = command.replacingOccurrences(of: "TOKEN", with: "tok")
                    .replacingOccurrences(of: "http://127.0.0.1:8080", with: base)
                return try #require(run("/bin/sh", ["-c", "cd '\(directory.url.path)' && \(line)"]), "\(line)")
            }
            let post = try shell(commands[0])
            #expect(post.status == 0, "\(post.output)")
            let location = try shell(commands[1])
            let id = try #require(location.output.split(separator: "/").last?.trimmingCharacters(in: .whitespacesAndNewlines),
                                  "\(location.output)")
            #expect(location.output.lowercased().hasPrefix("location: /whip/") && !id.isEmpty, "\(location.output)")
            let answer = try shell(commands[2]).output
            #expect(answer.hasPrefix("v=0"), "\(answer.prefix(500))")
            let escaped = String(decoding: try JSONSerialization.data(withJSONObject: [answer], options: [.fragmentsAllowed]), as: UTF8.self)
            _ = try await page.evaluate("window.offerer.setRemoteDescription({ type: 'answer', sdp: \(escaped)[0] }).then(() => true)")
            #expect(try await page.waitFor("window.offerer.connectionState === 'connected'"))
            try await Self.expectRecording(daemon, id)
            let hangup = try shell(commands[3].replacingOccurrences(of: "{id}", with: id) + " -o /dev/null -w '%{http_code}'")
            #expect(hangup.output.hasSuffix("200"), "\(hangup.output)")
            try await Self.expectHungUpRecording(daemon, id)
        }
    }
}
