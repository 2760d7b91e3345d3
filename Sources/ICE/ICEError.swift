/// Errors of the ICE module.
public enum ICEError: Error, Equatable, Sendable {
    /// A ufrag that is not 4–256 ice-chars (RFC 8839 §5.4).
    case invalidUfrag(String)
    /// A password that is not 22–256 ice-chars (RFC 8839 §5.4).
    case invalidPassword
}
