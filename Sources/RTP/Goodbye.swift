/// An RTCP goodbye, BYE (RFC 3550 §6.6).
///
/// ```
///        0                   1                   2                   3
///        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |V=2|P|    SC   |   PT=BYE=203  |             length            |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                           SSRC/CSRC                           |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       :                              ...                              :
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// (opt) |     length    |               reason for leaving            ...
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// The reason is zero-padded to the next 32-bit boundary.
public struct Goodbye: Hashable, Sendable, WireSerializable {
    /// The sources leaving (at most 31).
    public var sources: [UInt32]
    /// The reason octets (UTF-8, at most 255), or nil when absent.
    public var reason: [UInt8]?

    /// Creates a BYE.
    public init(sources: [UInt32], reason: [UInt8]? = nil) {
        self.sources = sources
        self.reason = reason
    }

    /// Creates a BYE with a text reason.
    public init(sources: [UInt32], reason: String) {
        self.init(sources: sources, reason: Array(reason.utf8))
    }

    /// The reason decoded as UTF-8.
    public var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }

    /// Parses the single BYE that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.invalidLength`, `.malformedRTCP` when SC sources or the reason run past the end.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.goodbye)
        let malformed = RTPError.malformedRTCP(packetType: header.packetType)
        var offset = RTCPHeader.size
        guard offset + Int(header.count) * 4 <= end else { throw malformed }
        sources = (0..<Int(header.count)).map { raw.u32(RTCPHeader.size + $0 * 4) }
        offset += Int(header.count) * 4
        if offset < end {
            let length = Int(raw[offset])
            guard offset + 1 + length <= end else { throw malformed }
            reason = raw.bytes(offset + 1..<offset + 1 + length)
        } else {
            reason = nil
        }
    }

    /// The size on the wire.
    public var encodedSize: Int {
        RTCPHeader.size + sources.count * 4 + (reason.map { padded4(1 + $0.count) } ?? 0)
    }

    /// Appends the packet to `bytes`. Precondition: at most 31 sources, reason ≤ 255 octets.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: UInt8(sources.count), packetType: RTCPPacketType.goodbye,
                             size: encodedSize, into: &writer)
        for source in sources { writer.put(source) }
        if let reason {
            precondition(reason.count <= 255, "BYE reason is at most 255 octets")
            writer.put(UInt8(reason.count))
            writer.put(reason)
            writer.putZeros(padded4(1 + reason.count) - 1 - reason.count)
        }
    }
}
