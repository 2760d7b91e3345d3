/// The events a `PeerSession` takes, one per mutating method, named for
/// errors and the event log. The raw values are stable strings.
public enum PeerSessionEvent: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// `receiveCallInit(now:)`: the peer's `call:init`.
    case callInit = "call-init"
    /// `placeCall(now:)`: Capstan calls a registered peer.
    case placeCall = "place-call"
    /// `acceptCall(now:)`: local accept of an incoming call.
    case accept
    /// `receiveCallAccept(now:)`: the called peer's `call:accept`.
    case remoteAccept = "remote-accept"
    /// `rejectCall(reason:now:)`: local reject of an incoming call.
    case reject
    /// `receiveCallReject(reason:now:)`: the called peer's `call:reject`.
    case remoteReject = "remote-reject"
    /// `receiveOffer(now:)`: the peer's SDP offer (WHIP `POST` or WebSocket `offer`).
    case offer
    /// `localOfferCreated(sdp:now:)`: the driver built Capstan's offer.
    case localOffer = "local-offer"
    /// `localAnswerCreated(sdp:now:)`: the driver built Capstan's answer.
    case localAnswer = "local-answer"
    /// `receiveAnswer(now:)`: the peer's SDP answer.
    case answer
    /// `receiveRemoteCandidate(_:now:)`: a trickled remote ICE candidate.
    case candidate
    /// `receiveEndOfCandidates(now:)`: the peer's end-of-candidates.
    case endOfCandidates = "end-of-candidates"
    /// `negotiationFailed(detail:now:)`: the offer or answer is unusable
    /// (`bad-offer`, `bad-answer`, …).
    case negotiationFailed = "negotiation-failed"
    /// `restartICE(now:)`: the peer restarted ICE (WHIP `PATCH` with new credentials).
    case iceRestart = "ice-restart"
    /// `transportConnected(now:)`: ICE and DTLS are up, SRTP keyed.
    case transportConnected = "transport-connected"
    /// `transportFailed(detail:now:)`: ICE, DTLS, SRTP or consent failed.
    case transportFailed = "transport-failed"
    /// `hangup(now:)`: local hangup.
    case hangup
    /// `receiveHangup(now:)`: the peer hung up.
    case remoteHangup = "remote-hangup"
    /// `shutdown(now:)`: the daemon is stopping.
    case shutdown
    /// `storageFailed(detail:now:)`: the recording could not be written.
    case storageFailed = "storage-failed"
    /// `teardownCompleted(now:)`: the driver finished the teardown actions of `ending`.
    case teardownCompleted = "teardown-completed"

    public var description: String { rawValue }
}
