/// Errors thrown by the STUN codec (RFC 8489).
///
/// Parsing never traps: every malformed input maps to one of these cases.
public enum STUNError: Error, Equatable, Sendable {
    /// Fewer bytes than the 20-byte header (RFC 8489 §5), or than the header's length field announces.
    case truncated(needed: Int, available: Int)
    /// The two most significant bits of the message are not zero (RFC 8489 §5).
    case notSTUN
    /// The magic cookie is not 0x2112A442 (RFC 8489 §5).
    case badMagicCookie(UInt32)
    /// The message length is not a multiple of 4 (RFC 8489 §5).
    case lengthNotMultipleOfFour(Int)
    /// The datagram holds more bytes than the header's length field announces.
    case trailingBytes(declared: Int, actual: Int)
    /// An attribute's value runs past the end of the message (RFC 8489 §14).
    case attributeOverrun(type: UInt16, offset: Int)
    /// A known attribute has a value length its definition does not allow.
    case badAttributeLength(type: UInt16, length: Int)
    /// An address attribute has a family other than 0x01 (IPv4) or 0x02 (IPv6) (RFC 8489 §14.1).
    case badAddressFamily(UInt8)
    /// ERROR-CODE class outside 3...6 or number outside 0...99 (RFC 8489 §14.8).
    case badErrorCode(class: Int, number: Int)
    /// An attribute follows FINGERPRINT, which must be last (RFC 8489 §14.7).
    case attributeAfterFingerprint(type: UInt16)
}
