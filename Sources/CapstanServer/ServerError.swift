/// Errors of the daemon's control plane.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration key or value is invalid; the message names it.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid configuration: \(message)"
        }
    }
}
