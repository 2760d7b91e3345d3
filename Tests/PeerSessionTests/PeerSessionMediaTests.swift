import PeerSession
import Testing

/// Builds `setup` and returns every action it produced.
func makeRecording(_ setup: Setup) throws -> (PeerSession, [PeerSessionAction]) {
    var session = newSession()
    var actions: [PeerSessionAction] = []
    var now = t0
    for event in setup.events {
        now += 10 * ms
        actions += try apply(event, to: &session, now: now)
    }
    return (session, actions)
}

/// One way of ending a session.
enum Ender: String, CaseIterable, Sendable {
    case localHangup, remoteHangup, transportFailed, negotiationFailed, shutdown, storage, timeout, reject, remoteReject

    func run(_ s: inout PeerSession) throws -> [PeerSessionAction] {
        let now = t0 + 100 * sec
        switch self {
        case .localHangup: return try s.hangup(now: now)
        case .remoteHangup: return try s.receiveHangup(now: now)
        case .transportFailed: return try s.transportFailed(detail: "consent-lost", now: now)
        case .negotiationFailed: return try s.negotiationFailed(detail: "bad-offer", now: now)
        case .shutdown: return try s.shutdown(now: now)
        case .storage: return try s.storageFailed(detail: "disk full", now: now)
        case .timeout: return s.tick(now: .max)
        case .reject: return try s.rejectCall(reason: .busy, now: now)
        case .remoteReject: return try s.receiveCallReject(reason: .busy, now: now)
        }
    }
}

struct PeerSessionMediaTests {
    @Test("attachMedia only on entering active, after startTransport")
    func attachOnActive() throws {
        let (s, actions) = try makeRecording(.active)
        #expect(s.mediaAttached)
        #expect(count(actions, where: isAttach) == 1)
        let attach = try #require(actions.firstIndex(of: .attachMedia))
        let start = try #require(actions.firstIndex(of: .startTransport))
        #expect(start < attach)
        #expect(actions[attach - 1] == .notifyStateChanged(from: .negotiating, to: .active))
        for setup in Setup.allCases where ![.active, .endingFromActive, .endedAfterTeardown].contains(setup) {
            let (_, other) = try makeRecording(setup)
            #expect(count(other, where: isAttach) == 0, "\(setup.rawValue)")
        }
    }

    static let afterActive: [(Ender, EndReason)] = [
        (.localHangup, .localHangup), (.remoteHangup, .remoteHangup),
        (.transportFailed, .failed(detail: "consent-lost")), (.shutdown, .shutdown),
        (.storage, .storage), (.timeout, .maxDuration),
    ]

    @Test("every end after active: detachMediaAndFinalize exactly once, before stopTransport, then ended",
          arguments: afterActive)
    func detachOnceAfterActive(_ ender: Ender, _ reason: EndReason) throws {
        var (s, actions) = try makeRecording(.active)
        actions += try ender.run(&s)
        #expect(s.state == .ending)
        #expect(!s.mediaAttached)
        actions += try s.teardownCompleted(now: t0 + 101 * sec)
        // Anything after ended is refused: no second finalize can sneak in.
        for event in PeerSessionEvent.allCases {
            #expect(throws: PeerSessionError.self) { try apply(event, to: &s, now: t0 + 102 * sec) }
        }
        actions += s.tick(now: .max)

        #expect(count(actions, where: isDetach) == 1)
        let detach = try #require(actions.firstIndex(of: .detachMediaAndFinalize(reason)))
        let stop = try #require(actions.firstIndex(of: .stopTransport))
        #expect(try #require(actions.firstIndex(of: .attachMedia)) < detach)
        #expect(detach < stop)
        #expect(count(actions, where: { $0 == .stopTransport }) == 1)
        #expect(count(actions, where: isEnded) == 1)
        #expect(actions.last == .ended(reason))
        #expect(s.state == .ended)
        #expect(s.reachedActive)
    }

    static let neverActive: [(Setup, Ender)] = {
        var cases: [(Setup, Ender)] = []
        let pre: [Setup] = [.idle, .outgoingInit, .incomingInit, .negAwaitingOffer, .negOfferReceived,
                            .negAnswererTransport, .negCreatingOffer, .negAwaitingAnswer, .negOffererTransport]
        for setup in pre {
            for ender in Ender.allCases {
                var s = try! setup.make()
                if (try? ender.run(&s)) != nil, s.state == .ending || s.state == .ended {
                    cases.append((setup, ender))
                }
            }
        }
        return cases
    }()

    @Test("the never-active end paths are the expected ones")
    func neverActiveCoverage() {
        #expect(Self.neverActive.count == 43)
        #expect(Set(Self.neverActive.map(\.0)).count == 9)
    }

    @Test("sessions that never reached active never get attach or detach, and end exactly once",
          arguments: neverActive)
    func noMediaWithoutActive(_ setup: Setup, _ ender: Ender) throws {
        var (s, actions) = try makeRecording(setup)
        actions += try ender.run(&s)
        actions = try completeTeardownIfEnding(&s, actions, now: t0 + 101 * sec)
        #expect(s.state == .ended)
        #expect(!s.reachedActive)
        #expect(count(actions, where: isAttach) == 0)
        #expect(count(actions, where: isDetach) == 0)
        #expect(count(actions, where: isEnded) == 1)
        // The transport is stopped if and only if it was started.
        #expect(count(actions, where: { $0 == .stopTransport }) == count(actions, where: { $0 == .startTransport }))
    }

