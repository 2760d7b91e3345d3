import Foundation

/// Who may reach what over HTTP and WebSocket (DESIGN §8, issue 11): the
/// `Host` allow-list against DNS rebinding, the `Origin` check against
/// cross-site requests, and the two token scopes. Pure values; the guard
/// middleware applies them.
public struct AccessPolicy: Sendable {
    /// What a request needs.
    public enum Scope: String, Sendable {
        /// `/healthz`, the browser sample: no token.
        case open
        /// WHIP and WebSocket calls: a token a web page may hold.
        case publish
        /// REST, recordings, metrics: a token a web page must not hold.
        case admin
    }

    /// Which token a request presented (for per-token session caps).
    public enum Grant: String, Sendable, Hashable {
        case anonymous, publish, admin
    }

    let allowedHosts: [String]
    let allowedOrigins: [String]
    let publishToken: [UInt8]?
    let adminToken: [UInt8]?

    public init(configuration: CapstanConfiguration) {
        var hosts = ["localhost", configuration.http.host.lowercased()]
        hosts += configuration.announce.map { $0.lowercased() }
        hosts += configuration.allowedHosts.map { $0.lowercased() }
        allowedHosts = hosts
        allowedOrigins = configuration.allowedOrigins.map { Self.normalizeOrigin($0) }
        let tokens = configuration.tokens
        publishToken = tokens.publish.map { Array($0.utf8) }
        adminToken = tokens.admin.map { Array($0.utf8) }
    }

    // MARK: - Host (DNS rebinding)

    /// True for a `Host` header naming this daemon. An IP literal is always
    /// fine: rebinding needs a name the attacker controls. Names must be
    /// `localhost`, the listen or announce host, or in `allowedHosts`
    /// (`"*"` allows any). A request without `Host` (HTTP/1.0) is refused.
    public func allowsHost(_ header: String?) -> Bool {
        guard let header, let host = Self.hostname(ofAuthority: header) else { return false }
        if allowedHosts.contains("*") { return true }
        if Self.isIPLiteral(host) { return true }
        return allowedHosts.contains(host)
    }

    /// The host part of `host[:port]` or `[v6]:port`, lower-cased; nil if malformed.
    static func hostname(ofAuthority authority: String) -> String? {
        let text = authority.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty, text.utf8.count <= 255 else { return nil }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && UInt16(rest.dropFirst()) != nil) else { return nil }
            return String(text[text.index(after: text.startIndex)..<close])
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        if parts.count == 2, UInt16(parts[1]) == nil { return nil }
        var host = String(parts[0])
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    // MARK: - Origin (cross-site requests)

    /// True when a browser page at `origin` may act on this daemon: same
    /// origin as the `Host` it called, or listed in `allowedOrigins` (`"*"`:
    /// any). The opaque origin `null` (sandboxed frames, file://) is refused.
    public func allowsOrigin(_ origin: String, host: String?) -> Bool {
        let normalized = Self.normalizeOrigin(origin)
        guard normalized != "null", let authority = Self.authority(ofOrigin: normalized) else { return false }
        if let host, authority == host.lowercased() { return true }
        return allowedOrigins.contains("*") || allowedOrigins.contains(normalized)
    }

    static func normalizeOrigin(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// `host:port` of `scheme://host:port`, default ports made explicit-free
    /// the way browsers send `Host` (no `:80` for http, no `:443` for https).
    static func authority(ofOrigin origin: String) -> String? {
        guard let range = origin.range(of: "://") else { return nil }
        let scheme = origin[..<range.lowerBound]
        var authority = String(origin[range.upperBound...])
        guard !authority.isEmpty, !authority.contains("/") else { return nil }
        if scheme == "http", authority.hasSuffix(":80") { authority.removeLast(3) }
        if scheme == "https", authority.hasSuffix(":443") { authority.removeLast(4) }
        return authority
    }

    // MARK: - Tokens

    /// True when no token protects `scope`.
    public func isOpen(_ scope: Scope) -> Bool {
        switch scope {
        case .open: true
        case .publish: publishToken == nil && adminToken == nil
        case .admin: adminToken == nil
        }
    }

    /// What `presented` (a bearer token, or nil) is good for at `scope`: nil
    /// when it is refused. The admin token also publishes. Compared in
    /// constant time: the time taken does not depend on where the strings differ.
    public func grant(_ presented: String?, for scope: Scope) -> Grant? {
        if let presented {
            let bytes = Array(presented.utf8)
            if let adminToken, Self.constantTimeEqual(bytes, adminToken) { return .admin }
            if scope != .admin, let publishToken, Self.constantTimeEqual(bytes, publishToken) { return .publish }
        }
        return isOpen(scope) ? .anonymous : nil
    }

    /// The bearer token of an `Authorization` header value.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// Equality whose time depends only on the lengths: every byte of the
    /// longer input is visited, differences are OR-ed together.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
