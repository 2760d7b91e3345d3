import COpenSSL

/// A self-signed X.509 certificate and its private key, for the DTLS
/// handshake of WebRTC (RFC 8827 §6.5: certificates are self-signed and
/// authenticated by the SDP fingerprint, RFC 8122).
///
/// Immutable after init: the `X509` and `EVP_PKEY` it owns are never
/// modified, only read and reference-counted by OpenSSL (`SSL_CTX_use_*`
/// takes its own reference, thread-safe since OpenSSL 1.1). That makes it
/// safe to share one certificate between sessions and threads, hence
/// `@unchecked Sendable`.
public final class DTLSCertificate: @unchecked Sendable {
    /// `X509 *`, owned.
    let x509: OpaquePointer
    /// `EVP_PKEY *`, owned.
    let privateKey: OpaquePointer
    /// Configured SSL contexts by SRTP profile list (see `DTLSContext`).
    let contexts = LockedBox<[String: DTLSContext]>([:])
    /// The SHA-256 fingerprint for `a=fingerprint:sha-256 ...` (RFC 8122 §5).
    public let sha256Fingerprint: String

    private init(x509: OpaquePointer, privateKey: OpaquePointer) throws(DTLSError) {
        self.x509 = x509
        self.privateKey = privateKey
        guard let fingerprint = FingerprintAlgorithm.sha256.fingerprint(of: x509) else {
            X509_free(x509)
            EVP_PKEY_free(privateKey)
            throw .invalidCertificate("digest failed: \(OpenSSLErrorQueue.drain())")
        }
        sha256Fingerprint = fingerprint
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(privateKey)
    }

    /// Generates an ECDSA P-256 key and a self-signed certificate (what
    /// browsers use by default).
    /// - Parameters:
    ///   - commonName: the subject and issuer CN.
    ///   - validityDays: days from now the certificate stays valid (it starts
    ///     one day back to tolerate peers' clock skew).
    public static func generateECDSA(commonName: String = "capstan", validityDays: Int = 30) throws(DTLSError) -> DTLSCertificate {
        OpenSSLErrorQueue.clear()
        guard let key = capstan_evp_ec_gen_p256() else {
            throw .certificateGenerationFailed("EC P-256 key: \(OpenSSLErrorQueue.drain())")
        }
        return try selfSigned(key: key, commonName: commonName, validityDays: validityDays)
    }

    /// Generates an RSA key of `bits` bits and a self-signed certificate
    /// (some peers, e.g. older GStreamer and aiortc, present RSA).
    public static func generateRSA(bits: Int = 2048, commonName: String = "capstan", validityDays: Int = 30) throws(DTLSError) -> DTLSCertificate {
        guard (1024...8192).contains(bits) else { throw .certificateGenerationFailed("RSA bits \(bits)") }
        OpenSSLErrorQueue.clear()
        guard let key = capstan_evp_rsa_gen(UInt32(bits)) else {
            throw .certificateGenerationFailed("RSA key: \(OpenSSLErrorQueue.drain())")
        }
        return try selfSigned(key: key, commonName: commonName, validityDays: validityDays)
    }

    private static func selfSigned(key: OpaquePointer, commonName: String, validityDays: Int) throws(DTLSError) -> DTLSCertificate {
        guard validityDays > 0, validityDays <= 36500 else {
            EVP_PKEY_free(key)
            throw .certificateGenerationFailed("validityDays \(validityDays)")
        }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw .certificateGenerationFailed("X509_new")
        }
        // A random positive 63-bit serial (RFC 5280 §4.1.2.2 wants it unique per issuer).
        var serialBytes = [UInt8](repeating: 0, count: 8)
        let randomOK = RAND_bytes(&serialBytes, Int32(serialBytes.count)) == 1
        let serial = serialBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7FFF_FFFF_FFFF_FFFF | 1
        let cn = Array(commonName.utf8)
        let ok = randomOK
            && X509_set_version(x509, 2) == 1 // v3
            && ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1
            && X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil
            && X509_gmtime_adj(X509_getm_notAfter(x509), validityDays * 86_400) != nil
            && X509_set_pubkey(x509, key) == 1
            && cn.withUnsafeBufferPointer { buffer in
                X509_NAME_add_entry_by_txt(X509_get_subject_name(x509), "CN", CAPSTAN_MBSTRING_ASC,
                                           buffer.baseAddress, Int32(buffer.count), -1, 0) == 1
            }
            && X509_set_issuer_name(x509, X509_get_subject_name(x509)) == 1
            && X509_sign(x509, key, EVP_sha256()) > 0
        guard ok else {
            let reason = OpenSSLErrorQueue.drain()
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .certificateGenerationFailed(reason)
        }
        return try DTLSCertificate(x509: x509, privateKey: key)
    }

    /// Loads a certificate and its private key from PEM text (e.g. made by
    /// `openssl req -x509`). The key may be PKCS#8 or traditional.
    /// - Throws: `.invalidCertificate` if either does not parse or they do not match.
    public convenience init(pemCertificate: String, pemPrivateKey: String) throws(DTLSError) {
        OpenSSLErrorQueue.clear()
        guard let x509 = Self.readPEM(pemCertificate, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw .invalidCertificate("certificate: \(OpenSSLErrorQueue.drain())")
        }
        guard let key = Self.readPEM(pemPrivateKey, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            X509_free(x509)
            throw .invalidCertificate("private key: \(OpenSSLErrorQueue.drain())")
        }
        guard X509_check_private_key(x509, key) == 1 else {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .invalidCertificate("key does not match certificate: \(OpenSSLErrorQueue.drain())")
        }
        try self.init(x509: x509, privateKey: key)
    }

    private static func readPEM(_ text: String, _ read: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress, let bio = BIO_new_mem_buf(base, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
    }

    private func writePEM(_ write: (OpaquePointer) -> Int32) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return "" }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = capstan_bio_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    public var pemCertificate: String { writePEM { PEM_write_bio_X509($0, x509) } }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    /// Handle with care: it is the session's identity.
    public var pemPrivateKey: String { writePEM { PEM_write_bio_PrivateKey($0, privateKey, nil, nil, 0, nil, nil) } }

    /// The certificate fingerprint for SDP `a=fingerprint` (RFC 8122 §5):
    /// upper-case hex octets separated by colons, e.g. `"AB:CD:..."`.
    /// - Parameter algorithm: `"sha-1"`, `"sha-224"`, `"sha-256"`, `"sha-384"` or `"sha-512"`.
    public func fingerprint(algorithm: String) throws(DTLSError) -> String {
        guard let hash = FingerprintAlgorithm(name: algorithm) else { throw .unsupportedFingerprintAlgorithm(algorithm) }
        guard let value = hash.fingerprint(of: x509) else { throw .invalidCertificate("digest failed") }
        return value
    }
}
