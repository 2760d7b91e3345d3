/// One line of a session's event log: a state change, a signalling or
/// negotiation event, or a transport/media milestone. Exposed by
/// `GET /api/sessions/{id}` and kept in the recording's sidecar.
///
/// JSON: `{"unixMs": 1763760000123, "sinceStartMs": 412, "kind": "transition",
/// "name": "transport-connected", "from": "negotiating", "to": "active"}`
/// (`from`, `to` and `detail` omitted when nil).
public struct SessionLogEntry: Sendable, Equatable, Codable {
    /// What the entry records.
    public enum Kind: String, Sendable, Codable {
        /// A state change; `from` and `to` are set; `name` is the event or timeout
        /// that caused it; `detail` is the end reason when entering `ending`/`ended`.
        case transition
        /// An accepted event that kept the state (offer, answer, end-of-candidates…).
        case event
        /// A milestone reported by the driver (`ice-connected`, `dtls-connected`,
        /// `first-keyframe`, …).
        case milestone
    }

    /// Wall-clock time, Unix milliseconds: the session's wall-clock anchor plus
    /// the monotonic offset, or the wall clock the driver passed with a milestone.
    public var unixMs: Int64
    /// Monotonic milliseconds since the session was created.
    public var sinceStartMs: UInt64
    public var kind: Kind
    /// The event name (`PeerSessionEvent` raw value), the timeout
    /// (`ring-timeout`, `negotiation-timeout`, `max-duration`), or the milestone.
    public var name: String
    public var from: PeerSessionState?
    public var to: PeerSessionState?
    public var detail: String?

    public init(unixMs: Int64, sinceStartMs: UInt64, kind: Kind, name: String,
                from: PeerSessionState? = nil, to: PeerSessionState? = nil, detail: String? = nil) {
        self.unixMs = unixMs
        self.sinceStartMs = sinceStartMs
        self.kind = kind
        self.name = name
        self.from = from
        self.to = to
        self.detail = detail
    }
}
