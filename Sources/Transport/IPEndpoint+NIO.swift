import NIOCore
import STUN

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
    /// NIO's address for an endpoint.
    public init(_ endpoint: IPEndpoint) throws {
        try self.init(ipAddress: endpoint.addressString, port: Int(endpoint.port))
    }
}
