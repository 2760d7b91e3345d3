import PeerSession
import Testing

/// What one event does in one starting point.
enum Outcome: Sendable, Equatable, CustomStringConvertible {
    /// Rejected with `illegalEvent`; nothing changes.
    case illegal
    /// Accepted; the state stays.
    case stay
    /// Accepted; the state changes to this one (no end decided).
    case to(PeerSessionState)
    /// Accepted; the session ends: to `ending` or `ended` with this reason.
    case end(PeerSessionState, EndReason)

    var description: String {
        switch self {
        case .illegal: "illegal"
        case .stay: "stay"
        case .to(let state): "→ \(state)"
        case .end(let state, let reason): "→ \(state) (\(reason))"
        }
    }
}

struct TransitionCase: Sendable, CustomTestStringConvertible {
    let setup: Setup
    let event: PeerSessionEvent
    let outcome: Outcome
    var testDescription: String { "\(setup.rawValue) + \(event.rawValue): \(outcome)" }
}

private let X = Outcome.illegal
private let S = Outcome.stay
private let failedDetail = EndReason.failed(detail: failureDetail)

/// Columns of the table, in this order.
private let columns: [PeerSessionEvent] = [
    .callInit, .placeCall, .accept, .remoteAccept, .reject, .remoteReject,
    .offer, .localOffer, .localAnswer, .answer, .negotiationFailed,
    .candidate, .endOfCandidates, .iceRestart,
    .transportConnected, .transportFailed,
    .hangup, .remoteHangup, .shutdown, .storageFailed, .teardownCompleted,
]

/// The explicit table: every starting point × every event.
private let rows: [(Setup, [Outcome])] = [
    //                 callInit           placeCall          accept             remoteAccept       reject                       remoteReject
    //                 offer              localOffer         localAnswer        answer             negotiationFailed
    //                 candidate          endOfCandidates    iceRestart         transportConnected transportFailed
    //                 hangup                         remoteHangup                    shutdown                    storageFailed            teardownCompleted
    (.idle, [.to(.incomingInit), .to(.outgoingInit), X, X, X, X,
             .to(.negotiating), X, X, X, X,
             X, X, X, X, X,
             X, X, .end(.ended, .shutdown), X, X]),
    (.outgoingInit, [X, X, X, .to(.negotiating), X, .end(.ended, .declined),
                     X, X, X, X, X,
                     X, X, X, X, X,
                     .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.incomingInit, [X, X, .to(.negotiating), X, .end(.ended, .declined), X,
                     X, X, X, X, X,
                     X, X, X, X, X,
                     .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.negAwaitingOffer, [X, X, X, X, X, X,
                         S, X, X, X, .end(.ended, failedDetail),
                         S, S, X, X, X,
                         .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.negOfferReceived, [X, X, X, X, X, X,
                         X, X, S, X, .end(.ended, failedDetail),
                         S, S, X, X, X,
                         .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.negAnswererTransport, [X, X, X, X, X, X,
                             X, X, X, X, .end(.ending, failedDetail),
                             S, S, S, .to(.active), .end(.ending, failedDetail),
                             .end(.ending, .localHangup), .end(.ending, .remoteHangup), .end(.ending, .shutdown), X, X]),
    (.negAnswererTransportEOC, [X, X, X, X, X, X,
                                X, X, X, X, .end(.ending, failedDetail),
                                X, X, S, .to(.active), .end(.ending, failedDetail),
                                .end(.ending, .localHangup), .end(.ending, .remoteHangup), .end(.ending, .shutdown), X, X]),
    (.negCreatingOffer, [X, X, X, X, X, X,
                         X, S, X, X, .end(.ended, failedDetail),
                         S, S, X, X, X,
                         .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.negAwaitingAnswer, [X, X, X, X, X, X,
                          X, X, X, S, .end(.ended, failedDetail),
                          S, S, X, X, X,
                          .end(.ended, .localHangup), .end(.ended, .remoteHangup), .end(.ended, .shutdown), X, X]),
    (.negOffererTransport, [X, X, X, X, X, X,
                            X, X, X, X, .end(.ending, failedDetail),
                            S, S, S, .to(.active), .end(.ending, failedDetail),
                            .end(.ending, .localHangup), .end(.ending, .remoteHangup), .end(.ending, .shutdown), X, X]),
    (.active, [X, X, X, X, X, X,
               X, X, X, X, X,
               S, S, S, X, .end(.ending, failedDetail),
               .end(.ending, .localHangup), .end(.ending, .remoteHangup), .end(.ending, .shutdown), .end(.ending, .storage), X]),
    (.endingFromActive, [X, X, X, X, X, X,
                         X, X, X, X, X,
                         X, X, X, X, X,
                         X, X, X, X, .end(.ended, .localHangup)]),
    (.endingFromNegotiating, [X, X, X, X, X, X,
                              X, X, X, X, X,
                              X, X, X, X, X,
                              X, X, X, X, .end(.ended, .localHangup)]),
    (.endedDirect, [X, X, X, X, X, X,
                    X, X, X, X, X,
                    X, X, X, X, X,
                    X, X, X, X, X]),
    (.endedAfterTeardown, [X, X, X, X, X, X,
                           X, X, X, X, X,
                           X, X, X, X, X,
                           X, X, X, X, X]),
]

private let allCases: [TransitionCase] = rows.flatMap { setup, outcomes in
    zip(columns, outcomes).map { TransitionCase(setup: setup, event: $0, outcome: $1) }
}

struct PeerSessionTransitionTableTests {
    @Test("the table covers every starting point × every event, once")
    func tableIsComplete() {
        #expect(Set(columns) == Set(PeerSessionEvent.allCases))
        #expect(columns.count == PeerSessionEvent.allCases.count)
        #expect(rows.map(\.0) == Setup.allCases)
        for (setup, outcomes) in rows {
            #expect(outcomes.count == columns.count, "row \(setup.rawValue)")
        }
        // Every state of the lifecycle is a starting point.
        let states = Set(Setup.allCases.compactMap { try? $0.make().state })
        #expect(states == Set(PeerSessionState.allCases))
    }

    @Test("every (state, event) pair", arguments: allCases)
    func transition(_ c: TransitionCase) throws {
        var session = try c.setup.make()
        let before = session
        let now = t0 + 1 * sec
        switch c.outcome {
        case .illegal:
            do {
                let actions = try apply(c.event, to: &session, now: now)
                Issue.record("accepted, returned \(actions)")
            } catch let error as PeerSessionError {
                guard case .illegalEvent(let event, let state, let reason) = error else {
                    Issue.record("wrong error \(error)"); return
                }
                #expect(event == c.event)
                #expect(state == before.state)
                #expect(!reason.isEmpty)
            }
            #expect(session == before, "an illegal event changed the session")
        case .stay:
            let actions = try apply(c.event, to: &session, now: now)
            #expect(session.state == before.state)
            #expect(!actions.contains { if case .notifyStateChanged = $0 { true } else { false } })
        case .to(let next):
            let actions = try apply(c.event, to: &session, now: now)
            #expect(session.state == next)
            #expect(actions.first == .notifyStateChanged(from: before.state, to: next))
            #expect(session.endReason == nil)
        case .end(let next, let reason):
            let actions = try apply(c.event, to: &session, now: now)
            #expect(session.state == next)
            #expect(session.endReason == reason)
            #expect(actions.first == .notifyStateChanged(from: before.state, to: next))
            if next == .ended {
                #expect(actions.last == .ended(reason))
                #expect(session.endedAt == now)
            } else {
                #expect(!actions.contains(where: isEnded))
                #expect(actions.last == .stopTransport)
            }
        }
    }
}
