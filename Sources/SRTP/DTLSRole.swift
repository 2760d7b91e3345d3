/// The role of an endpoint in the DTLS handshake.
///
/// It lives in the SRTP module, below DTLS, because it also decides which
/// half of the RFC 5764 §4.2 keying material protects our outbound packets:
/// the client writes with the client key, the server with the server key.
/// For WebRTC the role follows the SDP `a=setup` attribute (RFC 8842 §5):
/// `active` is the client, `passive` is the server.
public enum DTLSRole: String, Sendable, Hashable {
    case client
    case server
}
