import NIOCore
import STUN
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension IPEndpoint {
    /// Converts NIO's address; nil for Unix-domain addresses.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4): self.init(v4.address)
        case .v6(let v6): self.init(v6.address)
        case .unixDomainSocket: return nil
        }
    }
}

extension SocketAddress {
    /// NIO's address for an endpoint, built from its address bytes (no text
    /// round trip). Like `SocketAddress(ipAddress:port:)`, with an empty host.
    public init(_ endpoint: IPEndpoint) {
        if let v4 = endpoint.ipv4Address {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = endpoint.port.bigEndian
            sin.sin_addr.s_addr = v4.bigEndian
            self.init(sin, host: "")
        } else {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = endpoint.port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { address in
                endpoint.withAddressBytes { address.copyMemory(from: $0) }
            }
            self.init(sin6, host: "")
        }
    }
}
