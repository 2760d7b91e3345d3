import CapstanServer
import CapstanTestSupport
import Foundation
import Inspection
import Testing

/// TURN credentials minted by Capstan (TURN REST API, coturn
/// `use-auth-secret`), handed out in WHIP `Link` headers, the WebSocket
/// `register` acknowledgement and `GET /api/ice-servers`; then used against
/// a real coturn: allocations with them succeed, expired and tampered ones
/// are refused, and a relay-only aiortc sender records through it.
@Suite("TURN credentials (TURN REST API) and coturn", .serialized)
struct TURNCredentialTests {
    static let secret = "turn-shared-s3cret"

    /// Python's `hmac` computed this (an implementation independent of ours):
    /// `base64(hmac.new(b"s3cr3t", b"1796599478:tester", sha1).digest())`.
    @Test("credential = base64(HMAC-SHA1(secret, username)): a known answer")
    func knownAnswer() {
        #expect(TURNCredentialIssuer.credential(secret: Array("s3cr3t".utf8), username: "1796599478:tester")
                == "SVWhgAYIvOopCH+bq9GEREubxPQ=")
        let issuer = TURNCredentialIssuer(urls: ["turn:127.0.0.1:3478"], secret: "s3cr3t", ttlSeconds: 600)
        let minted = issuer.credentials(for: "tester", now: Date(timeIntervalSince1970: 1_796_598_878))
        #expect(minted.username == "1796599478:tester")
        #expect(minted.credential == "SVWhgAYIvOopCH+bq9GEREubxPQ=")
        // No ':' from the subject reaches the username (coturn splits at the first).
        #expect(issuer.credentials(for: "a:b c", now: Date(timeIntervalSince1970: 0)).username == "600:abc")
    }

    @Test("configuration: turnURLs needs a secret, a secret needs URLs, URLs are turn:/turns:, turnSecretFile is read, the nested turn object")
    func configuration() throws {
        var c = CapstanConfiguration()
        try c.set("turnURLs", text: "turn:127.0.0.1:3478?transport=udp")
        #expect(throws: ServerError.self) { try c.validate() }
        try c.set("turnSecret", text: "x")
        try c.validate()
        var bad = c
        try bad.set("turnURLs", text: "stun:127.0.0.1:3478")
        #expect(throws: ServerError.self) { try bad.validate() }
        var secretOnly = CapstanConfiguration()
        try secretOnly.set("turnSecret", text: "x")
        #expect(throws: ServerError.self) { try secretOnly.validate() }
        #expect(throws: ServerError.self) { try c.set("turnTTLSeconds", text: "5") }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("secret")
        try "from-a-file\n".write(to: file, atomically: true, encoding: .utf8)
        let json = directory.url.appendingPathComponent("capstan.json")
        try #"{"turnURLs": ["turn:127.0.0.1:3478"], "turnSecretFile": "\#(file.path)", "turnTTLSeconds": 120, "turnRealm": "r"}"#
            .write(to: json, atomically: true, encoding: .utf8)
        var fromFile = CapstanConfiguration()
        try fromFile.apply(file: json.path)
        try fromFile.validate()
        #expect(fromFile.turnSecret == "from-a-file" && fromFile.turnTTLSeconds == 120 && fromFile.turnRealm == "r")
        #expect(fromFile.turnURLs == ["turn:127.0.0.1:3478"])
        // The nested form: `turn: {urls, secret | secretFile, ttlSeconds, realm}`.
        let nested = directory.url.appendingPathComponent("nested.json")
        try #"{"turn": {"urls": ["turns:127.0.0.1:5349"], "secretFile": "\#(file.path)", "ttlSeconds": 300, "realm": "n"}}"#
            .write(to: nested, atomically: true, encoding: .utf8)
        var fromNested = CapstanConfiguration()
        try fromNested.apply(file: nested.path)
        try fromNested.validate()
        #expect(fromNested.turnURLs == ["turns:127.0.0.1:5349"] && fromNested.turnSecret == "from-a-file")
        #expect(fromNested.turnTTLSeconds == 300 && fromNested.turnRealm == "n")
        for refused in [#"{"turn": {"urls": ["turn:a:1"], "secret": "s", "password": "p"}}"#,  // unknown member
                        #"{"turn": {"urls": ["turn:a:1"], "secret": "s"}, "turnSecret": "t"}"#,  // both forms
                        #"{"turn": {"urls": ["turn:a:1"], "secret": {"nested": "deeper"}}}"#,  // not a flat value
                        #"{"turn": ["turn:a:1"]}"#,
                        #"{"turn": {"urls": ["turn:a:1"], "ttlSeconds": 5, "secret": "s"}}"#] {
            try refused.write(to: nested, atomically: true, encoding: .utf8)
            var config = CapstanConfiguration()
            #expect(throws: ServerError.self, "\(refused)") { try config.apply(file: nested.path) }
        }
        var env = CapstanConfiguration()
        try env.apply(environment: ["CAPSTAN_TURN_URLS": "turn:a:1,turns:b:2", "CAPSTAN_TURN_SECRET": "e"])
        #expect(env.turnURLs == ["turn:a:1", "turns:b:2"] && env.turnSecret == "e")
    }

    /// The `username`/`credential` of the TURN `Link` in `header`, if any.
    static func turnLink(_ header: String?) -> (url: String, username: String, credential: String)? {
        guard let header else { return nil }
        for link in header.components(separatedBy: ", <") {
            guard link.contains("turn:"), let url = link.split(separator: ">").first?.trimmingCharacters(in: ["<"]) else { continue }
            func parameter(_ name: String) -> String? {
                guard let range = link.range(of: "\(name)=\"") else { return nil }
                return String(link[range.upperBound...].prefix { $0 != "\"" })
            }
            guard let username = parameter("username"), let credential = parameter("credential") else { return nil }
            return (url, username, credential)
        }
        return nil
    }

    @Test("WHIP OPTIONS gives TURN credentials only with the publish token; POST gives them for the session; /api/ice-servers needs admin; register carries iceServers")
    func handedOut() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var options = ApplicationOptions()
        options.now = { now }
        try await InProcessCapstan.run(options: options, {
            $0.publishToken = "pub"; $0.adminToken = "adm"
            $0.iceServers = ["stun:127.0.0.1:3478"]
            $0.turnURLs = ["turn:127.0.0.1:3478?transport=udp"]; $0.turnSecret = Self.secret; $0.turnTTLSeconds = 3600
            $0.turnRealm = "capstan.test"
        }) { client, _ in
            let anonymous = try await client.send(.options, "/whip")
            #expect(anonymous.status == .noContent)
            #expect(anonymous.header("Link") == #"<stun:127.0.0.1:3478>; rel="ice-server""#, "no TURN credentials without a token")
            #expect(try await client.send(.options, "/whip", headers: ["Authorization": "Bearer wrong"]).header("Link")?
                .contains("username") == false)

            let authorized = try await client.send(.options, "/whip", headers: ["Authorization": "Bearer pub"])
            let link = try #require(Self.turnLink(authorized.header("Link")), "\(authorized.headers)")
            #expect(link.url == "turn:127.0.0.1:3478?transport=udp")
            #expect(link.username == "1800003600:whip")
            #expect(link.credential == TURNCredentialIssuer.credential(secret: Array(Self.secret.utf8), username: link.username))
            #expect(authorized.header("Link")?.contains(#"credential-type="password""#) == true)

            let offer = try OfferFixtures.named("chromium-156-vp8-opus-offer.sdp")
            let posted = try await client.send(.post, "/whip", body: offer, contentType: "application/sdp",
                                               headers: ["Authorization": "Bearer pub"])
            #expect(posted.status == .created)
            let id = try #require(posted.header("Location")?.split(separator: "/").last.map(String.init))
            let sessionLink = try #require(Self.turnLink(posted.header("Link")))
            #expect(sessionLink.username == "1800003600:\(id)")
            #expect(sessionLink.credential == TURNCredentialIssuer.credential(secret: Array(Self.secret.utf8),
                                                                               username: sessionLink.username))

            #expect(try await client.send(.get, "/api/ice-servers", headers: ["Authorization": "Bearer pub"]).status == .unauthorized)
            let api = try await client.send(.get, "/api/ice-servers?peer=backend-7", headers: ["Authorization": "Bearer adm"])
            #expect(api.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(api.text.utf8)) as? [String: Any])
            let servers = try #require(json["iceServers"] as? [[String: Any]])
            #expect(servers.count == 2)
            #expect(servers[0]["urls"] as? [String] == ["stun:127.0.0.1:3478"] && servers[0]["username"] == nil)
            #expect(servers[1]["username"] as? String == "1800003600:backend-7")
            #expect(json["ttlSeconds"] as? Int == 3600 && json["realm"] as? String == "capstan.test")

            // WebSocket: the register acknowledgement carries iceServers for the peer id.
            let port = try #require(client.port)
            let ws = try await WebSocketTestPeer.connect(port: port, headers: ["Authorization": "Bearer pub"])
            let ack = try #require(await ws.register("dora"))
            #expect(ack.type == .register)
            let turn = try #require(ack.iceServers?.first { $0.username != nil }, "\(ack)")
            #expect(turn.urls == ["turn:127.0.0.1:3478?transport=udp"] && turn.username == "1800003600:dora")
            #expect(turn.credential == TURNCredentialIssuer.credential(secret: Array(Self.secret.utf8), username: "1800003600:dora"))
            await ws.close()
        }
    }

    @Test("coturn allocates with credentials from GET /api/ice-servers and refuses expired and tampered ones")
    func coturnAcceptsAndRefuses() async throws {
        let turn = try TURNServer(secret: Self.secret)
        defer { turn.stop() }
        try await turn.start()

        func minted(now: Date) async throws -> (username: String, credential: String) {
            var options = ApplicationOptions()
            options.now = { now }
            return try await InProcessCapstan.run(options: options, {
                $0.turnURLs = [turn.url]; $0.turnSecret = Self.secret; $0.turnTTLSeconds = 3600
            }) { client, _ in
                let response = try await client.send(.get, "/api/ice-servers?peer=uclient")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
                let server = try #require((json["iceServers"] as? [[String: Any]])?.first)
                return (try #require(server["username"] as? String), try #require(server["credential"] as? String))
            }
        }

        let fresh = try await minted(now: Date())
        let good = try await turn.allocate(username: fresh.username, credential: fresh.credential)
        #expect(good.ok, "allocation with Capstan's credentials failed:\n\(good.output.suffix(2000))\n\(turn.log.suffix(2000))")

        // Minted two hours ago with a one-hour lifetime: expired.
        let old = try await minted(now: Date().addingTimeInterval(-7200))
        let expired = try await turn.allocate(username: old.username, credential: old.credential)
        #expect(!expired.ok, "coturn allocated with expired credentials \(old.username)")

        // A later expiry with the old credential: the HMAC no longer matches.
        let parts = fresh.username.split(separator: ":", maxSplits: 1)
        let tamperedName = "\(Int(parts[0])! + 86_400):\(parts[1])"
        let tampered = try await turn.allocate(username: tamperedName, credential: fresh.credential)
        #expect(!tampered.ok, "coturn allocated with a tampered username")
        let wrongSecret = TURNCredentialIssuer.credential(secret: Array("not-the-secret".utf8), username: fresh.username)
        #expect(!(try await turn.allocate(username: fresh.username, credential: wrongSecret)).ok)
        #expect(turn.log.contains("check_stun_auth") || turn.log.contains("401"), "\(turn.log.suffix(2000))")
    }

    @Test("a relay-only aiortc sender takes TURN credentials from OPTIONS /whip, connects through coturn and records a valid file")
    func relayOnlyAiortc() async throws {
        let turn = try TURNServer(secret: Self.secret)
        defer { turn.stop() }
        try await turn.start()
        try await InProcessCapstan.run({
            $0.token = "tok"; $0.turnURLs = [turn.url]; $0.turnSecret = Self.secret
        }) { client, directory in
            let port = try #require(client.port)
            let url = "http://127.0.0.1:\(port)/whip"
            let result = try await BoundedProcess.run(AiortcPublisherTests.python, [
                AiortcPublisherTests.publisher, "--url", url, "--token", "tok", "--duration", "4", "--json",
                "--ice-from-link", "--relay-only",
            ], timeout: .seconds(120))
            #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr.suffix(3000))\ncoturn: \(turn.log.suffix(2000))")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let session = try #require((summary["sessions"] as? [[String: Any]])?.first)
            #expect(session["offeredCandidateTypes"] as? [String] == ["relay"], "\(session)")
            let servers = try #require(session["iceServers"] as? [[String: Any]])
            #expect(servers.contains { ($0["username"] as? String)?.hasSuffix(":whip") == true }, "\(servers)")
            let id = try #require(session["id"] as? String)

            // The peer Capstan saw is coturn's relayed address.
            let shown = try await client.send(.get, "/api/sessions/\(id)", headers: ["Authorization": "Bearer tok"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.text.utf8)) as? [String: Any])
            let remote = try #require((json["stats"] as? [String: Any])?["selectedRemote"] as? String, "\(shown.text)")
            let remotePort = try #require(remote.split(separator: ":").last.flatMap { Int($0) })
            #expect(turn.relayPorts.contains(remotePort), "selected \(remote), relay ports \(turn.relayPorts)")

            let file = directory.url.appendingPathComponent("recordings/\(id).webm").path
            #expect(await eventually(timeout: .seconds(20)) {
                FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("recordings/\(id).json").path)
            })
            let report = MediaInspector.inspect(path: file)
            #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
            #expect((report.track(.video)?.frames ?? 0) > 60, "video frames \(report.track(.video)?.frames ?? 0)")
            #expect((report.track(.audio)?.frames ?? 0) > 100)
            let probe = try ExternalProcess.run("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=codec_name",
                                                                     "-of", "csv=p=0", file], timeout: 30)
            #expect(probe.status == 0 && probe.stdoutText.contains("vp8") && probe.stdoutText.contains("opus"), "\(probe.stdoutText)")
        }
    }
}
