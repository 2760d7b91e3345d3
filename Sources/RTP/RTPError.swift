/// Typed errors thrown by every parser in the `RTP` module.
///
/// Parsers never trap on malformed input; they throw one of these cases instead.
public enum RTPError: Error, Equatable, Hashable, Sendable {
    /// The buffer ended before the structure it claims to hold (RTP fixed header,
    /// CSRC list, RTCP fixed fields, report blocks, FCI, SDES items, …).
    case truncated
    /// The version field is not 2 (RFC 3550 §5.1 and §6.4.1: `V=2`).
    case unsupportedVersion(UInt8)
    /// The padding count is zero or larger than the bytes available for it
    /// (RFC 3550 §5.1 `P` bit, §6.4.1).
    case invalidPadding
    /// The RTP header extension length field runs past the end of the packet
    /// (RFC 3550 §5.3.1).
    case extensionOverrun
    /// A one-byte or two-byte header extension element runs past the end of the
    /// extension block, or uses reserved encodings (RFC 8285 §4.2, §4.3).
    case malformedHeaderExtension
    /// An RTCP length field points past the end of the buffer, or does not match
    /// the size of a single packet handed to a per-type parser (RFC 3550 §6.4.1).
    case invalidLength
    /// The RTCP packet's contents do not match its type: a count that does not fit,
    /// a missing unique identifier, an SDES chunk without its terminator
    /// (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1, draft-alvestrand-rmcat-remb §2.2).
    case malformedRTCP(packetType: UInt8)
    /// A per-type RTCP parser was handed a packet of another type or feedback format.
    case unexpectedPacketType(packetType: UInt8, format: UInt8)
    /// An RTCP compound packet holds no packet at all (RFC 3550 §6.1).
    case emptyCompound
}
