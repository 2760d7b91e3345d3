import STUN

/// What an `ICEControllingAgent` asks its owner to do.
public enum ICEControllingAction: Sendable, Equatable {
    /// Send this datagram.
    case send([UInt8], to: IPEndpoint)
    /// The nominated pair works: send media to this remote address.
    case connected(IPEndpoint)
    /// ICE failed; the agent is finished.
    case failed(ICEFailureReason)
}
