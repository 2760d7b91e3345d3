@testable import CapstanServer
import CapstanTestSupport
import DTLS
import Foundation
import HTTPTypes
import Hummingbird
import MediaBridge
import NIOCore
import STUN
import Testing

/// Each hole of issue 11, attacked against the application the daemon runs
/// (in process, over real TCP on 127.0.0.1).
@Suite("control-plane attacks (in process)")
struct WebAttackTests {
    static let offer = { try! OfferFixtures.named("chromium-156-vp8-opus-offer.sdp") }()

    // MARK: DNS rebinding

    @Test("DNS rebinding: a foreign Host gets 421 on every resource; IP literals, localhost and allowedHosts pass")
    func rebinding() async throws {
        try await InProcessCapstan.run({ $0.allowedHosts = ["capstan.example.org"] }) { client, _ in
            let port = try #require(client.port)
            func status(_ path: String, host: String) async throws -> Int {
                try await client.send(.get, path, headers: ["Host": host]).status.code
            }
            for path in ["/api/recordings", "/api/sessions", "/metrics", "/recordings/x.webm", "/whip", "/healthz"] {
                #expect(try await status(path, host: "rebind.attacker.example:\(port)") == 421, "\(path)")
            }
            #expect(try await status("/api/recordings", host: "rebind.attacker.example") == 421)
            #expect(try await status("/api/recordings", host: "127.0.0.1:\(port)") == 200)
            #expect(try await status("/api/recordings", host: "[::1]:\(port)") == 200)
            #expect(try await status("/api/recordings", host: "localhost:\(port)") == 200)
            #expect(try await status("/api/recordings", host: "capstan.example.org") == 200)
            #expect(try await status("/api/recordings", host: "CAPSTAN.example.org.:\(port)") == 200)
            #expect(try await status("/api/recordings", host: "capstan.example.org.evil.example") == 421)
        }
    }

    // MARK: Cross-site requests

    @Test("cross-site JSON: POST /api/calls as text/plain is 415, not parsed as JSON")
    func textPlainIsNotJSON() async throws {
        try await InProcessCapstan.run() { client, _ in
            let plain = try await client.send(.post, "/api/calls", body: #"{"peerId":"alice"}"#, contentType: "text/plain")
            #expect(plain.status == .unsupportedMediaType, "\(plain.text)")
            let none = try await client.send(.post, "/api/calls", body: #"{"peerId":"alice"}"#)
            #expect(none.status == .unsupportedMediaType)
            let json = try await client.send(.post, "/api/calls", body: #"{"peerId":"alice"}"#,
                                             contentType: "application/json; charset=utf-8")
            #expect(json.status == .notFound, "the JSON call is read: no peer alice")
        }
    }

    @Test("a page on another site cannot publish, hang up or call unless its origin is allowed; allowed origins get CORS")
    func crossSiteWrites() async throws {
        try await InProcessCapstan.run({ $0.allowedOrigins = ["https://app.example.com"] }) { client, _ in
            let evil = ["Origin": "https://evil.example"]
            let denied = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp", headers: evil)
            #expect(denied.status == .forbidden)
            #expect(denied.header("Access-Control-Allow-Origin") == nil)
            #expect(try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                          headers: ["Origin": "null"]).status == .forbidden)
            #expect(try await client.send(.post, "/api/calls", body: #"{"peerId":"a"}"#, contentType: "application/json",
                                          headers: evil).status == .forbidden)

            // The same page's own origin (same Host) and an allowed origin may.
            let same = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                             headers: ["Origin": "http://127.0.0.1:\(try #require(client.port))"])
            #expect(same.status == .created)
            let allowed = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                                headers: ["Origin": "https://app.example.com"])
            #expect(allowed.status == .created)
            #expect(allowed.header("Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(allowed.header("Access-Control-Expose-Headers")?.contains("Location") == true)
            #expect(allowed.header("Vary") == "Origin")
            let location = try #require(allowed.header("Location"))

