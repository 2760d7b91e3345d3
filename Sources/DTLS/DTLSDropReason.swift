/// Why `DTLSEndpoint.receive` ignored a datagram. Bounded, for metrics labels.
public enum DTLSDropReason: String, Sendable, Hashable, CaseIterable {
    /// Received before `start(now:)`.
    case notStarted = "not-started"
    /// Received after the endpoint failed or closed.
    case terminated
    /// Shorter than a DTLS record header (13 octets, RFC 6347 §4.1).
    case tooShort = "too-short"
    /// First octet outside 20...63, so not DTLS (RFC 7983 §7).
    case notDTLS = "not-dtls"
    /// Larger than any DTLS record datagram we accept.
    case tooLarge = "too-large"
    /// Every record in it was a protected record too short to be valid
    /// ciphertext under the negotiated cipher (RFC 6347 §4.1.2.7: discarded).
    case invalidRecord = "invalid-record"
}
