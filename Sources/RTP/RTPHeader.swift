/// A parsed RTP fixed header (RFC 3550 §5.1) with the location of its header
/// extension (RFC 3550 §5.3.1, RFC 8285) and payload; the hot-path view of a packet.
///
/// Parsing does not allocate: every field is a plain value and the extension and
/// payload are byte ranges into the buffer that was parsed. The header does not
/// keep that buffer; pass it again to `extensions(in:)`.
///
/// RFC 3550 §5.1:
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// RFC 3550 §5.3.1 (present when X=1):
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// |                             ....                              |
/// ```
/// `length` counts 32-bit words of extension data after this 4-byte header.
/// When P=1 the last octet of the packet counts the padding octets, itself included.
public struct RTPHeader: Hashable, Sendable {
    /// The fixed header size without CSRCs or extension.
    public static let fixedSize = 12

    /// Always 2 for a parsed header.
    public var version: UInt8
    /// The P bit: the packet ends with padding.
    public var hasPadding: Bool
    /// The X bit: a header extension follows the CSRCs.
    public var hasExtension: Bool
    /// The M bit.
    public var marker: Bool
    /// The 7-bit payload type.
    public var payloadType: UInt8
    /// The 16-bit sequence number.
    public var sequenceNumber: UInt16
    /// The 32-bit RTP timestamp.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// The contributing sources (CC of them), held inline.
    public var csrcs: RTPCSRCList
    /// The 16-bit "defined by profile" field of the extension, or nil when X=0.
    /// 0xBEDE marks one-byte elements, 0x1000...0x100F two-byte elements (RFC 8285).
    public var extensionProfile: UInt16?
    /// The byte range of the extension data (after its 4-byte header) in the
    /// parsed buffer; empty when there is no extension.
    public var extensionRange: Range<Int>
    /// The total header length: fixed header, CSRCs and extension.
    public var headerLength: Int
    /// The byte range of the payload in the parsed buffer, padding removed.
    public var payloadRange: Range<Int>
    /// The number of padding octets at the end of the packet (0 when P=0).
    public var paddingLength: Int

    /// The number of CSRCs (the CC field).
    public var csrcCount: Int { csrcs.count }
    /// The payload offset in the parsed buffer.
    public var payloadOffset: Int { payloadRange.lowerBound }
    /// The payload length, padding removed.
    public var payloadLength: Int { payloadRange.count }

    /// Parses the header of the RTP packet in `raw` without allocating.
    ///
    /// - Throws: `RTPError.truncated` when the fixed header or CSRC list does not fit,
    ///   `.unsupportedVersion` when V≠2, `.extensionOverrun` when the extension length
    ///   runs past the end, `.invalidPadding` when the padding count is 0 or exceeds
    ///   the bytes after the header.
    @inlinable
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let count = raw.count
        guard count >= Self.fixedSize else { throw .truncated }
        let b0 = raw[0]
        let b1 = raw[1]
        version = b0 >> 6
        guard version == 2 else { throw .unsupportedVersion(version) }
        hasPadding = b0 & 0x20 != 0
        hasExtension = b0 & 0x10 != 0
        let cc = Int(b0 & 0x0F)
        marker = b1 & 0x80 != 0
        payloadType = b1 & 0x7F
        sequenceNumber = UInt16(raw[2]) << 8 | UInt16(raw[3])
        timestamp = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        ssrc = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))

        var offset = Self.fixedSize + cc * 4
        guard count >= offset else { throw .truncated }
        csrcs = RTPCSRCList()
        for index in 0..<cc {
            csrcs.append(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 12 + index * 4, as: UInt32.self)))
        }

        if hasExtension {
            guard count >= offset + 4 else { throw .extensionOverrun }
            extensionProfile = UInt16(raw[offset]) << 8 | UInt16(raw[offset + 1])
            let words = Int(UInt16(raw[offset + 2]) << 8 | UInt16(raw[offset + 3]))
            let start = offset + 4
            let end = start + words * 4
            guard end <= count else { throw .extensionOverrun }
            extensionRange = start..<end
            offset = end
        } else {
            extensionProfile = nil
            extensionRange = offset..<offset
        }
        headerLength = offset

        var end = count
        if hasPadding {
            guard count > offset else { throw .invalidPadding }
            let padding = Int(raw[count - 1])
            guard padding >= 1, padding <= count - offset else { throw .invalidPadding }
            end = count - padding
            paddingLength = padding
        } else {
            paddingLength = 0
        }
        payloadRange = offset..<end
    }

    /// Parses the header of the RTP packet in `bytes`.
    public init(parsing bytes: [UInt8]) throws(RTPError) {
        self = try withRaw(bytes) { raw throws(RTPError) in try RTPHeader(parsing: raw) }
    }

    /// The header extension elements in `raw`, the buffer this header was parsed
    /// from, as a non-allocating sequence (RFC 8285 §4.2 one-byte, §4.3 two-byte).
    ///
    /// Yields nothing when there is no extension or its profile is neither 0xBEDE
    /// nor 0x100X.
    @inlinable
    public func extensions(in raw: UnsafeRawBufferPointer) -> RTPHeaderExtensionElements {
        RTPHeaderExtensionElements(raw: raw, profile: extensionProfile ?? 0, range: extensionRange)
    }

    /// Collects the header extension elements in `raw` into an array.
    ///
    /// - Throws: `RTPError.malformedHeaderExtension` when an element runs past the
    ///   end of the extension block.
    public func extensionElements(in raw: UnsafeRawBufferPointer) throws(RTPError) -> [RTPHeaderExtensionElement] {
        var iterator = extensions(in: raw).makeIterator()
        var elements: [RTPHeaderExtensionElement] = []
        while let element = iterator.next() { elements.append(element) }
        if iterator.isMalformed { throw .malformedHeaderExtension }
        return elements
    }

    /// The data range of the first extension element with local identifier `id`,
    /// or nil when absent. Does not allocate.
    @inlinable
    public func rangeOfExtension(id: UInt8, in raw: UnsafeRawBufferPointer) -> Range<Int>? {
        for element in extensions(in: raw) where element.id == id { return element.range }
        return nil
    }
}

extension RTPHeader {
    /// Overwrites the sequence number, timestamp and, when given, the SSRC of
    /// the RTP packet at the start of `packet` (the fixed header, RFC 3550
    /// §5.1), in place; everything else stays as it is. For relays that
    /// renumber a stream (loopback's echo). Precondition: 12 bytes or more.
    public static func rewrite(_ packet: UnsafeMutableRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32,
                               ssrc: UInt32? = nil) {
        precondition(packet.count >= fixedSize, "an RTP packet has a 12-byte fixed header")
        packet.storeBytes(of: sequenceNumber.bigEndian, toByteOffset: 2, as: UInt16.self)
        packet.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        if let ssrc { packet.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self) }
    }
}
