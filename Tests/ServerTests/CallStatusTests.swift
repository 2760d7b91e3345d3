import CapstanServer
import CapstanTestSupport
import Foundation
import ICE
import SDP
import STUN
import Testing

/// `call:status` over a real WebSocket (in process) as the
/// PeerSession moves, and the call record of `GET /api/sessions/{id}`;
/// the remote peer is Capstan's own WebRTC stack (ICE, DTLS, SRTP).
@Suite("call:status and the call record")
struct CallStatusTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test("negotiating → active (with the selected pair) → ending → ended (reason, duration); the call record has media, times, duration, reason")
    func statusAndRecord() async throws {
        try await InProcessCapstan.run() { client, _ in
            try await Self.statusAndRecord(port: try #require(client.port)) { path in try await client.send(.get, path).text }
        }
    }

    @Test("the same call against capstan serve (the binary, not the in-process daemon)", .timeLimit(.minutes(2)))
    func statusAndRecordAgainstServe() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        try await Self.statusAndRecord(port: try #require(daemon.httpBase.port)) { path in
            try await daemon.request("GET", path).body
        }
    }

    /// One WebSocket call through its statuses, and its call record read with `get`.
    static func statusAndRecord(port: Int, get: (String) async throws -> String) async throws {
        do {
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("erin")?.type == .register)
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "erin"))
            let accept = try #require(await peer.next())
            #expect(accept.type == .callAccept)
            let id = try #require(accept.sessionId)
            #expect(await eventually { peer.statuses.map(\.status) == ["negotiating"] }, "\(peer.statuses)")

            let credentials = ICECredentials.generate()
            let offer = WebSocketTestPeer.offer(credentials: credentials)
            try peer.send(SignallingMessage(type: .offer, to: "capstan", from: "erin", sdp: offer.serialized))
            let answer = try #require(await peer.next())
            #expect(answer.type == .answer)
            let negotiated = try SDPOfferer.readAnswer(try SessionDescription(parsing: try #require(answer.sdp)), for: offer)
            try await peer.startTransport(local: credentials, negotiated: negotiated)
            #expect(await eventually(timeout: .seconds(15)) { peer.statuses.count >= 2 }, "\(peer.statuses)")
            let active = try #require(peer.statuses.last)
            #expect(active.status == "active" && active.sessionId == id && active.from == "capstan" && active.to == "erin")
            let pair = try #require(active.selectedPair, "\(active)")
            let mediaPort = try #require(peer.port?.localAddress.port)
            #expect(pair.remote == "127.0.0.1:\(mediaPort)", "\(pair)")
            #expect(pair.local.hasPrefix("127.0.0.1:") && pair.local != pair.remote)

            let live = try Self.json(try await get("/api/sessions/\(id)"))
            let liveCall = try #require(live["call"] as? [String: Any], "\(live)")
            #expect(liveCall["mediaType"] as? String == "video")
            #expect(liveCall["connectedAt"] is String && liveCall["endedAt"] == nil && liveCall["endReason"] == nil)

            // Some time active, so the duration is measurable.
            let clock = ContinuousClock()
            let activeSince = clock.now
            #expect(await eventually(timeout: .seconds(5)) { clock.now - activeSince >= .milliseconds(300) })

            try peer.send(SignallingMessage(type: .callHangup, to: "capstan", from: "erin"))
            #expect(await eventually { peer.statuses.last?.status == "ended" }, "\(peer.statuses)")
            let statuses = peer.statuses
            #expect(statuses.map(\.status) == ["negotiating", "active", "ending", "ended"], "\(statuses)")
            let ended = try #require(statuses.last)
            #expect(ended.reason == "remote-hangup")
            let duration = try #require(ended.durationSeconds)
            #expect(duration >= 0.3 && duration < 30, "\(duration)")

            let record = try Self.json(try await get("/api/sessions/\(id)"))
            let call = try #require(record["call"] as? [String: Any], "\(record)")
            #expect(call["mediaType"] as? String == "video")
            #expect(call["endReason"] as? String == "remote-hangup")
            let recorded = try #require(call["durationSeconds"] as? Double)
            #expect(abs(recorded - duration) < 0.01, "record \(recorded) vs status \(duration)")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let started = try #require((call["startedAt"] as? String).flatMap { formatter.date(from: $0) }, "\(call)")
            let connected = try #require((call["connectedAt"] as? String).flatMap { formatter.date(from: $0) }, "\(call)")
            let endedAt = try #require((call["endedAt"] as? String).flatMap { formatter.date(from: $0) }, "\(call)")
            #expect(started <= connected && connected < endedAt)
            #expect(abs(endedAt.timeIntervalSince(connected) - recorded) < 0.01)
            await peer.close()
        }
    }

    @Test("a call that never connects: negotiating → ended with failed and duration 0; an audio-only call record says audio")
    func failedCall() async throws {
        try await InProcessCapstan.run({ $0.negotiationTimeoutSeconds = 1 }) { client, _ in
            let port = try #require(client.port)
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("fred")?.type == .register)
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "fred"))
            let id = try #require(await peer.next()?.sessionId)
            // Opus + HEVC: the video section is refused, the call is audio.
            let offer = try OfferFixtures.named("obs-30-whip-hevc-offer.sdp")
            try peer.send(SignallingMessage(type: .offer, to: "capstan", from: "fred", sdp: offer))
            #expect(await peer.next()?.type == .answer)
            // Nobody does ICE: the negotiation timeout ends it.
            #expect(await eventually(timeout: .seconds(10)) { peer.statuses.last?.status == "ended" }, "\(peer.statuses)")
            let statuses = peer.statuses
            #expect(statuses.map(\.status) == ["negotiating", "ending", "ended"], "\(statuses)")
            #expect(statuses.last?.reason == "failed" && statuses.last?.durationSeconds == 0)
            let record = try Self.json(try await client.send(.get, "/api/sessions/\(id)").text)
            let call = try #require(record["call"] as? [String: Any], "\(record)")
            #expect(call["mediaType"] as? String == "audio")
            #expect(call["connectedAt"] == nil && call["endReason"] as? String == "failed")
            #expect(call["durationSeconds"] as? Double == 0)
            await peer.close()
        }
    }
}
