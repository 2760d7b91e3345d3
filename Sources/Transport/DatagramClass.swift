/// The protocol a datagram on the shared media port belongs to, decided from
/// its first bytes as RFC 7983 §7 prescribes (and RFC 5761 §4 to tell RTCP
/// from RTP once the datagram is known to be SRTP/SRTCP).
///
/// ```
///                  +----------------+
///                  |        [0..3] -+--> forward to STUN
///                  |                |
///                  |      [16..19] -+--> forward to ZRTP (dropped here)
///  packet -->      |                |
///                  |      [20..63] -+--> forward to DTLS
///                  |                |
///                  |      [64..79] -+--> forward to TURN Channel (dropped here)
///                  |                |
///                  |    [128..191] -+--> forward to RTP/RTCP
///                  +----------------+
/// ```
public enum DatagramClass: String, Sendable, CaseIterable {
    case stun
    case dtls
    case rtp
    case rtcp
    case unknown

    /// Classifies a datagram without allocating. Empty input is `.unknown`.
    @inlinable
    public static func classify(_ datagram: UnsafeRawBufferPointer) -> DatagramClass {
        guard let first = datagram.first else { return .unknown }
        switch first {
        case 0...3:
            return .stun
        case 20...63:
            return .dtls
        case 128...191:
            // RFC 5761 §4: RTCP packet types 192–223 occupy the second octet
            // where RTP has marker + payload type; RTP payload types 64–95 are
            // never used with rtcp-mux.
            guard datagram.count >= 2 else { return .unknown }
            let second = datagram[1]
            return (192...223).contains(second) ? .rtcp : .rtp
        default:
            return .unknown
        }
    }
}
