/// Errors of the transport layer.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address NIO gave us that is neither IPv4 nor IPv6.
    case unsupportedAddress(String)
    /// Making or binding the media socket failed (the system's reason).
    case socket(String)

    public var description: String {
        switch self {
        case .unsupportedAddress(let address): "unsupported socket address \(address)"
        case .socket(let reason): "media socket: \(reason)"
        }
    }
}
