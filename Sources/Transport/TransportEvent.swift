import STUN
import SRTP

/// Milestones and failures a `TransportSession` reports to its owner
/// (the PeerSession), on the media port's event loop.
public enum TransportEvent: Sendable, Equatable {
    /// ICE picked (or moved to) this remote address.
    case iceSelected(IPEndpoint)
    /// DTLS finished and SRTP keys are installed: media can flow.
    case connected(SRTPProfile)
    /// The transport failed; `detail` is the end-reason detail
    /// (`ice-timeout`, `dtls-failed`, `consent-lost`, …).
    case failed(detail: String)
    /// The remote closed DTLS (close_notify).
    case closed
}

/// Receives decrypted media from a `TransportSession`. Called on the media
/// port's event loop; the buffers are only valid during the call.
public protocol TransportMediaReceiver: AnyObject {
    /// A decrypted RTP packet (header and payload).
    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64)
    /// A decrypted RTCP compound packet.
    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64)
    /// Runs the media pipeline's timers. The port calls it when the deadline
    /// `nextTickDeadline(now:)` gave is due (and at least once a second).
    func transportTick(now: UInt64)
    /// The earliest time `transportTick` has something to do, or nil when
    /// nothing is due until more media arrives. The port asks after every
    /// tick and every packet it hands over, and sleeps until the earliest
    /// deadline of all its sessions (issue 13: no polling every 10 ms).
    func nextTickDeadline(now: UInt64) -> UInt64?
}

/// Receives the DTLS application data of a session (SCTP packets of its data
/// channels, RFC 8261). Called on the media port's event loop; the buffer is
/// only valid during the call.
public protocol TransportApplicationDataReceiver: AnyObject {
    func transportDidReceiveApplicationData(_ data: UnsafeRawBufferPointer, now: UInt64)
    /// Runs the receiver's timers (SCTP's) when `nextTickDeadline(now:)` is due.
    func transportTick(now: UInt64)
    /// The earliest time `transportTick` has something to do, or nil.
    func nextTickDeadline(now: UInt64) -> UInt64?
}

/// Receives `TransportEvent`s. Called on the media port's event loop.
public protocol TransportEventHandler: AnyObject {
    func transport(_ session: TransportSession, didEmit event: TransportEvent)
}

/// Where a session's outgoing datagrams go. The media port implements it;
/// tests can implement it in memory.
public protocol DatagramSink: AnyObject {
    func send(_ datagram: UnsafeRawBufferPointer, to remote: IPEndpoint)
    /// Sends to an address converted in advance (the session's selected
    /// one). By default, the same as sending to `destination.endpoint`.
    func send(_ datagram: UnsafeRawBufferPointer, to destination: DatagramDestination)
}

extension DatagramSink {
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: DatagramDestination) {
        send(datagram, to: destination.endpoint)
    }
}
