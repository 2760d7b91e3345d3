/// `a=setup` (RFC 4145 §4, RFC 5763 §5): which side opens the DTLS connection.
public enum DTLSSetup: String, Sendable, Equatable, CaseIterable {
    /// Will initiate (DTLS client).
    case active
    /// Will accept (DTLS server).
    case passive
    /// Either; offers use it (RFC 5763 §5).
    case actpass
    /// Not now.
    case holdconn
}

/// Our DTLS role once offer and answer are known.
public enum DTLSRole: String, Sendable, Equatable {
    /// We accept the handshake (`setup:passive` on our side).
    case server
    /// We send the ClientHello (`setup:active` on our side).
    case client
}