            // Preflights of the resource: allowed origin gets methods and headers; others 403.
            let preflight = try await client.send(.options, location, headers: [
                "Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "if-match, content-type"])
            #expect(preflight.status == .noContent)
            #expect(preflight.header("Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(preflight.header("Access-Control-Allow-Methods") == "OPTIONS, PATCH, DELETE")
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("If-Match") == true)
            #expect(try await client.send(.options, location, headers: [
                "Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"]).status == .forbidden)

            // Hang-up from the evil page: refused, session lives; from the allowed page: ends remote-hangup.
            #expect(try await client.send(.delete, location, headers: evil).status == .forbidden)
            let hangUp = try await client.send(.delete, location, headers: ["Origin": "https://app.example.com"])
            #expect(hangUp.status == .ok)
            #expect(hangUp.header("Access-Control-Allow-Origin") == "https://app.example.com")
            let id = String(location.split(separator: "/").last!)
            #expect(try await client.send(.get, "/api/sessions/\(id)").text.contains(#""endReason":"remote-hangup""#))
            // An error answer carries CORS too, so the page can read why.
            let missing = try await client.send(.delete, "/whip/nosuchsession", headers: ["Origin": "https://app.example.com"])
            #expect(missing.status == .notFound)
            #expect(missing.header("Access-Control-Allow-Origin") == "https://app.example.com")
        }
    }

    @Test("/ws refuses the upgrade from a foreign Origin or Host; allows its own and allowed origins", .timeLimit(.minutes(1)))
    func webSocketOrigin() async throws {
        try await InProcessCapstan.run({ $0.allowedOrigins = ["https://app.example.com"] }) { client, _ in
            let port = try #require(client.port)
            func upgrades(_ headers: [String: String]) async throws -> Bool {
                try await onOwnThread {
                    do {
                        let socket = try MiniWebSocket(host: "127.0.0.1", port: port, path: "/ws", headers: headers) { _ in }
                        socket.close()
                        return true
                    } catch {
                        return false
                    }
                }
            }
            #expect(try await !upgrades(["Origin": "https://evil.example"]))
            #expect(try await !upgrades(["Origin": "null"]))
            #expect(try await upgrades(["Origin": "https://app.example.com"]))
            #expect(try await upgrades(["Origin": "http://127.0.0.1:\(port)"]), "same origin")
            #expect(try await upgrades([:]), "no Origin: not a browser")
        }
    }

    // MARK: Tokens

    @Test("token scopes: the publish token publishes but cannot read recordings, sessions or metrics; the admin token can do both")
    func tokenScopes() async throws {
        try await InProcessCapstan.run({ $0.publishToken = "pub-token"; $0.adminToken = "admin-token" }) { client, _ in
            let publish = ["Authorization": "Bearer pub-token"], admin = ["Authorization": "Bearer admin-token"]
            let created = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp", headers: publish)
            #expect(created.status == .created)
            for path in ["/api/recordings", "/api/sessions", "/metrics", "/recordings/x.webm"] {
                #expect(try await client.send(.get, path, headers: publish).status == .unauthorized, "\(path)")
            }
            #expect(try await client.send(.get, "/api/sessions", headers: admin).status == .ok)
            #expect(try await client.send(.get, "/api/recordings", headers: admin).status == .ok)
            #expect(try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                          headers: admin).status == .created)
            // Near misses: a prefix, a longer string, another case, no scheme.
            for wrong in ["Bearer pub-toke", "Bearer pub-tokenX", "Bearer PUB-TOKEN", "pub-token", "Basic pub-token"] {
                #expect(try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                              headers: ["Authorization": wrong]).status == .unauthorized, "\(wrong)")
            }
            #expect(try await client.send(.get, "/healthz").status == .ok)
        }
    }

    @Test("constant-time comparison is still a comparison")
    func constantTimeEquality() {
        let policy = AccessPolicy(configuration: { var c = CapstanConfiguration(); c.token = "s3cret"; return c }())
        #expect(policy.grant("s3cret", for: .admin) == .admin)
        for wrong in ["", "s", "s3cre", "s3cret ", "S3cret", "s3creT", "x3cret", "s3cret\0"] {
            #expect(policy.grant(wrong, for: .admin) == nil, "\(wrong)")
            #expect(policy.grant(wrong, for: .publish) == nil, "\(wrong)")
        }
    }

    @Test("tokenFile: one line or JSON; bad files are refused with the reason; a publish token alone is refused")
    func tokenFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let line = directory.url.appendingPathComponent("token").path
        try "one-token\n".write(toFile: line, atomically: true, encoding: .utf8)
        var configuration = CapstanConfiguration()
        try configuration.set("tokenFile", text: line)
        #expect(configuration.tokens.publish == "one-token" && configuration.tokens.admin == "one-token")

        let json = directory.url.appendingPathComponent("tokens.json").path
        try #"{"publishToken": "p", "adminToken": "a"}"#.write(toFile: json, atomically: true, encoding: .utf8)
        configuration = CapstanConfiguration()
        try configuration.set("tokenFile", text: json)
        #expect(configuration.tokens.publish == "p" && configuration.tokens.admin == "a")
        try configuration.validate()

        let bad = directory.url.appendingPathComponent("bad.json").path
        try #"{"publishToken": "p", "superToken": "x"}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: ServerError.self) { var c = CapstanConfiguration(); try c.set("tokenFile", text: bad) }
        #expect(throws: ServerError.self) { var c = CapstanConfiguration(); try c.set("tokenFile", text: "/nonexistent/t") }
        var publishOnly = CapstanConfiguration()
        publishOnly.publishToken = "p"
        #expect(throws: ServerError.self) { try publishOnly.validate() }
    }

    @Test("recordings open with a signed link until it expires; ?token= and tampered or foreign links do not")
    func signedLinks() async throws {
        let clock = TestWallClock()
        var options = ApplicationOptions()
        options.now = { clock.now }
        let signer = options.signer
        try await InProcessCapstan.run(options: options, { $0.token = "tok"; $0.signedURLSeconds = 300 }) { client, directory in
            let recordings = directory.url.appendingPathComponent("recordings")
            try Data(repeating: 7, count: 1000).write(to: recordings.appendingPathComponent("abc.webm"))
            try Data(#"{"sessionId":"abc"}"#.utf8).write(to: recordings.appendingPathComponent("abc.json"))
            let listed = try await client.send(.get, "/api/recordings", headers: ["Authorization": "Bearer tok"])
            #expect(listed.status == .ok)
            // A sidecar that does not decode is not listed; sign a path the same way the listing does.
            let expires = Int64(clock.now.timeIntervalSince1970) + 300
            let link = signer.sign(path: "/recordings/abc.webm", expires: expires)

            #expect(try await client.send(.get, "/recordings/abc.webm").status == .unauthorized)
            #expect(try await client.send(.get, "/recordings/abc.webm?token=tok").status == .unauthorized)
            let fetched = try await client.send(.get, link)
            #expect(fetched.status == .ok)
            #expect(fetched.body.readableBytes == 1000)
            #expect(try await client.send(.get, link, headers: ["Range": "bytes=0-9"]).status == .partialContent)
            // Another file with this file's signature, a flipped digit, a later expiry: refused.
            #expect(try await client.send(.get, link.replacingOccurrences(of: "abc.webm", with: "abd.webm")).status == .unauthorized)
            let flipped = link.hasSuffix("0") ? String(link.dropLast()) + "1" : String(link.dropLast()) + "0"
            #expect(try await client.send(.get, flipped).status == .unauthorized)
            #expect(try await client.send(.get, link.replacingOccurrences(of: "expires=\(expires)",
                                                                          with: "expires=\(expires + 1000)")).status == .unauthorized)
            clock.advance(seconds: 301)
            #expect(try await client.send(.get, link).status == .unauthorized, "expired")
        }
    }

    @Test("GET /api/recordings gives each finalized recording a signed url that plays without the token")
    func listingSignsLinks() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, directory in
            let recordings = directory.url.appendingPathComponent("recordings")
            let sidecar = RecordingSidecar(sessionId: "fixture", signaller: "whip", peer: nil,
                                           startedAt: "2026-12-06T00:00:00Z", endedAt: "2026-12-06T00:00:01Z",
                                           endReason: "remote-hangup", endDetail: nil, file: "fixture.webm", container: "webm",
                                           bytes: 64, durationMs: 1000, tracks: [])
            try JSONEncoder().encode(sidecar).write(to: recordings.appendingPathComponent("fixture.json"))
            try Data(repeating: 1, count: 64).write(to: recordings.appendingPathComponent("fixture.webm"))
            let listed = try await client.send(.get, "/api/recordings", headers: ["Authorization": "Bearer tok"])
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.text.utf8)) as? [[String: Any]])
            let url = try #require(entries.first?["url"] as? String, "\(listed.text)")
            #expect(url.hasPrefix("/recordings/fixture.webm?expires="))
            #expect(try await client.send(.get, url).status == .ok)
        }
    }

    // MARK: Session caps

    @Test("maxSessionsPerAddress: the next session from the same address gets 429 while others are live", .timeLimit(.minutes(1)))
    func perAddressCap() async throws {
        try await InProcessCapstan.run({ $0.maxSessionsPerAddress = 2 }) { client, _ in
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp").status.code)
            }
            #expect(statuses == [201, 201, 429])
            let sessions = try await client.send(.get, "/api/sessions")
            let first = try #require(sessions.text.firstMatch(of: /"id":"([a-z0-9]+)"/)?.1)
            #expect(try await client.send(.delete, "/api/sessions/\(first)").status == .ok)
            #expect(try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp").status == .created,
                    "a slot frees when a session ends")
        }
    }

    @Test("maxSessionsPerToken: a publish token holds at most N live sessions; the admin token has its own count")
    func perTokenCap() async throws {
        try await InProcessCapstan.run({ $0.publishToken = "p"; $0.adminToken = "a"; $0.maxSessionsPerToken = 1 }) { client, _ in
            func post(_ token: String) async throws -> Int {
                try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                      headers: ["Authorization": "Bearer \(token)"]).status.code
            }
            #expect(try await post("p") == 201)
            let refused = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp",
                                                headers: ["Authorization": "Bearer p"])
            #expect(refused.status.code == 429)
            #expect(refused.text.contains("maxSessionsPerToken"))
            #expect(try await post("a") == 201)
        }
    }

    // MARK: Idle connections

    @Test("an idle HTTP connection is closed after httpIdleTimeoutSeconds", .timeLimit(.minutes(1)))
    func idleConnectionIsClosed() async throws {
        try await InProcessCapstan.run({ $0.httpIdleTimeoutSeconds = 1 }) { client, _ in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            let closed = try await onOwnThread { try RawTCP.connectAndWaitForClose(port: port, timeoutMilliseconds: 8_000) }
            #expect(closed, "the server kept an idle connection 8 s")
            #expect(ContinuousClock.now - started < .seconds(8))
            // Half a request head, then nothing (a slow-header attack).
            let dripped = try await onOwnThread {
                try RawTCP.connectAndWaitForClose(port: port, sending: "GET /healthz HTTP/1.1\r\nHo", timeoutMilliseconds: 8_000)
            }
            #expect(dripped, "the server waited 8 s for the rest of a request head")
            // A whole request is answered, then the kept-alive connection is closed when idle.
            let answered = try await onOwnThread {
                try RawTCP.connectAndWaitForClose(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                                  timeoutMilliseconds: 8_000)
            }
            #expect(answered)
        }
    }

    // MARK: Sessions that never end

    /// The attack: complete ICE checks and DTLS without ever sending
    /// USE-CANDIDATE, so nothing is nominated, then go silent. The session is
    /// `active`; before the fix its consent clock never started and it held
    /// its slot for `maxSessionDurationSeconds`. Now it ends `consent-lost`
    /// after `consentTimeoutSeconds` (2 s here).
    @Test("a peer that never nominates and goes silent loses consent (ends failed: consent-lost)", .timeLimit(.minutes(1)))
    func neverNominatingPeer() async throws {
        try await InProcessCapstan.run({ $0.consentTimeoutSeconds = 2 }) { client, _ in
            let certificate = try DTLSCertificate.generateECDSA()
            let ufrag = "atk\(UInt32.random(in: 1000...9999))", pwd = "attackerpasswordattackerpw"
            let offer = Self.offer.components(separatedBy: "\r\n").map { line -> String in
                if line.hasPrefix("a=ice-ufrag:") { return "a=ice-ufrag:\(ufrag)" }
                if line.hasPrefix("a=ice-pwd:") { return "a=ice-pwd:\(pwd)" }
                if line.hasPrefix("a=fingerprint:") { return "a=fingerprint:sha-256 \(certificate.sha256Fingerprint)" }
                return line
            }.joined(separator: "\r\n")
            let created = try await client.send(.post, "/whip", body: offer, contentType: "application/sdp")
            #expect(created.status == .created, "\(created.text)")
            let answer = created.text
            func value(_ prefix: String) throws -> String {
                try #require(answer.components(separatedBy: "\r\n").first { $0.hasPrefix(prefix) }).dropFirst(prefix.count)
                    .trimmingCharacters(in: .whitespaces)
            }
            let serverUfrag = try value("a=ice-ufrag:"), serverPwd = try value("a=ice-pwd:")
            let serverFingerprint = try value("a=fingerprint:sha-256 ")
            let candidate = try value("a=candidate:").split(separator: " ")
            let mediaPort = try #require(UInt16(candidate[5]))
            let id = try #require(created.header("Location")?.split(separator: "/").last.map(String.init))

            let connected = try await onOwnThread { () -> Bool in
                let socket = try LoopbackUDPSocket()
                socket.setPeer(port: mediaPort)
                func check() {
                    let request = STUNMessage(type: .bindingRequest, attributes: [
                        .username("\(serverUfrag):\(ufrag)"), .priority(0x6E00_01FF), .iceControlling(0x1234_5678),
                    ])
                    socket.send(request.serialize(integrityKey: Array(serverPwd.utf8), fingerprint: true))
                }
                let dtls = try DTLSEndpoint(role: .client, certificate: certificate,
                                            remoteFingerprints: [("sha-256", serverFingerprint)])
                func now() -> UInt64 { UInt64(DispatchTime.now().uptimeNanoseconds) }
                check()
                var started = false
                let deadline = now() + 15_000_000_000
                var lastCheck = now()
                while now() < deadline, dtls.state != .connected {
                    if now() - lastCheck > 300_000_000 { check(); lastCheck = now() }
                    guard let datagram = socket.receive(timeoutMilliseconds: 20) else {
                        if started, let timeout = dtls.nextTimeout, timeout <= now() {
                            for output in dtls.handleTimeout(now: now()) { if let d = output.datagram { socket.send(d) } }
                        }
                        continue
                    }
                    if datagram.first.map({ $0 < 2 }) == true {
                        // The check's answer: a valid pair, not nominated. Start DTLS.
                        if !started {
                            started = true
                            for output in dtls.start(now: now()) { if let d = output.datagram { socket.send(d) } }
                        }
                    } else if datagram.first.map({ (20...63).contains($0) }) == true {
                        for output in datagram.withUnsafeBytes({ dtls.receive($0, now: now()) }) {
                            if let d = output.datagram { socket.send(d) }
                        }
                    }
                }
                return dtls.state == .connected
            }
            #expect(connected, "ICE checks + DTLS without nomination")
            #expect(try await eventually(timeout: .seconds(5)) {
                try await client.send(.get, "/api/sessions/\(id)").text.contains(#""state":"active""#)
            }, "the un-nominated session is active")
            // Silence. Consent must be lost within the 2 s timeout (bounded here by 15 s).
            var summary = ""
            let ended = try await eventually(timeout: .seconds(15), interval: .milliseconds(100)) {
                summary = try await client.send(.get, "/api/sessions/\(id)").text
                return summary.contains(#""state":"ended""#)
            }
            #expect(ended, "still live: \(summary)")
            #expect(summary.contains("consent-lost"), "\(summary)")
        }
    }

    @Test("the request-head deadline finds the end of a head anywhere: split across reads, deep in a large read, not in a body-less half")
    func headEndScanner() {
        func found(_ reads: [String]) -> Bool {
            var scanner = HeadEndScanner()
            return reads.contains { scanner.feed(Array($0.utf8)) }
        }
        #expect(found(["GET / HTTP/1.1\r\nHost: a\r\n\r\n"]))
        #expect(found(["GET / HTTP/1.1\r\nHost: a\r", "\n\r", "\n"]), "split across reads")
        #expect(found(["GET / HTTP/1.1\r\nHost: a\r\n\r\n" + String(repeating: "v=0\r\n", count: 2_000)]),
                "a head followed by a 12 kB body in one read")
        #expect(found(["GET / HTTP/1.1\r\r\nHost: a\r\n\r\n"]))
        #expect(!found(["GET / HTTP/1.1\r\nHo"]))
        #expect(!found(["GET / HTTP/1.1\r\n\n\r\nHost"]), "LF LF is not the end")
        #expect(!found(["\r\n\r"]))
    }

    // MARK: Certificate

    @Test("the DTLS certificate rotates: answers after the rotation period carry a new fingerprint")
    func certificateRotates() async throws {
        let clock = TestWallClock()
        var options = ApplicationOptions()
        options.now = { clock.now }
        try await InProcessCapstan.run(options: options, { $0.certificateRotationSeconds = 3600 }) { client, _ in
            func fingerprint() async throws -> String {
                let answer = try await client.send(.post, "/whip", body: Self.offer, contentType: "application/sdp").text
                return try #require(answer.split(separator: "\r\n").first { $0.hasPrefix("a=fingerprint:") }.map(String.init))
            }
            let first = try await fingerprint()
            clock.advance(seconds: 3599)
            #expect(try await fingerprint() == first)
            clock.advance(seconds: 2)
            let rotated = try await fingerprint()
            #expect(rotated != first)
            clock.advance(seconds: 60)
            #expect(try await fingerprint() == rotated)
        }
    }
}

/// A wall clock tests move by hand.
final class TestWallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date = Date()

    var now: Date { lock.withLock { date } }

    func advance(seconds: TimeInterval) {
        lock.withLock { date += seconds }
    }
}

/// Plain TCP for attacks HTTP clients do not make.
enum RawTCP {
    /// Connects to 127.0.0.1:`port`, sends nothing, and waits up to
    /// `timeoutMilliseconds` for the server to close (read returns 0).
    static func connectAndWaitForClose(port: Int, sending text: String = "", timeoutMilliseconds: Int32) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        if !text.isEmpty { _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        // Read (and drop) whatever comes until the server closes or time is up.
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            if read(fd, &buffer, buffer.count) <= 0 { return true }
        }
        return false
    }
}
