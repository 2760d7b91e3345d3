/// Errors of the DTLS module.
public enum DTLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Key or certificate generation failed (OpenSSL's error text attached).
    case certificateGenerationFailed(String)
    /// A PEM certificate or key could not be read, or they do not match.
    case invalidCertificate(String)
    /// A fingerprint hash name outside RFC 8122 §5's sha-1/224/256/384/512.
    case unsupportedFingerprintAlgorithm(String)
    /// No remote fingerprint with a supported hash was given (RFC 8842 §5
    /// requires at least one).
    case noRemoteFingerprint
    /// Bad endpoint parameters (MTU out of range, no SRTP profiles) or an
    /// OpenSSL context that refused our settings.
    case invalidConfiguration(String)
    /// The handshake failed for a reason other than the fingerprint
    /// (protocol error, alert from the peer); OpenSSL's error text attached.
    case handshakeFailed(String)
    /// The handshake retransmitted too often without an answer (RFC 6347 §4.2.4).
    case handshakeTimeout
    /// The peer's certificate is missing or its fingerprint matches none of the
    /// SDP `a=fingerprint` values (RFC 8122 §5, RFC 8842 §5).
    case fingerprintMismatch
    /// The peer negotiated no SRTP profile we offered (RFC 5764 §4.1.1).
    case noSRTPProfile
    /// `SSL_export_keying_material` failed (RFC 5705, RFC 5764 §4.2).
    case keyExportFailed
    /// A fatal error after the handshake, such as a fatal alert from the peer.
    case protocolError(String)

    /// A stable, bounded name for metrics labels and logs.
    public var name: String {
        switch self {
        case .certificateGenerationFailed: "certificate-generation-failed"
        case .invalidCertificate: "invalid-certificate"
        case .unsupportedFingerprintAlgorithm: "unsupported-fingerprint-algorithm"
        case .noRemoteFingerprint: "no-remote-fingerprint"
        case .invalidConfiguration: "invalid-configuration"
        case .handshakeFailed: "handshake-failed"
        case .handshakeTimeout: "handshake-timeout"
        case .fingerprintMismatch: "fingerprint-mismatch"
        case .noSRTPProfile: "no-srtp-profile"
        case .keyExportFailed: "key-export-failed"
        case .protocolError: "protocol-error"
        }
    }

    /// The session end detail (DESIGN §2) for a session that ends on this
    /// error: always `dtls-failed`, with `name` as the finer reason.
    public var sessionEndDetail: String { "dtls-failed" }

    public var description: String {
        switch self {
        case .certificateGenerationFailed(let s), .invalidCertificate(let s), .unsupportedFingerprintAlgorithm(let s),
             .invalidConfiguration(let s), .handshakeFailed(let s), .protocolError(let s):
            s.isEmpty ? name : "\(name): \(s)"
        default: name
        }
    }
}
