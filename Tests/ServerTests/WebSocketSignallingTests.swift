import CapstanServer
import CapstanTestSupport
import Foundation
import ICE
import SDP
import Testing

/// `/ws` driven in process (`buildApplication` behind a real listener on
/// 127.0.0.1): Capstan's own WebRTC stack is the remote peer.
@Suite("WebSocket signalling at /ws")
struct WebSocketSignallingTests {
    func session(_ client: CapstanTestClient, _ id: String) async throws -> [String: Any] {
        let body = try await client.send(.get, "/api/sessions/\(id)").text
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    /// The session's summary once it reaches `state`, or the last one seen after 10 s.
    func waitForState(_ client: CapstanTestClient, _ id: String, _ state: String) async throws -> [String: Any] {
        var summary: [String: Any] = [:]
        _ = try await eventually {
            summary = try await session(client, id)
            return summary["state"] as? String == state
        }
        return summary
    }

    /// Runs `test` against the app in process with a WebSocket client connected to its `/ws`.
    func withDaemon(_ change: @escaping (inout CapstanConfiguration) -> Void = { _ in },
                    _ test: @Sendable @escaping (CapstanTestClient, Int) async throws -> Void) async throws {
        try await InProcessCapstan.run(change) { client, _ in
            try await test(client, try #require(client.port))
        }
    }

    /// A client's call to the daemon up to `active`: `call:init` (with `mode`
    /// when given) → `call:accept` → offer → answer → ICE/DTLS. Returns the
    /// session id and its summary once active.
    func callDaemon(_ client: CapstanTestClient, _ peer: WebSocketTestPeer, as name: String,
                    mode: String? = nil) async throws -> (id: String, active: [String: Any]) {
        try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: name, mode: mode))
        let accept = try #require(await peer.next())
        #expect(accept.type == .callAccept)
        let id = try #require(accept.sessionId)
        let credentials = ICECredentials.generate()
        let offer = WebSocketTestPeer.offer(credentials: credentials)
        try peer.send(SignallingMessage(type: .offer, to: "capstan", from: name, sdp: offer.serialized))
        let answer = try #require(await peer.next())
        #expect(answer.type == .answer)
        let negotiated = try SDPOfferer.readAnswer(try SessionDescription(parsing: try #require(answer.sdp)), for: offer)
        try await peer.startTransport(local: credentials, negotiated: negotiated)
        return (id, try await waitForState(client, id, "active"))
    }

    @Test("a client calls the daemon: call:init → accept → offer → answer → active → call:hangup")
    func clientCallsDaemon() async throws {
        try await withDaemon { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("alice")?.type == .register)

            let (id, active) = try await callDaemon(client, peer, as: "alice")
            #expect(active["state"] as? String == "active")
            #expect(active["signaller"] as? String == "websocket")
            #expect(active["peer"] as? String == "alice")

            try peer.send(SignallingMessage(type: .callHangup, to: "capstan", from: "alice"))
            let ended = try await waitForState(client, id, "ended")
            #expect(ended["endReason"] as? String == "remote-hangup")
            await peer.close()
        }
    }

    @Test("call:init with mode: loopback on a recording daemon: the session is loopback and records nothing; a bad mode is an error")
    func callInitChoosesTheMode() async throws {
        try await withDaemon { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("carol")?.type == .register)

            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "carol", mode: "echo-please"))
            let refused = try #require(await peer.next())
            #expect(refused.type == .error)
            #expect(refused.reason?.contains("mode \"echo-please\" is not one of") == true, "\(refused)")

