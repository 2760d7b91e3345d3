/// Splits a TCP byte stream into RTP/RTCP/STUN/DTLS packets framed as RFC 4571 §2 says
/// (the framing ICE-TCP uses, RFC 6544 §3):
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     -----------------------------------------------------------------
///     |             LENGTH            |  packet ...                   |
///     -----------------------------------------------------------------
///
/// LENGTH is the packet's size in octets, big-endian, without the two length octets.
///
/// Reads may split a frame anywhere (even inside LENGTH) or carry many frames: complete
/// frames in a read are handed on in place, without a copy; only the unfinished tail is
/// kept, and it never holds more than one frame (`maxFrameBytes` + 1 octets), so a
/// connection's memory is bounded whatever the peer sends. A LENGTH above `maxFrameBytes`
/// (no WebRTC packet is that large: the peer is broken or hostile) stops the deframer for
/// good: the caller closes the connection.
///
/// Not thread-safe; owned by its connection (on the media port's event loop).
public struct RFC4571Deframer: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Every byte was consumed: frames handed on, any tail kept for the next read.
        case ok
        /// The frame handler asked to stop (the connection is closing); the rest is discarded.
        case stopped
        /// A frame announced more than `maxFrameBytes` octets.
        case oversize(length: Int)
    }

    /// Largest packet accepted (LENGTH above it is malformed framing).
    public let maxFrameBytes: Int
    /// The unfinished frame carried to the next read: at most `maxFrameBytes + 1` octets
    /// (a two-octet LENGTH and all but one octet of its packet).
    private var pending: [UInt8] = []
    private var failed = false

    public init(maxFrameBytes: Int) {
        precondition(maxFrameBytes > 0 && maxFrameBytes <= 65_535, "LENGTH is 16 bits")
        self.maxFrameBytes = maxFrameBytes
    }

    /// Octets held for an unfinished frame.
    public var bufferedBytes: Int { pending.count }

    /// Feeds one read. `frame` gets each complete packet (valid only during the call) and
    /// returns false to stop.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer,
                              _ frame: (UnsafeRawBufferPointer) -> Bool) -> Outcome {
        guard !failed else { return .stopped }
        guard !bytes.isEmpty else { return .ok }
        var offset = 0
        // First finish the frame an earlier read left unfinished.
        if !pending.isEmpty {
            if pending.count < 2 {
                pending.append(bytes[offset])          // pending holds one LENGTH octet; bytes is not empty
                offset += 1
                if pending.count < 2 { return .ok }
            }
            let length = Int(pending[0]) << 8 | Int(pending[1])
            guard length <= maxFrameBytes else { return fail(length) }
            let wanted = 2 + length - pending.count
            let take = min(wanted, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
            guard take == wanted else { return .ok }
            let proceed = pending.withUnsafeBytes { frame(UnsafeRawBufferPointer(rebasing: $0[2...])) }
            pending.removeAll(keepingCapacity: true)
            guard proceed else { return stop() }
        }
        // Whole frames straight from the read.
        while bytes.count - offset >= 2 {
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length <= maxFrameBytes else { return fail(length) }
            guard bytes.count - offset - 2 >= length else { break }
            let start = offset + 2
            offset = start + length
            guard frame(UnsafeRawBufferPointer(rebasing: bytes[start..<offset])) else { return stop() }
        }
        // The unfinished tail: a lone LENGTH octet, or a LENGTH (checked above) and part of its packet.
        if offset < bytes.count {
            if pending.capacity < maxFrameBytes + 2 { pending.reserveCapacity(maxFrameBytes + 2) }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
        return .ok
    }

    private mutating func fail(_ length: Int) -> Outcome {
        failed = true
        pending = []
        return .oversize(length: length)
    }

    private mutating func stop() -> Outcome {
        failed = true
        pending = []
        return .stopped
    }

    /// Writes `packet` framed (LENGTH then the packet) into `out`, which must hold
    /// `packet.count + 2` octets; returns the framed size. `packet` must be at most 65,535 octets.
    @discardableResult
    public static func frame(_ packet: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(packet.count <= 65_535 && out.count >= packet.count + 2)
        out[0] = UInt8(truncatingIfNeeded: packet.count >> 8)
        out[1] = UInt8(truncatingIfNeeded: packet.count)
        UnsafeMutableRawBufferPointer(rebasing: out[2...]).copyMemory(from: packet)
        return packet.count + 2
    }
}
