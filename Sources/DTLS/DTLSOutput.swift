/// What a `DTLSEndpoint` asks its caller to do or tells it, in order.
public enum DTLSOutput: Sendable, Hashable {
    /// Send these bytes as exactly one UDP datagram to the peer.
    case send([UInt8])
    /// The handshake completed and the peer's certificate matched an SDP
    /// fingerprint: build the `SRTPSession` from this material.
    case connected(SRTPKeyingMaterial)
    /// The endpoint failed (state is now `.failed`); the session should end
    /// with detail `dtls-failed` (`DTLSError.sessionEndDetail`).
    case failed(DTLSError)
    /// The peer sent close_notify (RFC 5246 §7.2.1); state is now `.closed`.
    case closed
    /// Application data after the handshake: SCTP packets of the data
    /// channels (RFC 8261). Only copied out when the caller wants it
    /// (`DTLSEndpoint.deliversApplicationData`).
    case applicationData([UInt8])
}

extension DTLSOutput {
    /// The bytes to send, for `.send`; nil otherwise.
    public var datagram: [UInt8]? { if case .send(let bytes) = self { bytes } else { nil } }
}
