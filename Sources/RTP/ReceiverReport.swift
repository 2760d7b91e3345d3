/// An RTCP receiver report, RR (RFC 3550 §6.4.2).
///
/// ```
///        0                   1                   2                   3
///        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// header |V=2|P|    RC   |   PT=RR=201   |             length            |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                     SSRC of packet sender                     |
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// report |                 SSRC_1 (SSRC of first source)                 |
/// block  :                    (24 bytes, see ReportBlock)                :
///   1    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///       :                              ...                              :
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///       |                  profile-specific extensions                  |
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct ReceiverReport: Hashable, Sendable, WireSerializable {
    /// The SSRC of the packet sender.
    public var ssrc: UInt32
    /// Reception report blocks (at most 31).
    public var reportBlocks: [ReportBlock]
    /// Profile-specific extensions; zero-padded to a multiple of 4 on write.
    public var profileExtensions: [UInt8]

    /// Creates a receiver report.
    public init(ssrc: UInt32, reportBlocks: [ReportBlock] = [], profileExtensions: [UInt8] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    /// Parses the single RR that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.invalidLength`, `.truncated`, `.malformedRTCP` when RC blocks do not fit.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.receiverReport)
        let blocksStart = RTCPHeader.size + 4
        guard end >= blocksStart else { throw .truncated }
        ssrc = raw.u32(RTCPHeader.size)
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
        RTCPHeader.size + 4 + reportBlocks.count * ReportBlock.size + padded4(profileExtensions.count)
    }

    /// Appends the packet to `bytes`. Precondition: at most 31 report blocks.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    /// Appends a receiver report with `blockCount` blocks made by `block(0..<blockCount)`
    /// and no profile extensions, without building the `ReceiverReport` and its
    /// array: nothing is allocated when `bytes` has room (periodic reports).
    /// Precondition: `blockCount` is 0...31.
    public static func write(ssrc: UInt32, blockCount: Int, to bytes: inout [UInt8],
                             block: (Int) -> ReportBlock) {
        precondition((0...31).contains(blockCount), "a receiver report holds at most 31 blocks")
        let size = RTCPHeader.size + 4 + blockCount * ReportBlock.size
        ArrayWriter.append(to: &bytes, size: size) { writer in
            RTCPHeader.serialize(count: UInt8(blockCount), packetType: RTCPPacketType.receiverReport,
                                 size: size, into: &writer)
            writer.put(ssrc)
            for index in 0..<blockCount { block(index).serialize(into: &writer) }
        }
    }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: UInt8(reportBlocks.count), packetType: RTCPPacketType.receiverReport,
                             size: encodedSize, into: &writer)
        writer.put(ssrc)
        for block in reportBlocks { block.serialize(into: &writer) }
        writer.put(profileExtensions)
        writer.putZeros(padded4(profileExtensions.count) - profileExtensions.count)
    }
}
