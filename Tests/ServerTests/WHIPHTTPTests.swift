import Foundation
import Testing

/// Status codes, headers and answer content of the WHIP endpoint, driven
/// with the real offers in Tests/SDPTests/Fixtures.
@Suite("WHIP over HTTP", .serialized)
struct WHIPHTTPTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SDPTests/Fixtures")

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    static let acceptable = [
        "chromium-156-default-offer.sdp", "chromium-156-vp8-opus-offer.sdp",
        "firefox-153esr-default-offer.sdp", "firefox-153esr-vp8-opus-offer.sdp",
        "gstreamer-1.22-webrtcbin-offer.sdp", "aiortc-1.16-offer.sdp",
    ]

    @Test("every captured offer gets 201, Location, ETag and an answer with Opus and VP8")
    func realOffers() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "tok"],
                                       environment: ["CAPSTAN_ICE_SERVERS": "stun:127.0.0.1:3478"])
        defer { daemon.stop() }
        try await daemon.start()
        for name in Self.acceptable {
            let offer = try Self.fixture(name)
            let (status, body, headers) = try await daemon.request(
                "POST", "/whip", body: offer, contentType: "application/sdp", headers: ["Authorization": "Bearer tok"])
            #expect(status == 201, "\(name): \(body)")
            #expect(headers["content-type"] == "application/sdp")
            #expect(headers["location"]?.hasPrefix("/whip/") == true)
            #expect(headers["etag"]?.hasPrefix("\"") == true)
            #expect(headers["link"] == #"<stun:127.0.0.1:3478>; rel="ice-server""#)
            #expect(body.contains("a=ice-lite"))
            #expect(body.lowercased().contains(" opus/48000/2"), "\(name)")
            #expect(body.contains(" VP8/90000"), "\(name)")
            #expect(body.contains("a=setup:passive"))
            #expect(body.contains("a=recvonly"))
            #expect(body.contains("a=candidate:") && body.contains(" 127.0.0.1 "))
            #expect(!body.contains("H264") && !body.contains("VP9") && !body.contains("AV1"))
        }
        let sessions = try await daemon.request("GET", "/api/sessions", headers: ["Authorization": "Bearer tok"])
        #expect(sessions.status == 200)
        #expect(sessions.body.components(separatedBy: #""signaller":"whip""#).count - 1 == Self.acceptable.count)
    }

    @Test("415, 400 with reason, 401, 404, 412 and OPTIONS")
    func errors() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "tok"])
        defer { daemon.stop() }
        try await daemon.start()
        let auth = ["Authorization": "Bearer tok"]
        let offer = try Self.fixture("chromium-156-vp8-opus-offer.sdp")

        #expect(try await daemon.request("GET", "/healthz").status == 200)
        #expect(try await daemon.request("POST", "/whip", body: offer, contentType: "application/sdp").status == 401)
        #expect(try await daemon.request("GET", "/api/sessions", headers: ["Authorization": "Bearer nope"]).status == 401)
        #expect(try await daemon.request("GET", "/metrics").status == 401)

        let wrongType = try await daemon.request("POST", "/whip", body: offer, contentType: "text/plain", headers: auth)
        #expect(wrongType.status == 415)

        let garbage = try await daemon.request("POST", "/whip", body: "hello", contentType: "application/sdp", headers: auth)
        #expect(garbage.status == 400)
        #expect(garbage.body.contains("unparsable offer"))

        // Lines end in CRLF, which Swift treats as one Character: split on the string.
        let noFingerprint = offer.components(separatedBy: "\r\n")
            .filter { !$0.hasPrefix("a=fingerprint") }.joined(separator: "\r\n")
        #expect(!noFingerprint.contains("fingerprint"))
        let unsupported = try await daemon.request("POST", "/whip", body: noFingerprint, contentType: "application/sdp", headers: auth)
        #expect(unsupported.status == 400)
        #expect(unsupported.body.contains("fingerprint"), "\(unsupported.body)")

        let dataOnly = try Self.fixture("datachannel-only-offer.sdp")
        let noMedia = try await daemon.request("POST", "/whip", body: dataOnly, contentType: "application/sdp", headers: auth)
        #expect(noMedia.status == 400)

        let tooBig = String(repeating: "a=x-padding:0123456789\r\n", count: 4000)
        #expect(try await daemon.request("POST", "/whip", body: offer + tooBig, contentType: "application/sdp", headers: auth).status == 413)

        #expect(try await daemon.request("DELETE", "/whip/nosuchsession", headers: auth).status == 404)
        #expect(try await daemon.request("PATCH", "/whip/nosuchsession", body: "a=end-of-candidates\r\n",
                                         contentType: "application/trickle-ice-sdpfrag", headers: auth).status == 404)
        #expect(try await daemon.request("GET", "/api/sessions/nosuchsession", headers: auth).status == 404)

        let created = try await daemon.request("POST", "/whip", body: offer, contentType: "application/sdp", headers: auth)
        let location = try #require(created.headers["location"])
        let etag = try #require(created.headers["etag"])
        let fragment = "a=ice-ufrag:\(UUID().uuidString.prefix(8))\r\na=ice-pwd:\(UUID().uuidString)\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
        let wrongPatchType = try await daemon.request("PATCH", location, body: fragment, contentType: "application/sdp", headers: auth)
        #expect(wrongPatchType.status == 415)
        var withStaleTag = auth; withStaleTag["If-Match"] = "\"stale\""
        #expect(try await daemon.request("PATCH", location, body: fragment, contentType: "application/trickle-ice-sdpfrag",
                                         headers: withStaleTag).status == 412)
        var withTag = auth; withTag["If-Match"] = etag
        let trickle = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
        let patched = try await daemon.request("PATCH", location, body: trickle,
                                               contentType: "application/trickle-ice-sdpfrag", headers: withTag)
        #expect(patched.status == 204, "\(patched.body)")

        let options = try await daemon.request("OPTIONS", "/whip")
        #expect(options.status == 204)
        #expect(options.headers["accept-post"] == "application/sdp")
        #expect(options.headers["access-control-allow-origin"] == "*")
        // The resource's preflight (a page on another origin before its PATCH
        // and DELETE): no token needed, methods and headers allowed.
        let preflight = try await daemon.request("OPTIONS", location, headers: [
            "Origin": "http://app.example", "Access-Control-Request-Method": "DELETE"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-methods"]?.contains("DELETE") == true)
        #expect(preflight.headers["access-control-allow-methods"]?.contains("PATCH") == true)
        #expect(preflight.headers["access-control-allow-headers"]?.contains("If-Match") == true)

        #expect(try await daemon.request("DELETE", location, headers: auth).status == 200)
    }

    @Test("503 at the session limit")
    func sessionLimit() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_MAX_SESSIONS": "2"])
        defer { daemon.stop() }
        try await daemon.start()
        let offer = try Self.fixture("chromium-156-vp8-opus-offer.sdp")
        let statuses = try await (0..<3).asyncMap { _ in
            try await daemon.request("POST", "/whip", body: offer, contentType: "application/sdp").status
        }
        #expect(statuses == [201, 201, 503])
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
