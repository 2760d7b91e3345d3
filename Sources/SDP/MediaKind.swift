/// The `<media>` field of an `m=` line (RFC 8866 §5.14). Unknown kinds are kept.
public enum MediaKind: Sendable, Equatable, Hashable, CustomStringConvertible {
    case audio
    case video
    case application
    case other(String)

    public init(_ token: String) {
        switch token {
        case "audio": self = .audio
        case "video": self = .video
        case "application": self = .application
        default: self = .other(token)
        }
    }

    public var description: String {
        switch self {
        case .audio: return "audio"
        case .video: return "video"
        case .application: return "application"
        case .other(let token): return token
        }
    }
}