            let (id, active) = try await callDaemon(client, peer, as: "carol", mode: "loopback")
            #expect(active["state"] as? String == "active")
            #expect(active["mode"] as? String == "loopback")
            #expect(active["recording"] == nil, "a loopback session has no recording: \(active)")
            try peer.send(SignallingMessage(type: .callHangup, to: "capstan", from: "carol"))
            #expect(try await waitForState(client, id, "ended")["endReason"] as? String == "remote-hangup")
            let recordings = try await client.send(.get, "/api/recordings").text
            #expect(!recordings.contains(id), "nothing recorded for \(id): \(recordings)")
            await peer.close()
        }
    }

    @Test("the daemon calls a registered client (POST /api/calls), offers, and DELETE hangs up local-hangup")
    func daemonCallsClient() async throws {
        try await withDaemon { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("bob")?.type == .register)

            let created = try await client.send(.post, "/api/calls", body: #"{"peerId":"bob"}"#, contentType: "application/json")
            #expect(created.status == .created, "\(created.text)")
            let initMessage = try #require(await peer.next())
            #expect(initMessage.type == .callInit && initMessage.from == "capstan" && initMessage.to == "bob")
            let id = try #require(initMessage.sessionId)
            #expect(created.text.contains(id))

            try peer.send(SignallingMessage(type: .callAccept, to: "capstan", from: "bob"))
            let offerMessage = try #require(await peer.next())
            #expect(offerMessage.type == .offer)
            let offer = try SessionDescription(parsing: try #require(offerMessage.sdp))
            #expect(offer.isICELite)
            let credentials = ICECredentials.generate()
            let answer = try SDPAnswerer.answer(offer: offer, options: AnswerOptions(
                iceUfrag: credentials.ufrag, icePwd: credentials.password,
                fingerprint: .sha256(WebSocketTestPeer.certificate.sha256Fingerprint),
                candidates: [], mode: .sendonly(WebSocketTestPeer.streams), sessionID: 5))
            try peer.send(SignallingMessage(type: .answer, to: "capstan", from: "bob", sdp: answer.answerSDP))
            try await peer.startTransport(local: credentials, negotiated: answer.session)

            #expect(try await waitForState(client, id, "active")["state"] as? String == "active")
            #expect(try await client.send(.delete, "/api/sessions/\(id)").status == .ok)
            let hangup = try #require(await peer.next())
            #expect(hangup.type == .callHangup && hangup.reason == "local-hangup")
            #expect(try await session(client, id)["endReason"] as? String == "local-hangup")
            #expect(try await client.send(.post, "/api/calls", body: #"{"peerId":"nobody"}"#,
                                          contentType: "application/json").status == .notFound)
            await peer.close()
        }
    }

    @Test("reject, busy and ring timeout")
    func rejectBusyRingTimeout() async throws {
        try await withDaemon({ $0.ringTimeoutSeconds = 1 }) { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("carol")?.type == .register)

            // The client declines the daemon's call.
            _ = try await client.send(.post, "/api/calls", body: #"{"peerId":"carol"}"#, contentType: "application/json")
            let first = try #require(await peer.next())
            #expect(first.type == .callInit)
            try peer.send(SignallingMessage(type: .callReject, to: "capstan", from: "carol", reason: "declined"))
            #expect(try await waitForState(client, try #require(first.sessionId), "ended")["endReason"] as? String == "declined")

            // Ring timeout: the client never answers → call:hangup missed.
            _ = try await client.send(.post, "/api/calls", body: #"{"peerId":"carol"}"#, contentType: "application/json")
            let second = try #require(await peer.next())
            #expect(second.type == .callInit)
            let missed = try #require(await peer.next(timeout: .seconds(5)))
            #expect(missed.type == .callHangup && missed.reason == "missed", "\(missed)")
            #expect(try await session(client, try #require(second.sessionId))["endReason"] as? String == "missed")

            // Busy: a second call:init while in a call.
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "carol"))
            #expect(try #require(await peer.next()).type == .callAccept)
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "carol"))
            let busy = try #require(await peer.next())
            #expect(busy.type == .callReject && busy.reason == "busy")
            // Busy while the daemon calls a peer already in a call: 409.
            #expect(try await client.send(.post, "/api/calls", body: #"{"peerId":"carol"}"#,
                                          contentType: "application/json").status == .conflict)
            await peer.close()
        }
    }

    @Test("an offer with no codec Capstan records gets call:reject naming the codecs (the WHIP 400 body), no error or hangup")
    func unrecordableOfferIsRejected() async throws {
        try await withDaemon { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            #expect(try await peer.register("erin")?.type == .register)

            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "erin"))
            let accept = try #require(await peer.next())
            #expect(accept.type == .callAccept)
            let id = try #require(accept.sessionId)
            try peer.send(SignallingMessage(type: .offer, to: "capstan", from: "erin", sdp: Self.hevcOnlyOffer))
            let reject = try #require(await peer.next())
            #expect(reject.type == .callReject, "\(reject)")
            #expect(reject.from == "capstan" && reject.to == "erin" && reject.sessionId == id, "\(reject)")
            let reason = try #require(reject.reason)
            #expect(reason.contains("offered: H265/90000") && reason.contains("Capstan records: VP8/90000")
                    && reason.contains("H264/90000"), "\(reason)")
            // The same text WHIP answers the same offer with (400, text/plain).
            let whip = try await client.send(.post, "/whip", body: Self.hevcOnlyOffer, contentType: "application/sdp")
            #expect(whip.status == .badRequest)
            #expect(whip.text.trimmingCharacters(in: .whitespacesAndNewlines) == reason)
            // Nothing else follows: no error, no call:hangup (the scenario: half a second of silence).
            #expect(await peer.next(timeout: .milliseconds(500)) == nil)
            let ended = try await waitForState(client, id, "ended")
            #expect(ended["endReason"] as? String == "failed" && ended["endDetail"] as? String == "unsupported-codecs",
                    "\(ended)")
            #expect(peer.statuses.last?.status == "ended")
            // The socket and the peer id stay usable: the next call is accepted.
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "erin"))
            #expect(try #require(await peer.next()).type == .callAccept)
            await peer.close()
        }
    }

    /// An offer whose only section is HEVC video: nothing Capstan records.
    static let hevcOnlyOffer = """
        v=0\r
        o=- 1 1 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE 0\r
        a=ice-ufrag:Wb1T\r
        a=ice-pwd:kMk2w0bTYA0/c8HnzqGn8b\r
        a=fingerprint:sha-256 A7:3C:0D:52:E9:18:6B:F4:21:9E:C0:77:3A:58:D1:0F:64:B2:8E:45:19:FA:C3:06:7D:E2:91:5B:38:AC:F0:4D\r
        a=setup:actpass\r
        m=video 9 UDP/TLS/RTP/SAVPF 96\r
        c=IN IP4 0.0.0.0\r
        a=mid:0\r
        a=sendonly\r
        a=rtcp-mux\r
        a=rtpmap:96 H265/90000\r

        """

    @Test("malformed and oversized messages get an error; the socket stays usable")
    func badMessages() async throws {
        try await withDaemon({ $0.maxSignallingMessageBytes = 4096; $0.callPolicy = .reject }) { client, port in
            let peer = try await WebSocketTestPeer.connect(port: port)
            peer.sendRaw("this is not json")
            #expect(try #require(await peer.next()).type == .error)
            peer.sendRaw(#"{"type":"teleport"}"#)
            #expect(try #require(await peer.next()).type == .error)
            peer.sendRaw(#"{"type":"offer","sdp":"v=0"}"#)
            let unregistered = try #require(await peer.next())
            #expect(unregistered.type == .error && unregistered.reason?.contains("register") == true)
            peer.sendRaw(#"{"type":"register","peerId":""# + String(repeating: "x", count: 5000) + #""}"#)
            let oversized = try #require(await peer.next())
            #expect(oversized.type == .error && oversized.reason?.contains("exceeds") == true)

            #expect(try await peer.register("dave")?.type == .register)
            try peer.send(SignallingMessage(type: .answer, to: "capstan", from: "dave", sdp: "v=0"))
            #expect(try #require(await peer.next()).type == .error)
            // callPolicy reject: the daemon declines.
            try peer.send(SignallingMessage(type: .callInit, to: "capstan", from: "dave"))
            let declined = try #require(await peer.next())
            #expect(declined.type == .callReject && declined.reason == "declined")

            // The same peer id cannot register twice.
            let twin = try await WebSocketTestPeer.connect(port: port)
            let refused = try await twin.register("dave")
            #expect(refused?.type == .error)
            await twin.close()
            await peer.close()
        }
    }
}
