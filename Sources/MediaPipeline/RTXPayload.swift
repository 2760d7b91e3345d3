/// The payload of an RTP retransmission packet (RFC 4588 §4):
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The RTX packet carries the original's timestamp and marker bit (§4); its
/// own sequence number counts the RTX stream. Senders also use the RTX
/// stream for bandwidth probes: packets of padding only (no OSN; WebRTC's
/// pacer sends them, P bit set), which carry nothing to record.
public enum RTXPayload {
    /// What an RTX payload (padding already removed, `RTPHeader.payloadRange`) holds.
    public enum Content: Equatable, Sendable {
        /// A retransmission: the original sequence number and where the
        /// original payload lies in the RTX payload (from octet 2 to the end).
        case retransmission(originalSequenceNumber: UInt16, payload: Range<Int>)
        /// Padding only, or an OSN with no payload behind it: nothing to
        /// record (a bandwidth probe).
        case padding
    }

    /// Classifies an RTX payload; allocates nothing.
    @inline(__always)
    public static func content(of payload: UnsafeRawBufferPointer) -> Content {
        guard payload.count > 2 else { return .padding }
        let osn = UInt16(payload[0]) << 8 | UInt16(payload[1])
        return .retransmission(originalSequenceNumber: osn, payload: 2..<payload.count)
    }
}
