/// A reception report block of an SR or RR (RFC 3550 §6.4.1).
///
/// ```
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct ReportBlock: Hashable, Sendable {
    /// The size of a report block on the wire.
    public static let size = 24

    /// The source this block reports on.
    public var ssrc: UInt32
    /// Fraction lost since the previous report, in units of 1/256.
    public var fractionLost: UInt8
    /// Cumulative packets lost, a signed 24-bit value (-8388608...8388607).
    public var cumulativeLost: Int32
    /// Extended highest sequence number received (cycles << 16 | highest).
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter, in RTP timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received (0 if none).
    public var lastSenderReport: UInt32
    /// Delay since that SR was received, in units of 1/65536 s (0 if none).
    public var delaySinceLastSenderReport: UInt32

    /// Creates a block; `cumulativeLost` is clamped to the signed 24-bit range.
    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    /// Reads the 24-byte block at `offset` of `raw`.
    ///
    /// - Throws: `RTPError.truncated` when fewer than 24 bytes remain.
    public init(parsing raw: UnsafeRawBufferPointer, at offset: Int = 0) throws(RTPError) {
        guard offset >= 0, raw.count - offset >= Self.size else { throw .truncated }
        ssrc = raw.u32(offset)
        fractionLost = raw[offset + 4]
        let lost = raw.u24(offset + 5)
        cumulativeLost = Int32(bitPattern: lost << 8) >> 8  // sign-extend 24 bits
        extendedHighestSequenceNumber = raw.u32(offset + 8)
        jitter = raw.u32(offset + 12)
        lastSenderReport = raw.u32(offset + 16)
        delaySinceLastSenderReport = raw.u32(offset + 20)
    }

    func serialize<W: ByteWriter>(into writer: inout W) {
        writer.put(ssrc)
        writer.put(fractionLost)
        let clamped = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        writer.put24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        writer.put(extendedHighestSequenceNumber)
        writer.put(jitter)
        writer.put(lastSenderReport)
        writer.put(delaySinceLastSenderReport)
    }
}
