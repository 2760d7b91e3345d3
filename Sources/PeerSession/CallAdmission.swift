/// Whether the server takes one more call: the busy rule of DESIGN.md §2
/// ("a second `init` while busy is rejected with reason `busy`"), decided
/// across sessions by the server, not by a single `PeerSession`.
///
/// Count as active every session whose state `isLive` (not `ended`). When the
/// answer is `.reject(.busy)`, refuse a WebSocket `call:init` by driving a
/// fresh session through `receiveCallInit` and `rejectCall(reason: .busy)`
/// (it then sends `call:reject` with `busy` and ends `busy`, leaving a log),
/// or answer a WHIP `POST` with `503`.
public struct CallAdmission: Sendable, Equatable {
    /// The decision for one new call.
    public enum Decision: Sendable, Equatable {
        /// Take the call.
        case admit
        /// Refuse it with this end reason (always `.busy`).
        case reject(EndReason)
    }

    /// Most calls that may be live at once; `0` refuses every call.
    public var maxActiveCalls: Int

    public init(maxActiveCalls: Int) {
        self.maxActiveCalls = maxActiveCalls
    }

    /// The decision for a new call when `activeCalls` are already live.
    public func decide(activeCalls: Int) -> Decision {
        Self.shouldRejectAsBusy(activeCalls: activeCalls, limit: maxActiveCalls) ? .reject(.busy) : .admit
    }

    /// `true` when `activeCalls` already reach `limit`, so a new call gets `busy`.
    public static func shouldRejectAsBusy(activeCalls: Int, limit: Int) -> Bool {
        activeCalls >= max(0, limit)
    }
}