    @Test("WHIP path: the exact actions from offer to ended")
    func whipSequence() throws {
        var s = newSession()
        var actions = try s.receiveOffer(now: t0)
        actions += try s.localAnswerCreated(sdp: "answer", now: t0 + ms)
        actions += try s.transportConnected(now: t0 + 300 * ms)
        actions += try s.receiveHangup(now: t0 + 20 * sec)
        actions += try s.teardownCompleted(now: t0 + 20 * sec + 5 * ms)
        #expect(actions == [
            .notifyStateChanged(from: .idle, to: .negotiating), .createAnswer,
            .sendAnswer(sdp: "answer"), .startTransport,
            .notifyStateChanged(from: .negotiating, to: .active), .attachMedia,
            .notifyStateChanged(from: .active, to: .ending), .detachMediaAndFinalize(.remoteHangup), .stopTransport,
            .notifyStateChanged(from: .ending, to: .ended), .ended(.remoteHangup),
        ])
        #expect(s.role == .answerer)
        #expect(s.activeAt == t0 + 300 * ms)
        #expect(s.endedAt == t0 + 20 * sec + 5 * ms)
    }

    @Test("WebSocket, an offer with nothing to record: call:reject (not a hangup), ended failed, and only before an answer")
    func offerRefused() throws {
        var s = try Setup.negAwaitingOffer.make()
        let actions = try s.offerRefused(detail: "unsupported-codecs", now: t0 + sec)
        #expect(actions == [
            .notifyStateChanged(from: .negotiating, to: .ended), .sendCallReject(.failed(detail: "unsupported-codecs")),
            .ended(.failed(detail: "unsupported-codecs")),
        ])
        #expect(s.endReason == .failed(detail: "unsupported-codecs"))
        var answered = try Setup.negAnswererTransport.make()
        #expect(throws: PeerSessionError.self) { try answered.offerRefused(detail: "unsupported-codecs", now: t0 + sec) }
        var idle = newSession()
        #expect(throws: PeerSessionError.self) { try idle.offerRefused(detail: "unsupported-codecs", now: t0) }
    }

    @Test("WebSocket, peer calls: the exact actions from call:init to active")
    func incomingSequence() throws {
        var s = newSession()
        var actions = try s.receiveCallInit(now: t0)
        actions += try s.acceptCall(now: t0)
        actions += try s.receiveOffer(now: t0)
        actions += try s.localAnswerCreated(sdp: "answer", now: t0)
        actions += try s.transportConnected(now: t0)
        #expect(actions == [
            .notifyStateChanged(from: .idle, to: .incomingInit),
            .notifyStateChanged(from: .incomingInit, to: .negotiating), .sendCallAccept,
            .createAnswer, .sendAnswer(sdp: "answer"), .startTransport,
            .notifyStateChanged(from: .negotiating, to: .active), .attachMedia,
        ])
    }

    @Test("WebSocket, Capstan calls: the exact actions from placeCall to active")
    func outgoingSequence() throws {
        var s = newSession()
        var actions = try s.placeCall(now: t0)
        actions += try s.receiveCallAccept(now: t0)
        actions += try s.localOfferCreated(sdp: "offer", now: t0)
        actions += try s.receiveAnswer(now: t0)
        actions += try s.transportConnected(now: t0)
        #expect(actions == [
            .notifyStateChanged(from: .idle, to: .outgoingInit), .sendCallInit,
            .notifyStateChanged(from: .outgoingInit, to: .negotiating), .createOffer,
            .sendOffer(sdp: "offer"), .startTransport,
            .notifyStateChanged(from: .negotiating, to: .active), .attachMedia,
        ])
        #expect(s.role == .offerer)
    }

    @Test("what the peer is told", arguments: [
        (Setup.incomingInit, Ender.localHangup, PeerSessionAction?.some(.sendCallReject(.localHangup))),
        (.incomingInit, .shutdown, .sendCallReject(.shutdown)),
        (.incomingInit, .reject, .sendCallReject(.busy)),
        (.incomingInit, .remoteHangup, nil),
        (.outgoingInit, .localHangup, .sendHangup(.localHangup)),
        (.outgoingInit, .remoteReject, nil),
        (.negAwaitingOffer, .negotiationFailed, .sendHangup(.failed(detail: "bad-offer"))),
        (.active, .storage, .sendHangup(.storage)),
        (.active, .remoteHangup, nil),
        (.idle, .shutdown, nil),
    ])
    func peerMessage(_ setup: Setup, _ ender: Ender, _ expected: PeerSessionAction?) throws {
        var s = try setup.make()
        let actions = try ender.run(&s)
        let sent = actions.filter {
            switch $0 {
            case .sendHangup, .sendCallReject: true
            default: false
            }
        }
        #expect(sent == (expected.map { [$0] } ?? []))
    }
}
