/// The sender information of an SR (RFC 3550 §6.4.1): what the receive pipeline
/// needs to map RTP time to NTP time, readable without allocating.
///
/// ```
///        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// header |V=2|P|    RC   |   PT=SR=200   |             length            |
///        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///        |                         SSRC of sender                        |
///        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// sender |              NTP timestamp, most significant word             |
/// info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///        |             NTP timestamp, least significant word             |
///        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///        |                         RTP timestamp                         |
///        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///        |                     sender's packet count                     |
///        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///        |                      sender's octet count                     |
///        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct SenderInfo: Hashable, Sendable {
    /// The size of SSRC plus sender info (bytes 4..<28 of an SR).
    static let size = 24

    /// The SSRC of the sender.
    public var ssrc: UInt32
    /// The wallclock time at which the report was sent.
    public var ntpTimestamp: NTPTimestamp
    /// The RTP time corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    /// RTP data packets sent since starting transmission.
    public var packetCount: UInt32
    /// RTP payload octets sent since starting transmission.
    public var octetCount: UInt32

    /// Creates sender info.
    public init(ssrc: UInt32, ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
    }

    /// Reads the sender info of the SR that is `raw` (one packet, e.g. a range from
    /// `RTCPHeaderIterator`), without allocating.
    ///
    /// - Throws: `.unexpectedPacketType` when it is not an SR, `.invalidLength` when
    ///   the length field does not match, `.truncated` when it is too short.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (_, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.senderReport)
        guard end >= RTCPHeader.size + Self.size else { throw .truncated }
        self.init(reading: raw, at: RTCPHeader.size)
    }

    init(reading raw: UnsafeRawBufferPointer, at offset: Int) {
        ssrc = raw.u32(offset)
        ntpTimestamp = NTPTimestamp(rawValue: raw.u64(offset + 4))
        rtpTimestamp = raw.u32(offset + 12)
        packetCount = raw.u32(offset + 16)
        octetCount = raw.u32(offset + 20)
    }

    func serialize<W: ByteWriter>(into writer: inout W) {
        writer.put(ssrc)
        writer.put(ntpTimestamp.rawValue)
        writer.put(rtpTimestamp)
        writer.put(packetCount)
        writer.put(octetCount)
    }
}
