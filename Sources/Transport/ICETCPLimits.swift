import NIOCore

/// Bounds of the ICE-TCP listener (DESIGN.md §8): what one address, and everyone together,
/// may hold open, how long a connection may stay without proving itself, and how many
/// bytes a connection may make the daemon hold.
public struct ICETCPLimits: Sendable, Equatable {
    /// Open connections in all (the daemon's file descriptors and memory); past it new
    /// connections are closed at once (`limit-total`).
    public var maxConnections = 1_000
    /// Open connections from one IP address; past it `limit-address`. A browser opens one
    /// per session and local address; 0: no bound.
    public var maxConnectionsPerAddress = 40
    /// A connection must send a STUN Binding request that a session answers with success
    /// (its ufrag known, its MESSAGE-INTEGRITY valid) within this long, or it is closed
    /// (`handshake-timeout`).
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Largest RFC 4571 frame accepted; a LENGTH above it closes the connection
    /// (`oversize-frame`). The datagram socket's limit: no WebRTC packet is larger.
    public var maxFrameBytes = MediaPort.maxReceiveDatagram
    /// Bytes queued to a connection the peer does not read; past it outgoing frames are
    /// dropped (`capstan_ice_tcp_send_dropped_total`) until it drains.
    public var maxSendBufferBytes = 1 << 20

    public init() {}

    /// Largest read the kernel hands over at once: with the unfinished frame the deframer
    /// keeps (under `maxFrameBytes` + 2), what a connection holds on the receive side.
    public static let maxReadBytes = 64 * 1024
}

/// Why an ICE-TCP connection was closed (or refused). Raw values are the `reason` label of
/// `capstan_ice_tcp_closed_total`: bounded, stable.
public enum ICETCPCloseReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Refused: `maxConnections` open already.
    case limitTotal
    /// Refused: `maxConnectionsPerAddress` open from this address already.
    case limitAddress
    /// No successful STUN check within `handshakeTimeout`.
    case handshakeTimeout
    /// The first frame was not a STUN request with a USERNAME.
    case notSTUN
    /// The first frame named a ufrag no session has.
    case unknownUfrag
    /// A frame announced more than `maxFrameBytes`.
    case oversizeFrame
    /// The session the connection belonged to ended.
    case sessionEnded
    /// The peer closed (FIN) or reset the connection.
    case peerClosed
    /// The daemon is stopping.
    case shutdown

    public var description: String {
        switch self {
        case .limitTotal: "limit-total"
        case .limitAddress: "limit-address"
        case .handshakeTimeout: "handshake-timeout"
        case .notSTUN: "not-stun"
        case .unknownUfrag: "unknown-ufrag"
        case .oversizeFrame: "oversize-frame"
        case .sessionEnded: "session-ended"
        case .peerClosed: "peer-closed"
        case .shutdown: "shutdown"
        }
    }
}

/// The listener's counters (event-loop confined, read through `MediaPort.tcpCounters`).
public struct ICETCPCounters: Sendable, Equatable {
    /// Connections accepted (not refused by a limit).
    public var accepted: UInt64 = 0
    /// Connections open now.
    public var open: Int = 0
    /// Frames received and their bytes (without the LENGTH octets).
    public var framesIn: UInt64 = 0
    public var bytesIn: UInt64 = 0
    /// Frames sent.
    public var framesOut: UInt64 = 0
    /// Frames not sent: the connection's send buffer was full, or it had closed.
    public var sendDropped: UInt64 = 0
    /// Connections closed or refused, by reason (index: `ICETCPCloseReason.rawValue`).
    public var closed = [UInt64](repeating: 0, count: ICETCPCloseReason.allCases.count)

    public init() {}

    public subscript(reason: ICETCPCloseReason) -> UInt64 { closed[reason.rawValue] }

    /// Non-zero close counts by name, for logs and the API.
    public var closedNonZero: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for reason in ICETCPCloseReason.allCases where closed[reason.rawValue] > 0 {
            out[reason.description] = closed[reason.rawValue]
        }
        return out
    }
}
