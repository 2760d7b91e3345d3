/// The direction attributes of RFC 8866 §6.7 (and RFC 3264 §6.1 for answers).
public enum MediaDirection: String, Sendable, Equatable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    /// True when the side that wrote the attribute sends media.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// True when the side that wrote the attribute receives media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The same direction seen from the other side.
    public var reversed: MediaDirection {
        switch self {
        case .sendonly: return .recvonly
        case .recvonly: return .sendonly
        default: return self
        }
    }
}
