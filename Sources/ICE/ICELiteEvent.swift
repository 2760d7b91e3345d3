/// Timer-driven events of an `ICELiteAgent`.
public enum ICELiteEvent: Sendable, Equatable {
    /// No valid check arrived on the selected address for the consent timeout (RFC 7675 §5.1).
    /// Reported once per selection.
    case consentLost
}
