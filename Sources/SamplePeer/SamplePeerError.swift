/// Errors of Capstan's sample peer.
public enum SamplePeerError: Error, Sendable, Equatable, CustomStringConvertible {
    case http(status: Int, body: String)
    case network(String)
    case protocolViolation(String)
    case negotiation(String)
    case transport(String)
    case timeout(String)

    public var description: String {
        switch self {
        case .http(let status, let body): "HTTP \(status): \(body.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .network(let message): "network: \(message)"
        case .protocolViolation(let message): "protocol: \(message)"
        case .negotiation(let message): "negotiation: \(message)"
        case .transport(let message): "transport: \(message)"
        case .timeout(let message): "timed out: \(message)"
        }
    }
}
