import COpenSSL
import Foundation

/// A configured `SSL_CTX` for one certificate and SRTP profile list,
/// shared by every DTLS endpoint that uses them. Building a context
/// (loading the certificate, checking the key, parsing cipher and profile
/// lists) costs far more than `SSL_new`, and nothing in it is per session:
/// the fingerprint pinning reads the endpoint's own data from the `SSL`.
///
/// Immutable after creation; OpenSSL allows `SSL_new` on a shared context
/// from any thread, hence `@unchecked Sendable`.
final class DTLSContext: @unchecked Sendable {
    let pointer: OpaquePointer // SSL_CTX *, owned

    /// ECDHE key exchange (forward secrecy) with AEAD ciphers only: AES-GCM
    /// and ChaCha20-Poly1305. The CBC-SHA1 suites (and CBC-SHA256/384) are
    /// not offered or accepted: every WebRTC stack tried (Chromium, Firefox,
    /// aiortc, GStreamer, Janus, OBS's libdatachannel) offers an AEAD suite.
    static let cipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!PSK"

    init(certificate: DTLSCertificate, profiles: [SRTPProfile],
         verifyCallback: @escaping @convention(c) (Int32, OpaquePointer?) -> Int32) throws(DTLSError) {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(DTLS_method()) else {
            throw .invalidConfiguration("SSL_CTX_new: \(OpenSSLErrorQueue.drain())")
        }
        func configure() -> String? {
            let profileList = profiles.map(\.openSSLName).joined(separator: ":")
            if capstan_ssl_ctx_set_min_proto_version(context, CAPSTAN_DTLS1_2_VERSION) != 1 { return "min version" }
            if capstan_ssl_ctx_set_max_proto_version(context, CAPSTAN_DTLS1_2_VERSION) != 1 { return "max version" }
            if SSL_CTX_use_certificate(context, certificate.x509) != 1 { return "use_certificate" }
            if SSL_CTX_use_PrivateKey(context, certificate.privateKey) != 1 { return "use_PrivateKey" }
            if SSL_CTX_check_private_key(context) != 1 { return "check_private_key" }
            // ECDHE with AEAD only (see `cipherList`).
            if SSL_CTX_set_cipher_list(context, Self.cipherList) != 1 { return "cipher list" }
            // RFC 5764 §4.1.1: offer these profiles in the use_srtp extension. Returns 0 on success.
            if SSL_CTX_set_tlsext_use_srtp(context, profileList) != 0 { return "use_srtp \(profileList)" }
            _ = capstan_ssl_ctx_set_options(context, CAPSTAN_SSL_OP_NO_QUERY_MTU | CAPSTAN_SSL_OP_NO_TICKET)
            _ = capstan_ssl_ctx_set_session_cache_mode(context, CAPSTAN_SSL_SESS_CACHE_OFF)
            // Both sides demand the peer's certificate: the server sends a
            // CertificateRequest and aborts without one (RFC 5763 §5).
            SSL_CTX_set_verify(context, CAPSTAN_SSL_VERIFY_PEER | CAPSTAN_SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyCallback)
            return nil
        }
        if let failure = configure() {
            let reason = OpenSSLErrorQueue.drain()
            SSL_CTX_free(context)
            throw .invalidConfiguration("\(failure): \(reason)")
        }
        pointer = context
    }

    deinit {
        SSL_CTX_free(pointer)
    }
}

extension DTLSCertificate {
    /// The shared context for `profiles` (de-duplicated, order kept), made on first use.
    func context(for profiles: [SRTPProfile],
                 verifyCallback: @escaping @convention(c) (Int32, OpaquePointer?) -> Int32) throws(DTLSError) -> DTLSContext {
        let unique = profiles.reduce(into: [SRTPProfile]()) { if !$0.contains($1) { $0.append($1) } }
        let key = unique.map(\.openSSLName).joined(separator: ":")
        return try contexts.withLock { (cache: inout [String: DTLSContext]) throws(DTLSError) -> DTLSContext in
            if let existing = cache[key] { return existing }
            let made = try DTLSContext(certificate: self, profiles: unique, verifyCallback: verifyCallback)
            cache[key] = made
            return made
        }
    }
}

/// A value behind a lock, for the certificate's small context cache.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
