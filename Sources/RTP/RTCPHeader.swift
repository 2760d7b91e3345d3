/// The 4-byte common header of every RTCP packet (RFC 3550 §6.4.1; RFC 4585 §6.1
/// names the count field FMT in feedback packets).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| RC/FMT  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `length` is the packet size in 32-bit words minus one, header and padding included.
public struct RTCPHeader: Hashable, Sendable {
    /// The size of the common header.
    public static let size = 4

    /// The P bit: the packet ends with padding whose last octet is its count.
    public var hasPadding: Bool
    /// The 5-bit count (RC, SC) or feedback message type (FMT).
    public var count: UInt8
    /// The packet type (see `RTCPPacketType`).
    public var packetType: UInt8
    /// The length field: size in 32-bit words minus one.
    public var length: UInt16

    /// The packet size in bytes, from the length field.
    @inlinable public var packetSize: Int { (Int(length) + 1) * 4 }

    /// Creates a header.
    public init(hasPadding: Bool = false, count: UInt8, packetType: UInt8, length: UInt16) {
        self.hasPadding = hasPadding
        self.count = count
        self.packetType = packetType
        self.length = length
    }

    /// Reads the common header at `offset` of `raw`. Does not check the length field
    /// against the buffer.
    ///
    /// - Throws: `RTPError.truncated` with fewer than 4 bytes, `.unsupportedVersion` when V≠2.
    @inlinable
    public init(parsing raw: UnsafeRawBufferPointer, at offset: Int = 0) throws(RTPError) {
        guard offset >= 0, raw.count - offset >= Self.size else { throw .truncated }
        let b0 = raw[offset]
        guard b0 >> 6 == 2 else { throw .unsupportedVersion(b0 >> 6) }
        hasPadding = b0 & 0x20 != 0
        count = b0 & 0x1F
        packetType = raw[offset + 1]
        length = UInt16(raw[offset + 2]) << 8 | UInt16(raw[offset + 3])
    }

    /// Checks that `raw` holds exactly one packet of `packetType` (and `format`, when
    /// given) and returns its header and the end of its contents, padding removed.
    static func single(
        _ raw: UnsafeRawBufferPointer, packetType: UInt8, format: UInt8? = nil
    ) throws(RTPError) -> (RTCPHeader, Int) {
        let header = try RTCPHeader(parsing: raw)
        guard header.packetType == packetType, format == nil || header.count == format else {
            throw .unexpectedPacketType(packetType: header.packetType, format: header.count)
        }
        guard header.packetSize == raw.count else { throw .invalidLength }
        var end = raw.count
        if header.hasPadding {
            let padding = Int(raw[end - 1])
            guard padding >= 1, padding <= end - Self.size else { throw .invalidPadding }
            end -= padding
        }
        return (header, end)
    }

    /// Writes a header without padding for a packet of `size` bytes (a multiple of 4).
    static func serialize<W: ByteWriter>(count: UInt8, packetType: UInt8, size: Int, into writer: inout W) {
        precondition(size % 4 == 0 && size >= 4 && size / 4 - 1 <= Int(UInt16.max), "invalid RTCP packet size")
        precondition(count < 32, "RTCP count is 5 bits")
        writer.put(0x80 | count)
        writer.put(packetType)
        writer.put(UInt16(size / 4 - 1))
    }
}

/// Rounds up to a multiple of 4.
@inline(__always)
func padded4(_ count: Int) -> Int { (count + 3) & ~3 }
