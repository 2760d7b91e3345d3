/// An RTCP sender report, SR (RFC 3550 §6.4.1).
///
/// ```
///        0                   1                   2                   3
///        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// header |V=2|P|    RC   |   PT=SR=200   |             length            |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                         SSRC of sender                        |
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// sender |              NTP timestamp, most significant word             |
/// info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |             NTP timestamp, least significant word             |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                         RTP timestamp                         |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                     sender's packet count                     |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                      sender's octet count                     |
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// report |                 SSRC_1 (SSRC of first source)                 |
/// block  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///   1    :                    (24 bytes, see ReportBlock)                :
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///       :                              ...                              :
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///       |                  profile-specific extensions                  |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct SenderReport: Hashable, Sendable, WireSerializable {
    /// The SSRC of the sender.
    public var ssrc: UInt32
    /// The wallclock time at which the report was sent.
    public var ntpTimestamp: NTPTimestamp
    /// The RTP time corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    /// RTP data packets sent.
    public var packetCount: UInt32
    /// RTP payload octets sent.
    public var octetCount: UInt32
    /// Reception report blocks (at most 31).
    public var reportBlocks: [ReportBlock]
    /// Profile-specific extensions; zero-padded to a multiple of 4 on write.
    public var profileExtensions: [UInt8]

    /// Creates a sender report.
    public init(
        ssrc: UInt32, ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [ReportBlock] = [], profileExtensions: [UInt8] = []
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    /// The sender info fields as one value.
    public var senderInfo: SenderInfo {
        SenderInfo(ssrc: ssrc, ntpTimestamp: ntpTimestamp, rtpTimestamp: rtpTimestamp,
                   packetCount: packetCount, octetCount: octetCount)
    }

    /// Parses the single SR that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.invalidLength`, `.truncated`, `.malformedRTCP` when RC blocks do not fit.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.senderReport)
        let blocksStart = RTCPHeader.size + SenderInfo.size
        guard end >= blocksStart else { throw .truncated }
        let info = SenderInfo(reading: raw, at: RTCPHeader.size)
        ssrc = info.ssrc
        ntpTimestamp = info.ntpTimestamp
        rtpTimestamp = info.rtpTimestamp
        packetCount = info.packetCount
        octetCount = info.octetCount
        let blocksEnd = blocksStart + Int(header.count) * ReportBlock.size
        guard blocksEnd <= end else { throw .malformedRTCP(packetType: header.packetType) }
        reportBlocks = []
        reportBlocks.reserveCapacity(Int(header.count))
        for index in 0..<Int(header.count) {
            reportBlocks.append(try ReportBlock(parsing: raw, at: blocksStart + index * ReportBlock.size))
        }
        profileExtensions = raw.bytes(blocksEnd..<end)
    }

    /// The size on the wire.
    public var encodedSize: Int {
        RTCPHeader.size + SenderInfo.size + reportBlocks.count * ReportBlock.size + padded4(profileExtensions.count)
    }

    /// Appends the packet to `bytes`. Precondition: at most 31 report blocks.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: UInt8(reportBlocks.count), packetType: RTCPPacketType.senderReport,
                             size: encodedSize, into: &writer)
        senderInfo.serialize(into: &writer)
        for block in reportBlocks { block.serialize(into: &writer) }
        writer.put(profileExtensions)
        writer.putZeros(padded4(profileExtensions.count) - profileExtensions.count)
    }
}
