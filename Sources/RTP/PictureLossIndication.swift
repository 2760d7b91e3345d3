/// A picture loss indication, PSFB FMT 1 (RFC 4585 §6.3.1): no FCI.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |    PT=206     |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct PictureLossIndication: Hashable, Sendable, WireSerializable {
    /// The feedback message type.
    public static let format: UInt8 = 1

    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of the media source that should send a keyframe.
    public var mediaSSRC: UInt32

    /// Creates a PLI.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    /// Parses the single PLI that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.unexpectedPacketType` unless PT=206 FMT=1, `.invalidLength`,
    ///   `.truncated` without both SSRCs, `.malformedRTCP` when an FCI is present.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.payloadFeedback, format: Self.format)
        guard end >= 12 else { throw .truncated }
        guard end == 12 else { throw .malformedRTCP(packetType: header.packetType) }
        senderSSRC = raw.u32(4)
        mediaSSRC = raw.u32(8)
    }

    /// The size on the wire: 12.
    public var encodedSize: Int { 12 }

    /// Appends the packet to `bytes`.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: Self.format, packetType: RTCPPacketType.payloadFeedback, size: 12, into: &writer)
        writer.put(senderSSRC)
        writer.put(mediaSSRC)
    }
}
