import CapstanServer
import Foundation
import Testing

/// Status codes, headers and answer content of the WHIP endpoint, driven in
/// process (the router the daemon runs) with the real offers in
/// Tests/SDPTests/Fixtures.
@Suite("WHIP over HTTP (in process)")
struct WHIPHTTPTests {
    static let acceptable = [
        "chromium-156-default-offer.sdp", "chromium-156-vp8-opus-offer.sdp",
        "firefox-153esr-default-offer.sdp", "firefox-153esr-vp8-opus-offer.sdp",
        "gstreamer-1.22-webrtcbin-offer.sdp", "aiortc-1.16-offer.sdp",
    ]

    @Test("every captured offer gets 201, Location, ETag and an answer with Opus and VP8")
    func realOffers() async throws {
        try await InProcessCapstan.run({ $0.token = "tok"; $0.iceServers = ["stun:127.0.0.1:3478"] }) { client, _ in
            for name in Self.acceptable {
                let response = try await client.send(.post, "/whip", body: try OfferFixtures.named(name),
                                                     contentType: "application/sdp", headers: ["Authorization": "Bearer tok"])
                let body = response.text
                #expect(response.status == .created, "\(name): \(body)")
                #expect(response.header("Content-Type") == "application/sdp")
                #expect(response.header("Location")?.hasPrefix("/whip/") == true)
                #expect(response.header("ETag")?.hasPrefix("\"") == true)
                #expect(response.header("Link") == #"<stun:127.0.0.1:3478>; rel="ice-server""#)
                #expect(body.contains("a=ice-lite"))
                #expect(body.lowercased().contains(" opus/48000/2"), "\(name)")
                #expect(body.contains(" VP8/90000"), "\(name)")
                #expect(body.contains("a=setup:passive"))
                #expect(body.contains("a=recvonly"))
                #expect(body.contains("a=candidate:") && body.contains(" 127.0.0.1 "))
            }
            let sessions = try await client.send(.get, "/api/sessions", headers: ["Authorization": "Bearer tok"])
            #expect(sessions.status == .ok)
            #expect(sessions.text.components(separatedBy: #""signaller":"whip""#).count - 1 == Self.acceptable.count)
        }
    }

    @Test("415, 400 with reason, 401, 404, 412, 413 and OPTIONS")
    func errors() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, _ in
            let auth = ["Authorization": "Bearer tok"]
            let offer = try OfferFixtures.named("chromium-156-vp8-opus-offer.sdp")

            #expect(try await client.send(.get, "/healthz").status == .ok)
            #expect(try await client.send(.post, "/whip", body: offer, contentType: "application/sdp").status == .unauthorized)
            #expect(try await client.send(.get, "/api/sessions", headers: ["Authorization": "Bearer nope"]).status == .unauthorized)
            #expect(try await client.send(.get, "/metrics").status == .unauthorized)

            let wrongType = try await client.send(.post, "/whip", body: offer, contentType: "text/plain", headers: auth)
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(wrongType.text.contains("application/sdp"))

            let garbage = try await client.send(.post, "/whip", body: "hello", contentType: "application/sdp", headers: auth)
            #expect(garbage.status == .badRequest)
            #expect(garbage.text.contains("unparsable offer"))

            // Lines end in CRLF, which Swift treats as one Character: split on the string.
            let noFingerprint = offer.components(separatedBy: "\r\n")
                .filter { !$0.hasPrefix("a=fingerprint") }.joined(separator: "\r\n")
            let unsupported = try await client.send(.post, "/whip", body: noFingerprint, contentType: "application/sdp", headers: auth)
            #expect(unsupported.status == .badRequest)
            #expect(unsupported.text.contains("fingerprint"), "\(unsupported.text)")

            let dataOnly = try OfferFixtures.named("datachannel-only-offer.sdp")
            #expect(try await client.send(.post, "/whip", body: dataOnly, contentType: "application/sdp", headers: auth).status == .badRequest)

            let tooBig = String(repeating: "a=x-padding:0123456789\r\n", count: 4000)
            #expect(try await client.send(.post, "/whip", body: offer + tooBig, contentType: "application/sdp",
                                          headers: auth).status == .contentTooLarge)

            #expect(try await client.send(.delete, "/whip/nosuchsession", headers: auth).status == .notFound)
            #expect(try await client.send(.patch, "/whip/nosuchsession", body: "a=end-of-candidates\r\n",
                                          contentType: "application/trickle-ice-sdpfrag", headers: auth).status == .notFound)
            let missing = try await client.send(.get, "/api/sessions/nosuchsession", headers: auth)
            #expect(missing.status == .notFound)
            #expect(missing.text == #"{"error":"not-found","reason":"no session nosuchsession"}"#)

            let created = try await client.send(.post, "/whip", body: offer, contentType: "application/sdp", headers: auth)
            let location = try #require(created.header("Location"))
            let etag = try #require(created.header("ETag"))
            let fragment = "a=ice-ufrag:\(UUID().uuidString.prefix(8))\r\na=ice-pwd:\(UUID().uuidString)\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
            #expect(try await client.send(.patch, location, body: fragment, contentType: "application/sdp",
                                          headers: auth).status == .unsupportedMediaType)
            var withStaleTag = auth; withStaleTag["If-Match"] = "\"stale\""
            #expect(try await client.send(.patch, location, body: fragment, contentType: "application/trickle-ice-sdpfrag",
                                          headers: withStaleTag).status == .preconditionFailed)
            var withTag = auth; withTag["If-Match"] = etag
            let trickle = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
            let patched = try await client.send(.patch, location, body: trickle, contentType: "application/trickle-ice-sdpfrag",
                                                headers: withTag)
            #expect(patched.status == .noContent, "\(patched.text)")

            // OPTIONS (not a preflight): what the endpoint takes, no token needed.
            let options = try await client.send(.options, "/whip")
            #expect(options.status == .noContent)
            #expect(options.header("Accept-Post") == "application/sdp")
            let resourceOptions = try await client.send(.options, location)
            #expect(resourceOptions.status == .noContent)
            #expect(resourceOptions.header("Accept-Patch") == "application/trickle-ice-sdpfrag")

            #expect(try await client.send(.delete, location, headers: auth).status == .ok)
            let ended = try await client.send(.get, "/api/sessions/\(location.split(separator: "/").last!)", headers: auth)
            #expect(ended.text.contains(#""endReason":"remote-hangup""#), "\(ended.text)")
        }
    }

    @Test("503 at the session limit")
    func sessionLimit() async throws {
        try await InProcessCapstan.run({ $0.maxSessions = 2 }) { client, _ in
            let offer = try OfferFixtures.named("chromium-156-vp8-opus-offer.sdp")
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(try await client.send(.post, "/whip", body: offer, contentType: "application/sdp").status.code)
            }
            #expect(statuses == [201, 201, 503])
        }
    }
}
