/// What the driver (the server) must do after an event, in array order.
///
/// Rules the driver can rely on:
/// - A transition's `notifyStateChanged` comes first in its array.
/// - Start and teardown mirror each other: `startTransport` … `attachMedia`
///   on the way up; `detachMediaAndFinalize` then `stopTransport` on the way down.
/// - A session enters `ending` only when it has something to tear down (the
///   transport was started). Then the array holds the teardown actions and the
///   driver calls `teardownCompleted(now:)` once they are done; that call
///   returns `ended`. A session that never started its transport goes straight
///   to `ended` and the same array holds `ended`.
/// - `detachMediaAndFinalize` is returned exactly once for every session that
///   reached `active`, whatever the end reason, and never for the others.
/// - `ended` is returned exactly once per session, last.
public enum PeerSessionAction: Sendable, Equatable {
    /// The state changed: update metrics, the API view and logs.
    case notifyStateChanged(from: PeerSessionState, to: PeerSessionState)
    /// Send `call:init` to the peer being called.
    case sendCallInit
    /// Send `call:accept` to the caller.
    case sendCallAccept
    /// Refuse an unanswered incoming call: send `call:reject` with this reason.
    case sendCallReject(EndReason)
    /// End an accepted or outgoing call at the peer: send `call:hangup` with this
    /// reason. WHIP has no server-to-peer channel: a WHIP driver drops it.
    case sendHangup(EndReason)
    /// Build Capstan's offer (SDPOfferer), then call `localOfferCreated(sdp:now:)`
    /// (or `negotiationFailed(detail:now:)`).
    case createOffer
    /// Build the answer to the received offer (SDPAnswerer), then call
    /// `localAnswerCreated(sdp:now:)`; when the offer cannot be answered, call
    /// `negotiationFailed(detail: "bad-offer", now:)` instead.
    case createAnswer
    /// Send this offer to the peer (WebSocket `offer`).
    case sendOffer(sdp: String)
    /// Send this answer to the peer (WHIP `201` body, WebSocket `answer`).
    case sendAnswer(sdp: String)
    /// Create and start the TransportSession: both descriptions are known.
    case startTransport
    /// Give these remote candidates, in order, to the running transport.
    case applyRemoteCandidates([String])
    /// Tell the running transport the peer sent end-of-candidates.
    case applyEndOfCandidates
    /// Attach the MediaBridge receive pipeline (and send the first PLI).
    case attachMedia
    /// Detach the receive pipeline and finalize the recording and its sidecar
    /// with this end reason.
    case detachMediaAndFinalize(EndReason)
    /// Close the TransportSession and free its port routes.
    case stopTransport
    /// The session is over with this reason: count it, forget the session's
    /// timers, keep its record for the API.
    case ended(EndReason)
}
