import COpenSSL
import Foundation

/// Short-lived TURN credentials by the TURN REST API convention that coturn
/// implements with `use-auth-secret` / `static-auth-secret`:
/// `username = "<expiry-unix>:<subject>"`,
/// `credential = base64(HMAC-SHA1(secret, username))`. The TURN server
/// recomputes the credential from the username and refuses it once
/// `expiry` is past; Capstan keeps no state.
public struct TURNCredentialIssuer: Sendable {
    public let urls: [String]
    let secret: [UInt8]
    public let ttlSeconds: Int
    public let realm: String?

    public init(urls: [String], secret: String, ttlSeconds: Int, realm: String? = nil) {
        self.urls = urls
        self.secret = Array(secret.utf8)
        self.ttlSeconds = ttlSeconds
        self.realm = realm
    }

    /// The issuer the configuration asks for; nil without `turnURLs`.
    public init?(configuration: CapstanConfiguration) {
        guard !configuration.turnURLs.isEmpty, let secret = configuration.turnSecret else { return nil }
        self.init(urls: configuration.turnURLs, secret: secret, ttlSeconds: configuration.turnTTLSeconds,
                  realm: configuration.turnRealm)
    }

    /// Credentials for `subject` (a session id or peer id), valid for
    /// `ttlSeconds` from `now`.
    public func credentials(for subject: String, now: Date) -> (username: String, credential: String, expires: Int64) {
        let expires = Int64(now.timeIntervalSince1970) + Int64(ttlSeconds)
        let username = "\(expires):\(Self.sanitize(subject))"
        return (username, Self.credential(secret: secret, username: username), expires)
    }

    /// `base64(HMAC-SHA1(secret, username))`.
    public static func credential(secret: [UInt8], username: String) -> String {
        let message = Array(username.utf8)
        var mac = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = secret.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                mac.withUnsafeMutableBufferPointer { out in
                    HMAC(EVP_sha1(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, out.baseAddress, &length)
                }
            }
        }
        precondition(ok != nil && length == 20, "OpenSSL HMAC-SHA1 failed")
        return Data(mac).base64EncodedString()
    }

    /// The subject as it goes into the username: no `:` (coturn splits the
    /// expiry off at the first one), ASCII letters, digits, `-_.@` only, at most 64.
    static func sanitize(_ subject: String) -> String {
        let kept = subject.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.@".unicodeScalars.contains($0)) }
        let text = String(String.UnicodeScalarView(kept.prefix(64)))
        return text.isEmpty ? "capstan" : text
    }
}

/// The ICE servers handed to one client: the configured `iceServers` (no
/// credentials: STUN) and the TURN servers with credentials minted for
/// `subject`.
struct ICEServerDirectory: Sendable {
    let plain: [String]
    let turn: TURNCredentialIssuer?
    let now: @Sendable () -> Date

    init(configuration: CapstanConfiguration, now: @escaping @Sendable () -> Date) {
        plain = configuration.iceServers
        turn = TURNCredentialIssuer(configuration: configuration)
        self.now = now
    }

    /// `includeTURN` false leaves the TURN servers out (a request that is
    /// not authorized to publish gets no credentials).
    func servers(for subject: String, includeTURN: Bool = true) -> [SignallingMessage.ICEServer] {
        var servers = plain.map { SignallingMessage.ICEServer(urls: [$0]) }
        if includeTURN, let turn {
            let minted = turn.credentials(for: subject, now: now())
            servers.append(.init(urls: turn.urls, username: minted.username, credential: minted.credential))
        }
        return servers
    }

    /// RFC 9725 §4.6: one `Link` value per URL, TURN ones with
    /// `username`, `credential` and `credential-type="password"`.
    static func linkHeader(_ servers: [SignallingMessage.ICEServer]) -> String? {
        var links: [String] = []
        for server in servers {
            for url in server.urls {
                var link = "<\(url)>; rel=\"ice-server\""
                if let username = server.username, let credential = server.credential {
                    link += "; username=\"\(quoted(username))\"; credential=\"\(quoted(credential))\"; credential-type=\"password\""
                }
                links.append(link)
            }
        }
        return links.isEmpty ? nil : links.joined(separator: ", ")
    }

    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
