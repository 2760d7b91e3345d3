import COpenSSL

/// Hash functions allowed for `a=fingerprint` (RFC 8122 §5, the IANA
/// "Hash Function Textual Names" registry; md2/md5 are not accepted).
enum FingerprintAlgorithm: String, CaseIterable {
    case sha1 = "sha-1"
    case sha224 = "sha-224"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// Parses a textual name case-insensitively (RFC 8122 §5 names are lower case, peers vary).
    init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    var digest: OpaquePointer {
        switch self {
        case .sha1: EVP_sha1()
        case .sha224: EVP_sha224()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// The fingerprint of a DER certificate: upper-case hex octets joined by
    /// colons (RFC 8122 §5 `fingerprint` rule). `nil` if OpenSSL fails.
    func fingerprint(of x509: OpaquePointer) -> String? {
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard X509_digest(x509, self.digest, &digest, &length) == 1 else { return nil }
        return Self.format(digest[0..<Int(length)])
    }

    static func format(_ bytes: ArraySlice<UInt8>) -> String {
        let digits: [Character] = Array("0123456789ABCDEF")
        var text = ""
        text.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(":") }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }

    /// Normalises a received fingerprint value for comparison: upper case, no spaces.
    static func normalize(_ value: String) -> String {
        value.uppercased().filter { !$0.isWhitespace }
    }
}
