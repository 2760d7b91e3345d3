/// A connection to one peer that carries its datagrams as frames: an ICE-TCP connection
/// (RFC 6544, framed as RFC 4571 says). A `TransportSession` answers STUN and DTLS over
/// the link they came on, and once ICE selects a path on a link, every datagram of the
/// session (media, RTCP, DTLS) goes out on it.
///
/// Called on the media port's event loop only.
public protocol StreamLink: AnyObject {
    /// Frames and sends one datagram. When the link is closed, or its send buffer is full
    /// (a peer that stopped reading), the datagram is dropped and the link counts it, as a
    /// full socket buffer drops a UDP datagram.
    func sendFrame(_ datagram: UnsafeRawBufferPointer)
}

/// The transport protocol of a session's selected path.
public enum PathProtocol: String, Sendable, Equatable {
    case udp
    case tcp
}
