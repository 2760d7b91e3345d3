/// A generic NACK, RTPFB FMT 1 (RFC 4585 §6.2.1), in the common feedback
/// format of RFC 4585 §6.1.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |    PT=205     |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            PID                |             BLP               |  (one or more)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// PID is a lost packet; bit i of BLP (least significant first) reports PID+i+1 lost.
public struct GenericNACK: Hashable, Sendable, WireSerializable {
    /// The feedback message type.
    public static let format: UInt8 = 1

    /// One FCI entry: a lost packet id and a bitmask of the 16 packets after it.
    public struct Pair: Hashable, Sendable {
        /// The lost packet's sequence number.
        public var packetID: UInt16
        /// Bit i set: `packetID + i + 1` is lost too.
        public var bitmask: UInt16

        /// Creates an entry.
        public init(packetID: UInt16, bitmask: UInt16) {
            self.packetID = packetID
            self.bitmask = bitmask
        }
    }

    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of the media source the losses are reported for.
    public var mediaSSRC: UInt32
    /// The FCI entries as on the wire.
    public var pairs: [Pair]

    /// Creates a NACK from FCI entries.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, pairs: [Pair]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.pairs = pairs
    }

    /// Creates a NACK reporting `lostSequenceNumbers`, packed into the fewest entries.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: [UInt16]) {
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, pairs: Self.pairs(for: lostSequenceNumbers))
    }

    /// Packs sequence numbers into the fewest PID/BLP entries.
    ///
    /// The numbers are ordered across the 16-bit wrap (each placed nearest to the
    /// one before it, as `SequenceNumberUnwrapper` does), duplicates are dropped, and
    /// the entries are filled greedily from the oldest, which is optimal for covering
    /// points with windows of 17.
    public static func pairs(for lostSequenceNumbers: [UInt16]) -> [Pair] {
        var unwrapper = SequenceNumberUnwrapper()
        let ordered = lostSequenceNumbers.map { unwrapper.unwrap($0) }.sorted()
        var pairs: [Pair] = []
        var base: Int64?
        for value in ordered {
            if let base {
                let distance = value - base  // ≥ 0: sorted
                if distance == 0 { continue }
                if distance <= 16 {
                    pairs[pairs.count - 1].bitmask |= 1 << UInt16(distance - 1)
                    continue
                }
            }
            base = value
            pairs.append(Pair(packetID: UInt16(truncatingIfNeeded: value), bitmask: 0))
        }
        return pairs
    }

    /// The lost sequence numbers the entries report, in entry order (PID, then BLP bits).
    public var lostSequenceNumbers: [UInt16] {
        var lost: [UInt16] = []
        for pair in pairs {
            lost.append(pair.packetID)
            for bit in 0..<16 where pair.bitmask & (1 << UInt16(bit)) != 0 {
                lost.append(pair.packetID &+ UInt16(bit + 1))
            }
        }
        return lost
    }

    /// Parses the single generic NACK that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.unexpectedPacketType` unless PT=205 FMT=1, `.invalidLength`,
    ///   `.truncated` without both SSRCs, `.malformedRTCP` when the FCI is not whole entries.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.transportFeedback, format: Self.format)
        guard end >= 12 else { throw .truncated }
        guard (end - 12) % 4 == 0 else { throw .malformedRTCP(packetType: header.packetType) }
        senderSSRC = raw.u32(4)
        mediaSSRC = raw.u32(8)
        pairs = stride(from: 12, to: end, by: 4).map { Pair(packetID: raw.u16($0), bitmask: raw.u16($0 + 2)) }
    }

    /// The size on the wire.
    public var encodedSize: Int { 12 + pairs.count * 4 }

    /// Appends the packet to `bytes`.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: Self.format, packetType: RTCPPacketType.transportFeedback,
                             size: encodedSize, into: &writer)
        writer.put(senderSSRC)
        writer.put(mediaSSRC)
        for pair in pairs {
            writer.put(pair.packetID)
            writer.put(pair.bitmask)
        }
    }
}
