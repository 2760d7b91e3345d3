/// Why an `ICEControllingAgent` gave up. `description` gives the detail names used in session
/// end reasons ("ice-timeout", "consent-lost", "ice-checks-failed").
public enum ICEFailureReason: Sendable, Equatable, CustomStringConvertible {
    /// No nominated pair within the connect timeout, or every check timed out.
    case timeout
    /// No authenticated response to consent checks for the consent timeout (RFC 7675 §5.1).
    case consentLost
    /// Every check ended in an error response; the last code is given (RFC 8445 §7.2.5.2.4).
    case checksFailed(errorCode: Int)

    public var description: String {
        switch self {
        case .timeout: "ice-timeout"
        case .consentLost: "consent-lost"
        case .checksFailed(let code): "ice-checks-failed(\(code))"
        }
    }
}
