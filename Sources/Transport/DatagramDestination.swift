import NIOCore
import STUN

/// A remote address in the two forms the send path needs: Capstan's
/// `IPEndpoint` and NIO's `SocketAddress`, converted once — when ICE selects
/// the address — rather than for every datagram sent to it.
public struct DatagramDestination: Sendable {
    public let endpoint: IPEndpoint
    public let socketAddress: SocketAddress

    public init(_ endpoint: IPEndpoint) {
        self.endpoint = endpoint
        self.socketAddress = SocketAddress(endpoint)
    }
}
