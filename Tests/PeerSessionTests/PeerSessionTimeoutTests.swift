import PeerSession
import Testing

struct PeerSessionTimeoutTests {
    @Test("ring timeout, incoming: missed at the deadline, refused with call:reject", arguments: [false, true])
    func incomingRingTimeout(lateTick: Bool) throws {
        var s = newSession()
        try s.receiveCallInit(now: t0)
        #expect(s.nextDeadline == t0 + 30 * sec)
        #expect(s.tick(now: t0 + 30 * sec - 1) == [])
        #expect(s.state == .incomingInit)
        let fire = t0 + 30 * sec + (lateTick ? 7 * sec : 0)
        let actions = s.tick(now: fire)
        #expect(actions == [.notifyStateChanged(from: .incomingInit, to: .ended), .sendCallReject(.missed), .ended(.missed)])
        #expect(s.endReason == .missed)
        #expect(s.nextDeadline == nil)
        #expect(s.tick(now: fire + 100 * sec) == [])
    }

    @Test("ring timeout, outgoing: missed, the call is cancelled with call:hangup")
    func outgoingRingTimeout() throws {
        var s = newSession()
        try s.placeCall(now: t0 + sec)
        #expect(s.nextDeadline == t0 + 31 * sec)
        let actions = s.tick(now: t0 + 31 * sec)
        #expect(actions == [.notifyStateChanged(from: .outgoingInit, to: .ended), .sendHangup(.missed), .ended(.missed)])
    }

    @Test("accept before the ring deadline avoids missed; the negotiation deadline takes over")
    func acceptAvoidsRingTimeout() throws {
        var s = newSession()
        try s.receiveCallInit(now: t0)
        try s.acceptCall(now: t0 + 29 * sec)
        #expect(s.nextDeadline == t0 + 39 * sec)
        #expect(s.tick(now: t0 + 30 * sec) == [])
        #expect(s.tick(now: t0 + 38 * sec) == [])
        #expect(s.state == .negotiating)
        #expect(s.endReason == nil)
    }

    @Test("negotiation timeout before the transport starts: failed(negotiation-timeout), straight to ended")
    func negotiationTimeoutNoTransport() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        #expect(s.nextDeadline == t0 + 10 * sec)
        #expect(s.tick(now: t0 + 10 * sec - 1) == [])
        let reason = EndReason.failed(detail: "negotiation-timeout")
        #expect(s.tick(now: t0 + 10 * sec) == [.notifyStateChanged(from: .negotiating, to: .ended), .sendHangup(reason), .ended(reason)])
    }

    @Test("negotiation timeout with the transport started: ending, transport stopped, no media finalize")
    func negotiationTimeoutWithTransport() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        try s.localAnswerCreated(sdp: "a", now: t0 + 5 * sec)
        // Progress does not move the deadline.
        #expect(s.nextDeadline == t0 + 10 * sec)
        let reason = EndReason.failed(detail: "negotiation-timeout")
        #expect(s.tick(now: t0 + 12 * sec) == [.notifyStateChanged(from: .negotiating, to: .ending), .sendHangup(reason), .stopTransport])
        #expect(s.nextDeadline == nil)
        #expect(try s.teardownCompleted(now: t0 + 12 * sec) == [.notifyStateChanged(from: .ending, to: .ended), .ended(reason)])
    }

    @Test("connecting before the negotiation deadline avoids the failure")
    func connectAvoidsNegotiationTimeout() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        try s.localAnswerCreated(sdp: "a", now: t0 + sec)
        try s.transportConnected(now: t0 + 10 * sec - 1)
        #expect(s.tick(now: t0 + 11 * sec) == [])
        #expect(s.state == .active)
    }

    @Test("max duration counts from active and ends max-duration through ending with finalize")
    func maxDuration() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        try s.localAnswerCreated(sdp: "a", now: t0)
        try s.transportConnected(now: t0 + 2 * sec)
        #expect(s.nextDeadline == t0 + 3_602 * sec)
        #expect(s.tick(now: t0 + 3_602 * sec - 1) == [])
        #expect(s.tick(now: t0 + 3_602 * sec) == [
            .notifyStateChanged(from: .active, to: .ending), .sendHangup(.maxDuration),
            .detachMediaAndFinalize(.maxDuration), .stopTransport,
        ])
        #expect(try s.teardownCompleted(now: t0 + 3_603 * sec).last == .ended(.maxDuration))
    }

    @Test("hanging up before max duration avoids it; no max duration when not configured")
    func maxDurationAvoided() throws {
        var s = try Setup.active.make()
        _ = try s.hangup(now: t0 + 100 * sec)
        #expect(s.tick(now: t0 + 10_000 * sec) == [])
        #expect(s.endReason == .localHangup)

        var config = testConfiguration
        config.maxDurationNs = nil
        var unlimited = try Setup.active.make(config)
        #expect(unlimited.nextDeadline == nil)
        #expect(unlimited.tick(now: .max) == [])
        #expect(unlimited.state == .active)
    }

    @Test("no deadline in idle, ending or ended", arguments: [Setup.idle, .endingFromActive, .endedDirect, .endedAfterTeardown])
    func noDeadline(_ setup: Setup) throws {
        var s = try setup.make()
        let before = s
        #expect(s.nextDeadline == nil)
        #expect(s.tick(now: .max) == [])
        #expect(s == before)
    }

    @Test("deadlines saturate instead of overflowing")
    func saturatingDeadline() throws {
        var s = newSession(PeerSessionConfiguration(ringTimeoutNs: .max))
        try s.receiveCallInit(now: t0)
        #expect(s.nextDeadline == .max)
    }
}
