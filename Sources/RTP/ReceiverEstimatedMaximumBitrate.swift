/// A receiver estimated maximum bitrate, REMB: PSFB FMT 15 with the unique
/// identifier "REMB" (draft-alvestrand-rmcat-remb-03 §2.2).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ...                                                          |
/// ```
/// Bitrate in bits per second = mantissa × 2^exp (6-bit exp, 18-bit mantissa).
public struct ReceiverEstimatedMaximumBitrate: Hashable, Sendable, WireSerializable {
    /// The feedback message type (application layer feedback).
    public static let format: UInt8 = 15
    /// "REMB" in ASCII.
    public static let uniqueIdentifier: UInt32 = 0x5245_4D42

    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The media source field (the draft: always 0); kept as received.
    public var mediaSSRC: UInt32
    /// BR Exp, 0...63.
    public var exponent: UInt8
    /// BR Mantissa, 0...2^18-1.
    public var mantissa: UInt32
    /// The media sources the estimate applies to (at most 255).
    public var ssrcs: [UInt32]

    /// Creates a REMB from its wire fields.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, exponent: UInt8, mantissa: UInt32, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.exponent = exponent & 0x3F
        self.mantissa = mantissa & 0x3_FFFF
        self.ssrcs = ssrcs
    }

    /// Creates a REMB for `bitrate` bits per second, with the smallest exponent whose
    /// mantissa fits 18 bits (the bitrate is rounded down to what the fields hold).
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, bitrate: UInt64, ssrcs: [UInt32]) {
        var exponent: UInt8 = 0
        var mantissa = bitrate
        while mantissa > 0x3_FFFF {
            mantissa >>= 1
            exponent += 1
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, exponent: exponent, mantissa: UInt32(mantissa),
                  ssrcs: ssrcs)
    }

    /// The estimate in bits per second: mantissa << exponent (saturating).
    public var bitrate: UInt64 {
        let shift = UInt64(exponent)
        let value = UInt64(mantissa)
        guard value != 0 else { return 0 }
        guard shift < 64, value <= UInt64.max >> shift else { return .max }
        return value << shift
    }

    /// Whether the packet in `raw` (one PSFB FMT 15 packet) carries the "REMB" identifier.
    static func isREMB(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.count >= 16 && raw.u32(12) == uniqueIdentifier
    }

    /// Parses the single REMB that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.unexpectedPacketType` unless PT=206 FMT=15, `.invalidLength`,
    ///   `.truncated` when shorter than 20 bytes, `.malformedRTCP` without the "REMB"
    ///   identifier or when Num SSRC does not match the packet length.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.payloadFeedback, format: Self.format)
        guard end >= 20 else { throw .truncated }
        let malformed = RTPError.malformedRTCP(packetType: header.packetType)
        guard raw.u32(12) == Self.uniqueIdentifier else { throw malformed }
        let count = Int(raw[16])
        guard end == 20 + count * 4 else { throw malformed }
        senderSSRC = raw.u32(4)
        mediaSSRC = raw.u32(8)
        exponent = raw[17] >> 2
        mantissa = raw.u24(17) & 0x3_FFFF
        ssrcs = (0..<count).map { raw.u32(20 + $0 * 4) }
    }

    /// The size on the wire.
    public var encodedSize: Int { 20 + ssrcs.count * 4 }

    /// Appends the packet to `bytes`. Precondition: at most 255 SSRCs.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        precondition(ssrcs.count <= 255, "REMB carries at most 255 SSRCs")
        RTCPHeader.serialize(count: Self.format, packetType: RTCPPacketType.payloadFeedback,
                             size: encodedSize, into: &writer)
        writer.put(senderSSRC)
        writer.put(mediaSSRC)
        writer.put(Self.uniqueIdentifier)
        writer.put(UInt8(ssrcs.count))
        writer.put24(UInt32(exponent & 0x3F) << 18 | (mantissa & 0x3_FFFF))
        for ssrc in ssrcs { writer.put(ssrc) }
    }
}
