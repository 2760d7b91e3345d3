/// Errors of the PeerSession module. A method that throws leaves the session
/// exactly as it was (state, queues, timers and event log).
public enum PeerSessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `event` is not legal in `state`; `reason` says why, for logs and error replies.
    case illegalEvent(event: PeerSessionEvent, state: PeerSessionState, reason: String)
    /// A remote candidate arrived while `limit` candidates were already queued
    /// waiting for the remote description.
    case candidateQueueFull(limit: Int)

    public var description: String {
        switch self {
        case .illegalEvent(let event, let state, let reason):
            "illegal event \(event) in state \(state): \(reason)"
        case .candidateQueueFull(let limit):
            "remote candidate queue full (\(limit) waiting for the remote description)"
        }
    }
}
