/// The call lifecycle of DESIGN.md §2.
///
/// ```
///            placeCall              receiveCallAccept
///   idle ─────────────▶ outgoing-init ───────────────┐
///    │ receiveCallInit                               ▼
///    ├───────────────▶ incoming-init ──acceptCall──▶ negotiating ──transportConnected──▶ active
///    │ receiveOffer (WHIP)                           ▲     │                               │
///    └───────────────────────────────────────────────┘     │ end, transport started        │ end
///                                                          ▼                               ▼
///                               end, no transport ──▶ ended ◀──teardownCompleted── ending
/// ```
///
/// The raw values are the stable strings of the API, the metrics and the sidecar.
public enum PeerSessionState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Created, nothing received or sent yet.
    case idle
    /// Capstan called the peer (`call:init` sent); waiting for its accept or reject.
    case outgoingInit = "outgoing-init"
    /// The peer called Capstan (`call:init` received); waiting for the local accept or reject.
    case incomingInit = "incoming-init"
    /// Accepted (or a WHIP offer arrived): offer/answer and ICE+DTLS are under way.
    case negotiating
    /// ICE and DTLS are up, SRTP keyed: media flows and the receive pipeline is attached.
    case active
    /// The end is decided; transport and media teardown is under way.
    case ending
    /// Terminal. Every event but `tick` and `recordMilestone` is rejected.
    case ended

    public var description: String { rawValue }

    /// Whether the session still counts as a call (anything but `ended`).
    public var isLive: Bool { self != .ended }
}
