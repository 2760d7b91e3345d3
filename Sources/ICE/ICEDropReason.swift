/// Why an ICE agent dropped a datagram without answering it. `rawValue` is a stable
/// snake_case name for metrics labels.
public enum ICEDropReason: String, CaseIterable, Sendable, Hashable {
    /// Not a STUN message (RFC 8489 §5 header checks failed).
    case notSTUN = "not_stun"
    /// Looked like STUN but failed to parse.
    case malformed = "malformed"
    /// FINGERPRINT present and wrong (RFC 8489 §14.7).
    case badFingerprint = "bad_fingerprint"
    /// A success or error response (a lite agent sends no requests, RFC 8445 §2.5).
    case notRequest = "not_request"
    /// A Binding indication (keepalive, RFC 8445 §11): nothing to answer.
    case indication = "indication"
    /// A request for a method other than Binding.
    case unsupportedMethod = "unsupported_method"
    /// USERNAME's first part is not our ufrag: meant for another session or ICE generation.
    case wrongUfrag = "wrong_ufrag"
}
