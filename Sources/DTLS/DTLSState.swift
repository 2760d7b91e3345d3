/// The lifecycle of a `DTLSEndpoint`.
public enum DTLSState: Sendable, Hashable {
    /// Created; `start(now:)` not called yet.
    case new
    /// Handshake in progress (a server waits for the ClientHello here).
    case handshaking
    /// Handshake done, peer fingerprint verified, SRTP keys exported.
    case connected
    /// The handshake or the connection failed; terminal.
    case failed(DTLSError)
    /// Closed by `close()` or by the peer's close_notify; terminal.
    case closed
}
