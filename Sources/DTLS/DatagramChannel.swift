import COpenSSL

/// The per-endpoint state behind the custom BIO and the verify callback.
///
/// OpenSSL reaches it through `BIO_get_data` and the SSL's app data, as an
/// unretained `Unmanaged` pointer; the owning `DTLSEndpoint` keeps it alive
/// for as long as the `SSL` (and so the BIO) exists.
///
/// Not thread-safe; owned by its session.
final class DatagramChannel {
    /// The datagram `receive` is feeding in; valid only during that call.
    var inbound: UnsafeRawBufferPointer?
    /// Datagrams OpenSSL wrote since the last collection, one per BIO write.
    var outbound: [[UInt8]] = []
    /// Largest datagram OpenSSL should produce (UDP payload octets).
    let mtu: Int
    /// The SDP fingerprints the peer's certificate must match (one of).
    let expectedFingerprints: [(algorithm: FingerprintAlgorithm, value: String)]
    /// Set by the verify callback when the peer's leaf certificate matched none.
    var fingerprintMismatch = false

    init(mtu: Int, expectedFingerprints: [(algorithm: FingerprintAlgorithm, value: String)]) {
        self.mtu = mtu
        self.expectedFingerprints = expectedFingerprints
    }

    /// True when `x509` matches any expected fingerprint (RFC 8122 §5: any
    /// one matching fingerprint authenticates the certificate).
    func matches(_ x509: OpaquePointer) -> Bool {
        expectedFingerprints.contains { expected in
            expected.algorithm.fingerprint(of: x509) == expected.value
        }
    }

    var unmanagedPointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer) -> DatagramChannel {
        Unmanaged<DatagramChannel>.fromOpaque(pointer).takeUnretainedValue()
    }
}
