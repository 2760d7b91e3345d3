import DTLS
import Foundation
import NIOPosix
import SamplePeer
import Testing
import Transport

@Suite("capstan serve end to end over WHIP", .serialized)
struct WHIPEndToEndTests {
    static let certificate = try! DTLSCertificate.generateECDSA()

    @Test("a real peer reaches active over WHIP; DELETE ends it remote-hangup, visible in the API and metrics")
    func publishAndHangUp() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()

        let (peer, id) = try await daemon.connectPublisher(certificate: Self.certificate)
        #expect(peer.negotiated.audio != nil && peer.negotiated.video != nil)

        // The daemon sees the session active (transport up on its side too).
        let active = try await RecordingEndToEndTests.waitForState(daemon, id: id, "active")
        #expect(active["state"] as? String == "active", "\(active)")
        let liveMetrics = try await daemon.request("GET", "/metrics").body
        #expect(liveMetrics.contains(#"capstan_sessions{state="active"} 1"#), "\(liveMetrics)")

        try await peer.hangUp()
        let (status, body, _) = try await daemon.request("GET", "/api/sessions/\(id)")
        #expect(status == 200)
        let summary = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(summary?["state"] as? String == "ended")
        #expect(summary?["endReason"] as? String == "remote-hangup")
        let log = summary?["events"] as? [[String: Any]] ?? []
        let events = log.compactMap { $0["name"] as? String }
        let states = log.compactMap { $0["to"] as? String }
        #expect(events.contains("ice-selected") && events.contains("dtls-connected"), "\(log)")
        #expect(states == ["idle", "negotiating", "active", "ending", "ended"], "\(log)")

        let metrics = try await daemon.request("GET", "/metrics").body
        #expect(metrics.contains(#"capstan_sessions_ended_total{reason="remote-hangup"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"capstan_sessions_started_total{signaller="whip"} 1"#))
        #expect(metrics.contains(#"capstan_sessions{state="active"} 0"#))
        // A second DELETE: the session is gone.
        #expect(try await daemon.request("DELETE", peer.resource.path).status == 404)
    }

    @Test("SIGTERM with three active sessions: every one ends shutdown, exit 0 within 2 s")
    func sigtermEndsSessions() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let whip = WHIPClient(endpoint: daemon.httpBase.appendingPathComponent("whip"))
        var peers: [PublisherSession] = []
        for _ in 0..<3 {
            peers.append(try await PublisherSession.connect(whip: whip, certificate: Self.certificate,
                                                            group: MultiThreadedEventLoopGroup.singleton))
        }
        let listed = try await daemon.request("GET", "/api/sessions").body
        #expect(listed.components(separatedBy: #""state":"active""#).count - 1 == 3, "\(listed)")

        kill(daemon.process.processIdentifier, SIGTERM)
        let status = await daemon.waitForExit(timeout: .seconds(2))
        #expect(status == 0, "exit status \(String(describing: status)); log:\n\(daemon.log)")
        let ends = daemon.log.split(separator: "\n").filter { $0.contains("session ended") }
        #expect(ends.count == 3)
        #expect(ends.allSatisfy { $0.contains("session.end_reason=shutdown") }, "\(ends)")
        for peer in peers { await peer.tearDown() }
    }
}
