import STUN

/// What an `ICELiteAgent` asks its owner to do with a datagram it handled.
public enum ICELiteAction: Sendable, Equatable {
    /// Send this Binding success response to the sender.
    case respond(bytes: [UInt8], to: IPEndpoint)
    /// Send this success response, and use `selected` as the remote address from now on: a
    /// valid check with USE-CANDIDATE nominated a new address (RFC 8445 §7.3.1.5).
    case respondAndSelect(bytes: [UInt8], to: IPEndpoint, selected: IPEndpoint)
    /// Send this Binding error response (400, 401, 420 or 487).
    case error(bytes: [UInt8], to: IPEndpoint)
    /// Nothing to send; the datagram was counted under this reason.
    case drop(ICEDropReason)
}
