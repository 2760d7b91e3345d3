import PeerSession
import Testing

let ms: UInt64 = 1_000_000
let sec: UInt64 = 1_000_000_000
/// Monotonic start of every test session (not zero, so offsets are real subtractions).
let t0: UInt64 = 5 * sec
/// 2025-11-21T00:00:00Z in Unix nanoseconds.
let wall0: Int64 = 1_763_683_200_000_000_000

let testConfiguration = PeerSessionConfiguration(
    ringTimeoutNs: 30 * sec, negotiationTimeoutNs: 10 * sec, maxDurationNs: 3_600 * sec,
    maxQueuedCandidates: 8, eventLogCapacity: 500)

func newSession(_ configuration: PeerSessionConfiguration = testConfiguration) -> PeerSession {
    PeerSession(configuration: configuration, now: t0, wallClockUnixNs: wall0)
}

let failureDetail = "test-detail"
let storageDetail = "ENOSPC"

/// Drives one event through its method, with fixed payloads. The mapping is
/// written here, independently of the implementation.
@discardableResult
func apply(_ event: PeerSessionEvent, to session: inout PeerSession, now: UInt64) throws -> [PeerSessionAction] {
    switch event {
    case .callInit: try session.receiveCallInit(now: now)
    case .placeCall: try session.placeCall(now: now)
    case .accept: try session.acceptCall(now: now)
    case .remoteAccept: try session.receiveCallAccept(now: now)
    case .reject: try session.rejectCall(now: now)
    case .remoteReject: try session.receiveCallReject(now: now)
    case .offer: try session.receiveOffer(now: now)
    case .localOffer: try session.localOfferCreated(sdp: "v=0 local-offer", now: now)
    case .localAnswer: try session.localAnswerCreated(sdp: "v=0 local-answer", now: now)
    case .answer: try session.receiveAnswer(now: now)
    case .negotiationFailed: try session.negotiationFailed(detail: failureDetail, now: now)
    case .candidate: try session.receiveRemoteCandidate("candidate:1 1 udp 1 192.0.2.1 5000 typ host", now: now)
    case .endOfCandidates: try session.receiveEndOfCandidates(now: now)
    case .iceRestart: try session.restartICE(now: now)
    case .transportConnected: try session.transportConnected(now: now)
    case .transportFailed: try session.transportFailed(detail: failureDetail, now: now)
    case .hangup: try session.hangup(now: now)
    case .remoteHangup: try session.receiveHangup(now: now)
    case .shutdown: try session.shutdown(now: now)
    case .storageFailed: try session.storageFailed(detail: storageDetail, now: now)
    case .teardownCompleted: try session.teardownCompleted(now: now)
    }
}

/// Named starting points, each reached through the public API from a new session.
enum Setup: String, CaseIterable, Sendable {
    case idle
    case outgoingInit = "outgoing-init"
    case incomingInit = "incoming-init"
    case negAwaitingOffer = "negotiating/ws-accepted-awaiting-offer"
    case negOfferReceived = "negotiating/whip-offer-received"
    case negAnswererTransport = "negotiating/answer-sent-transport-started"
    case negAnswererTransportEOC = "negotiating/transport-started-end-of-candidates"
    case negCreatingOffer = "negotiating/remote-accepted-creating-offer"
    case negAwaitingAnswer = "negotiating/offer-sent-awaiting-answer"
    case negOffererTransport = "negotiating/answer-received-transport-started"
    case active
    case endingFromActive = "ending/from-active"
    case endingFromNegotiating = "ending/from-negotiating"
    case endedDirect = "ended/rejected"
    case endedAfterTeardown = "ended/after-teardown"

    var events: [PeerSessionEvent] {
        switch self {
        case .idle: []
        case .outgoingInit: [.placeCall]
        case .incomingInit: [.callInit]
        case .negAwaitingOffer: [.callInit, .accept]
        case .negOfferReceived: [.offer]
        case .negAnswererTransport: [.offer, .localAnswer]
        case .negAnswererTransportEOC: [.offer, .localAnswer, .endOfCandidates]
        case .negCreatingOffer: [.placeCall, .remoteAccept]
        case .negAwaitingAnswer: [.placeCall, .remoteAccept, .localOffer]
        case .negOffererTransport: [.placeCall, .remoteAccept, .localOffer, .answer]
        case .active: [.offer, .localAnswer, .transportConnected]
        case .endingFromActive: [.offer, .localAnswer, .transportConnected, .hangup]
        case .endingFromNegotiating: [.offer, .localAnswer, .hangup]
        case .endedDirect: [.callInit, .reject]
        case .endedAfterTeardown: [.offer, .localAnswer, .transportConnected, .remoteHangup, .teardownCompleted]
        }
    }

    func make(_ configuration: PeerSessionConfiguration = testConfiguration) throws -> PeerSession {
        var session = newSession(configuration)
        var now = t0
        for event in events {
            now += 10 * ms
            try apply(event, to: &session, now: now)
        }
        return session
    }
}

/// Runs the actions' teardown like a driver would: `teardownCompleted` when `ending` was entered.
func completeTeardownIfEnding(_ session: inout PeerSession, _ actions: [PeerSessionAction], now: UInt64) throws -> [PeerSessionAction] {
    guard session.state == .ending else { return actions }
    return actions + (try session.teardownCompleted(now: now))
}

func count(_ actions: [PeerSessionAction], where predicate: (PeerSessionAction) -> Bool) -> Int {
    actions.filter(predicate).count
}

func isDetach(_ action: PeerSessionAction) -> Bool {
    if case .detachMediaAndFinalize = action { return true }
    return false
}

func isAttach(_ action: PeerSessionAction) -> Bool { action == .attachMedia }

func isEnded(_ action: PeerSessionAction) -> Bool {
    if case .ended = action { return true }
    return false
}
