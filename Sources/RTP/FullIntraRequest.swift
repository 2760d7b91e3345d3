/// A full intra request, PSFB FMT 4 (RFC 5104 §4.3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=4  |    PT=206     |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             SSRC of media source (unused, SHALL be 0)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                              SSRC                             |  FCI entry
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  (§4.3.1.1),
/// | Seq nr.       |    Reserved                                   |  one or more
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// Reserved bits are written as zero and ignored on parse.
public struct FullIntraRequest: Hashable, Sendable, WireSerializable {
    /// The feedback message type.
    public static let format: UInt8 = 4

    /// One FCI entry: the media sender asked for a decoder refresh and the command
    /// sequence number (incremented per new request, RFC 5104 §4.3.1.2).
    public struct Entry: Hashable, Sendable {
        /// The SSRC of the media sender asked.
        public var ssrc: UInt32
        /// The command sequence number.
        public var sequenceNumber: UInt8

        /// Creates an entry.
        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The media source field (RFC 5104: SHALL be 0); kept as received.
    public var mediaSSRC: UInt32
    /// The FCI entries.
    public var entries: [Entry]

    /// Creates a FIR.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Parses the single FIR that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.unexpectedPacketType` unless PT=206 FMT=4, `.invalidLength`,
    ///   `.truncated` without both SSRCs, `.malformedRTCP` when the FCI is not whole entries.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.payloadFeedback, format: Self.format)
        guard end >= 12 else { throw .truncated }
        guard (end - 12) % 8 == 0 else { throw .malformedRTCP(packetType: header.packetType) }
        senderSSRC = raw.u32(4)
        mediaSSRC = raw.u32(8)
        entries = stride(from: 12, to: end, by: 8).map { Entry(ssrc: raw.u32($0), sequenceNumber: raw[$0 + 4]) }
    }

    /// The size on the wire.
    public var encodedSize: Int { 12 + entries.count * 8 }

    /// Appends the packet to `bytes`.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: Self.format, packetType: RTCPPacketType.payloadFeedback,
                             size: encodedSize, into: &writer)
        writer.put(senderSSRC)
        writer.put(mediaSSRC)
        for entry in entries {
            writer.put(entry.ssrc)
            writer.put(entry.sequenceNumber)
            writer.putZeros(3)
        }
    }
}
