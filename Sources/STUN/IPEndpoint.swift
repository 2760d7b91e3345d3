#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address and a UDP port: the address type used across Capstan.
///
/// The address is held in two fixed 64-bit words (no heap). An IPv4 address lives in the low
/// 32 bits of `low`, in network byte order read as a big-endian number (1.2.3.4 is 0x01020304).
/// An IPv6 address is `high` (bytes 0–7) and `low` (bytes 8–15), each big-endian.
public struct IPEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    public let family: Family
    public var port: UInt16
    @usableFromInline let high: UInt64
    @usableFromInline let low: UInt64

    /// An IPv4 endpoint; `address` is the numeric address, 1.2.3.4 being 0x01020304.
    public init(ipv4 address: UInt32, port: UInt16) {
        self.family = .ipv4
        self.high = 0
        self.low = UInt64(address)
        self.port = port
    }

    /// An IPv6 endpoint; `high` holds bytes 0–7 and `low` bytes 8–15, each big-endian.
    public init(ipv6High high: UInt64, low: UInt64, port: UInt16) {
        self.family = .ipv6
        self.high = high
        self.low = low
        self.port = port
    }

    /// An endpoint from 4 (IPv4) or 16 (IPv6) address bytes in network order; nil for other counts.
    public init?(addressBytes: some Collection<UInt8>, port: UInt16) {
        switch addressBytes.count {
        case 4:
            var v: UInt32 = 0
            for b in addressBytes { v = v << 8 | UInt32(b) }
            self.init(ipv4: v, port: port)
        case 16:
            var h: UInt64 = 0, l: UInt64 = 0
            for (i, b) in addressBytes.enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            self.init(ipv6High: h, low: l, port: port)
        default:
            return nil
        }
    }

    /// An endpoint from a textual address ("192.0.2.1", "2001:db8::1") and a port; nil when the
    /// text is not a numeric IPv4 or IPv6 address.
    public init?(address: String, port: UInt16) {
        if address.contains(":") {
            var a6 = in6_addr()
            guard inet_pton(AF_INET6, address, &a6) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &a6) { Array($0) }
            self.init(addressBytes: bytes, port: port)
        } else {
            var a4 = in_addr()
            guard inet_pton(AF_INET, address, &a4) == 1 else { return nil }
            self.init(ipv4: UInt32(bigEndian: a4.s_addr), port: port)
        }
    }

    /// An endpoint from its `description` form: "1.2.3.4:5" or "[::1]:5"; nil otherwise.
    public init?(_ text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            guard host.contains(":") else { return nil }
            self.init(address: host, port: port)
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            let host = String(text[..<colon])
            guard !host.contains(":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
            self.init(address: host, port: port)
        }
    }

    /// Whether this is an IPv6 endpoint.
    @inlinable public var isIPv6: Bool { family == .ipv6 }

    /// The numeric IPv4 address (1.2.3.4 is 0x01020304), or nil for IPv6.
    public var ipv4Address: UInt32? { family == .ipv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// The IPv6 address as two big-endian words, or nil for IPv4.
    public var ipv6Address: (high: UInt64, low: UInt64)? { family == .ipv6 ? (high, low) : nil }

    /// Number of address bytes: 4 or 16.
    public var addressByteCount: Int { family == .ipv4 ? 4 : 16 }

    /// Calls `body` with the address bytes in network order (4 or 16), without allocating.
    public func withAddressBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &words) { raw in
            family == .ipv4 ? try body(UnsafeRawBufferPointer(rebasing: raw[12..<16])) : try body(raw)
        }
    }

    /// The address bytes in network order (4 or 16).
    public var addressBytes: [UInt8] { withAddressBytes { Array($0) } }

    /// For an IPv4-mapped IPv6 address (::ffff:a.b.c.d) the IPv4 endpoint; otherwise `self`.
    /// Dual-stack sockets report IPv4 peers in the mapped form.
    public var unmappingIPv4: IPEndpoint {
        guard family == .ipv6, high == 0, low >> 32 == 0xFFFF else { return self }
        return IPEndpoint(ipv4: UInt32(truncatingIfNeeded: low), port: port)
    }

    /// The textual address without port: "192.0.2.1" or "2001:db8::1" (RFC 5952 form).
    public var addressString: String {
        if family == .ipv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var a6 = in6_addr()
        withUnsafeMutableBytes(of: &a6) { dst in withAddressBytes { dst.copyMemory(from: $0) } }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(AF_INET6, &a6, &buf, socklen_t(buf.count)) != nil else { return "::" }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "1.2.3.4:5" or "[::1]:5".
    public var description: String {
        family == .ipv4 ? "\(addressString):\(port)" : "[\(addressString)]:\(port)"
    }

    /// An endpoint from a `sockaddr_in`.
    public init(_ sin: sockaddr_in) {
        self.init(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
    }

    /// An endpoint from a `sockaddr_in6` (the scope id is not kept).
    public init(_ sin6: sockaddr_in6) {
        var addr = sin6.sin6_addr
        let (h, l) = withUnsafeBytes(of: &addr) { raw -> (UInt64, UInt64) in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        self.init(ipv6High: h, low: l, port: UInt16(bigEndian: sin6.sin6_port))
    }

    /// Calls `body` with this endpoint as a `sockaddr_in` or `sockaddr_in6`, and its length.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        if family == .ipv4 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = UInt32(truncatingIfNeeded: low).bigEndian
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in withAddressBytes { dst.copyMemory(from: $0) } }
        return try withUnsafePointer(to: &sin6) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }
}
