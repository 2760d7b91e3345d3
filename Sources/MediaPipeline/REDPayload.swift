/// One block of a RED payload (RFC 2198 §3): an encoding of the media at
/// `timestamp − timestampOffset`, at `range` of the RED payload.
public struct REDBlock: Equatable, Sendable {
    /// The block's payload type (7 bits).
    public var payloadType: UInt8
    /// How far before the RTP timestamp of the packet the block's own timestamp lies
    /// (14 bits); 0 for the primary block.
    public var timestampOffset: UInt16
    /// Where the block's data lies in the RED payload.
    public var range: Range<Int>
    /// The last block of the packet: the new (primary) encoding.
    public var isPrimary: Bool

    public init(payloadType: UInt8, timestampOffset: UInt16, range: Range<Int>, isPrimary: Bool) {
        self.payloadType = payloadType
        self.timestampOffset = timestampOffset
        self.range = range
        self.isPrimary = isPrimary
    }
}

/// The payload format for redundant audio data (RFC 2198 §3), as WebRTC
/// uses it for Opus (`red/48000/2`, fmtp `111/111`): block headers, then the
/// blocks' data in the same order, the oldest redundant encoding first and
/// the primary last.
///
/// ```
///  0                   1                    2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |F|   block PT  |  timestamp offset         |   block length    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///  F=1: another header follows. The last header is one octet:
/// +-+-+-+-+-+-+-+-+
/// |0|   Block PT  |
/// +-+-+-+-+-+-+-+-+
/// ```
///
/// Hostile payloads throw a `Fault` (DESIGN.md §8), never trap: a header or
/// block past the end, more redundant blocks than `maxRedundantBlocks`, and
/// timestamp offsets that do not decrease strictly towards the primary (a
/// redundant block is older than every block after it; the primary's offset
/// is 0). Parsing allocates nothing.
public enum REDPayload {
    /// Why a RED payload was refused.
    public enum Fault: Error, Equatable, Sendable {
        /// No octet at all, or a 4-octet header cut short, or no primary header.
        case truncatedHeader
        /// The blocks' lengths add up to more than the payload holds.
        case blockPastEnd
        /// More redundant blocks than allowed.
        case tooManyBlocks
        /// A redundant block's timestamp offset is 0 or not below the previous
        /// block's: the blocks are not in time order.
        case offsetsNotDecreasing
    }

    /// More redundant blocks than any real sender uses (WebRTC sends 1 or 2).
    public static let maxRedundantBlocks = 8

    /// Checks the whole payload, then calls `body` with each block in order
    /// (redundant blocks oldest first, the primary last). Nothing is passed
    /// to `body` when the payload is refused.
    public static func forEachBlock(in payload: UnsafeRawBufferPointer, maxRedundantBlocks: Int = maxRedundantBlocks,
                                    _ body: (REDBlock) -> Void) throws(Fault) {
        let headersEnd = try validate(payload, maxRedundantBlocks: maxRedundantBlocks)
        var header = 0
        var data = headersEnd
        while payload[header] & 0x80 != 0 {
            let (pt, offset, length) = redundantHeader(payload, at: header)
            body(REDBlock(payloadType: pt, timestampOffset: offset, range: data..<data + length, isPrimary: false))
            data += length
            header += 4
        }
        body(REDBlock(payloadType: payload[header] & 0x7F, timestampOffset: 0, range: data..<payload.count, isPrimary: true))
    }

    /// The blocks of a RED payload (allocates; for tests and tools).
    public static func blocks(in payload: [UInt8], maxRedundantBlocks: Int = maxRedundantBlocks) throws(Fault) -> [REDBlock] {
        var result: [REDBlock] = []
        let outcome: Fault? = payload.withUnsafeBytes { raw in
            do throws(Fault) {
                try forEachBlock(in: raw, maxRedundantBlocks: maxRedundantBlocks) { result.append($0) }
                return nil
            } catch { return error }
        }
        if let outcome { throw outcome }
        return result
    }

    /// Checks the headers and lengths; returns where the blocks' data starts.
    private static func validate(_ payload: UnsafeRawBufferPointer, maxRedundantBlocks: Int) throws(Fault) -> Int {
        var header = 0
        var total = 0
        var redundant = 0
        var previousOffset = Int.max
        while true {
            guard header < payload.count else { throw .truncatedHeader }
            if payload[header] & 0x80 == 0 { break }
            guard payload.count - header >= 4 else { throw .truncatedHeader }
            redundant += 1
            guard redundant <= maxRedundantBlocks else { throw .tooManyBlocks }
            let (_, offset, length) = redundantHeader(payload, at: header)
            guard offset > 0, Int(offset) < previousOffset else { throw .offsetsNotDecreasing }
            previousOffset = Int(offset)
            total += length  // at most 8 · 1023: no overflow
            header += 4
        }
        let dataStart = header + 1
        guard dataStart <= payload.count, payload.count - dataStart >= total else { throw .blockPastEnd }
        return dataStart
    }

    @inline(__always)
    private static func redundantHeader(_ p: UnsafeRawBufferPointer, at i: Int) -> (UInt8, UInt16, Int) {
        let pt = p[i] & 0x7F
        let offset = UInt16(p[i + 1]) << 6 | UInt16(p[i + 2] >> 2)
        let length = Int(p[i + 2] & 0x03) << 8 | Int(p[i + 3])
        return (pt, offset, length)
    }

    /// Builds a RED payload from redundant blocks (oldest first: payload type,
    /// timestamp offset, data) and the primary (a sender's side, for tests
    /// and the sample peer). Blocks over 1023 octets or offsets over 14 bits
    /// cannot be expressed: they are left out, as RFC 2198 senders do.
    public static func make(redundant: [(payloadType: UInt8, timestampOffset: UInt32, data: [UInt8])],
                            primaryPayloadType: UInt8, primary: [UInt8]) -> [UInt8] {
        let kept = redundant.filter { $0.data.count <= 1023 && $0.timestampOffset <= 0x3FFF && $0.timestampOffset > 0 }
        var out: [UInt8] = []
        out.reserveCapacity(kept.count * 4 + 1 + kept.reduce(0) { $0 + $1.data.count } + primary.count)
        for block in kept {
            out.append(0x80 | (block.payloadType & 0x7F))
            out.append(UInt8(truncatingIfNeeded: block.timestampOffset >> 6))
            out.append(UInt8(truncatingIfNeeded: (block.timestampOffset & 0x3F) << 2 | UInt32(block.data.count >> 8)))
            out.append(UInt8(truncatingIfNeeded: block.data.count))
        }
        out.append(primaryPayloadType & 0x7F)
        for block in kept { out.append(contentsOf: block.data) }
        out.append(contentsOf: primary)
        return out
    }
}
