/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5), the DTLS
/// certificate hash (RFC 5763 §5). Session- or media-level.
public struct SDPFingerprint: Sendable, Equatable, Hashable {
    /// Hash function token, for example `sha-256` (compare case-insensitively).
    public var algorithm: String
    /// Upper- or lower-case hex byte pairs separated by colons.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 2 else {
            throw .invalidAttribute(name: "fingerprint", reason: "expected '<hash-func> <fingerprint>'")
        }
        let pairs = fields[1].split(separator: ":", omittingEmptySubsequences: false)
        guard pairs.count >= 16, pairs.count <= 64,
              pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else {
            throw .invalidAttribute(name: "fingerprint", reason: "fingerprint must be 16 to 64 hex pairs separated by ':'")
        }
        algorithm = String(fields[0])
        value = String(fields[1])
    }

    /// The attribute value.
    public var serialized: String { "\(algorithm) \(value)" }

    /// The bytes of the hash.
    public var bytes: [UInt8] {
        value.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }
}

extension SDPFingerprint {
    /// A `sha-256` fingerprint from its `AB:CD:...` text.
    public static func sha256(_ value: String) -> SDPFingerprint {
        SDPFingerprint(algorithm: "sha-256", value: value)
    }
}
