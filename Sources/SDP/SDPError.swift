/// Errors raised by the SDP module. Every case carries a human-readable
/// reason suitable as the body of a WHIP `400 Bad Request` (RFC 9725 §4.2).
public enum SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input is larger than the caller's limit, or a line, field or count is absurd.
    case limitExceeded(reason: String)
    /// A line of the session description could not be parsed (1-based line number).
    case malformedLine(line: Int, reason: String)
    /// A required line or attribute is missing (RFC 8866 §5).
    case missingField(reason: String)
    /// An attribute value does not follow its grammar.
    case invalidAttribute(name: String, reason: String)
    /// An ICE candidate does not follow RFC 8839 §5.1.
    case invalidCandidate(reason: String)
    /// A trickle ICE fragment does not follow RFC 8840 §9.
    case invalidFragment(reason: String)
    /// The offer cannot be answered (nothing acceptable, no credentials, no fingerprint, ...).
    case unacceptableOffer(reason: String)
    /// No media section can be accepted and at least one was refused because
    /// none of its codecs is one Capstan records; the reason names the codecs
    /// offered and the ones recorded (WHIP `400` body, WebSocket `call:reject`).
    case unsupportedCodecs(reason: String)
    /// The answer does not match our offer or misses what we need.
    case unacceptableAnswer(reason: String)

    /// The human-readable reason, without the case name.
    public var reason: String {
        switch self {
        case .limitExceeded(let reason): return reason
        case .malformedLine(let line, let reason): return "line \(line): \(reason)"
        case .missingField(let reason): return reason
        case .invalidAttribute(let name, let reason): return "a=\(name): \(reason)"
        case .invalidCandidate(let reason): return "invalid candidate: \(reason)"
        case .invalidFragment(let reason): return "invalid sdpfrag: \(reason)"
        case .unacceptableOffer(let reason), .unsupportedCodecs(let reason): return reason
        case .unacceptableAnswer(let reason): return reason
        }
    }

    public var description: String { reason }
}
