import CapstanTestSupport
import Foundation
import Inspection
import MediaBridge
import Testing

/// aiortc 1.16 offers RTX for its video codecs and answers NACKs on the RTX
/// stream when RTX is negotiated. `scripts/aiortc-publish.py --drop-every`
/// drops VP8 packets on the sender's side (before SRTP; never the RTX
/// ones): the retransmissions must bring them back.
@Suite("aiortc with RTX", .serialized)
struct AiortcRTXTests {
    @Test("aiortc drops every 20th VP8 packet; its RTX retransmissions are unwrapped and the recording has no lost packet")
    func aiortcRetransmitsOverRTX() async throws {
        let python = AiortcPublisherTests.python
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/setup --test")
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let arguments = [AiortcPublisherTests.publisher, "--url", daemon.httpBase.appendingPathComponent("whip").absoluteString,
                         "--duration", "6", "--json", "--drop-every", "20"]
        let result = try await BoundedProcess.run(python, arguments, timeout: .seconds(90))
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr.suffix(4000))")
        let summary = try #require(try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let session = try #require((summary["sessions"] as? [[String: Any]])?.first)
        #expect(session["error"] is NSNull, "\(session)")
        #expect(session["answerRTX"] as? Bool == true, "Capstan answers aiortc's RTX")
        let dropped = session["droppedVideoPackets"] as? Int ?? 0
        #expect(dropped > 5, "aiortc dropped \(dropped) VP8 packets")
        let id = try #require(session["id"] as? String)

        let sidecarPath = "\(daemon.recordingsPath)/\(id).json"
        #expect(try await RecordingEndToEndTests.waitForFile(sidecarPath, timeout: .seconds(20)))
        let sidecar = try RecordingSidecar.read(from: sidecarPath)
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.rtxPayloadType != nil && video.rtxSSRC != nil)
        #expect((video.rtxPackets ?? 0) >= dropped - 2 && (video.packetsRecoveredByNACK ?? 0) >= dropped - 2,
                "dropped \(dropped), RTX \(video.rtxPackets ?? 0), recovered \(video.packetsRecoveredByNACK ?? 0)")
        #expect(video.packetsLost <= 2)
        // /metrics adds the finalized recording's recovery counts.
        let wanted = ["capstan_rtx_packets_total{outcome=\"unwrapped\"} \(video.rtxPackets ?? -1)\n", "capstan_nack_recovered_packets_total{kind=\"video\"} \(video.packetsRecoveredByNACK ?? -1)\n"]
        var metrics = ""
        #expect(try await eventually {
            metrics = try await daemon.request("GET", "/metrics", headers: [:]).body
            return wanted.allSatisfy { metrics.contains($0) }
        }, "want \(wanted) in \(metrics)")
        let report = MediaInspector.inspect(path: "\(daemon.recordingsPath)/\(id).webm")
        #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
        print("aiortc RTX: dropped \(dropped) VP8 packets; sidecar rtxPackets \(video.rtxPackets ?? 0), recovered \(video.packetsRecoveredByNACK ?? 0), "
              + "lost \(video.packetsLost), frames \(video.frames), rtxPadding \(video.rtxPaddingDropped ?? 0), unneeded \(video.rtxUnneeded ?? 0)")
    }
}
