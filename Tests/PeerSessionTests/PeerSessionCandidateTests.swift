import PeerSession
import Testing

struct PeerSessionCandidateTests {
    static let candidates = (1...5).map { "candidate:\($0) 1 udp \(100 - $0) 192.0.2.\($0) 500\($0) typ host" }

    @Test("answerer: candidates queued before the descriptions are released in order right after startTransport")
    func answererQueue() throws {
        var s = newSession()
        try s.receiveCallInit(now: t0)
        try s.acceptCall(now: t0)
        for c in Self.candidates.prefix(3) {
            #expect(try s.receiveRemoteCandidate(c, now: t0) == [])
        }
        #expect(s.queuedCandidateCount == 3)
        #expect(try s.receiveOffer(now: t0) == [.createAnswer])
        // Remote description known, transport not running yet: still queued.
        #expect(try s.receiveRemoteCandidate(Self.candidates[3], now: t0) == [])
        #expect(try s.receiveEndOfCandidates(now: t0) == [])
        let actions = try s.localAnswerCreated(sdp: "answer", now: t0)
        #expect(actions == [.sendAnswer(sdp: "answer"), .startTransport,
                            .applyRemoteCandidates(Array(Self.candidates.prefix(4))), .applyEndOfCandidates])
        #expect(s.queuedCandidateCount == 0)
    }

    @Test("offerer: candidates queued until the answer, then released in order")
    func offererQueue() throws {
        var s = newSession()
        try s.placeCall(now: t0)
        try s.receiveCallAccept(now: t0)
        try s.localOfferCreated(sdp: "offer", now: t0)
        try s.receiveRemoteCandidate(Self.candidates[1], now: t0)
        try s.receiveRemoteCandidate(Self.candidates[0], now: t0)
        #expect(try s.receiveAnswer(now: t0) == [.startTransport, .applyRemoteCandidates([Self.candidates[1], Self.candidates[0]])])
    }

    @Test("after the transport starts, each candidate is applied at once; end-of-candidates too")
    func immediateAfterStart() throws {
        var s = try Setup.negAnswererTransport.make()
        #expect(try s.receiveRemoteCandidate(Self.candidates[0], now: t0) == [.applyRemoteCandidates([Self.candidates[0]])])
        try s.transportConnected(now: t0)
        #expect(try s.receiveRemoteCandidate(Self.candidates[1], now: t0) == [.applyRemoteCandidates([Self.candidates[1]])])
        #expect(try s.receiveEndOfCandidates(now: t0) == [.applyEndOfCandidates])
        #expect(s.remoteCandidatesComplete)
    }

    @Test("no candidates released without any queued; no empty apply")
    func nothingQueued() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        #expect(try s.localAnswerCreated(sdp: "a", now: t0) == [.sendAnswer(sdp: "a"), .startTransport])
    }

    @Test("the queue is bounded: one over the limit throws and changes nothing")
    func queueBound() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        for i in 0..<testConfiguration.maxQueuedCandidates {
            try s.receiveRemoteCandidate("c\(i)", now: t0)
        }
        let before = s
        #expect(throws: PeerSessionError.candidateQueueFull(limit: 8)) {
            try s.receiveRemoteCandidate("one-too-many", now: t0)
        }
        #expect(s == before)
        let actions = try s.localAnswerCreated(sdp: "a", now: t0)
        #expect(actions.last == .applyRemoteCandidates((0..<8).map { "c\($0)" }))
    }

    @Test("after end-of-candidates further candidates are illegal until an ICE restart")
    func endOfCandidatesThenRestart() throws {
        var s = try Setup.active.make()
        try s.receiveEndOfCandidates(now: t0)
        #expect(throws: PeerSessionError.self) { try s.receiveRemoteCandidate("late", now: t0) }
        #expect(try s.restartICE(now: t0) == [])
        #expect(!s.remoteCandidatesComplete)
        #expect(try s.receiveRemoteCandidate("new-generation", now: t0) == [.applyRemoteCandidates(["new-generation"])])
    }

    @Test("ending drops queued candidates")
    func endingDropsQueue() throws {
        var s = newSession()
        try s.receiveOffer(now: t0)
        try s.receiveRemoteCandidate("c", now: t0)
        let actions = try s.receiveHangup(now: t0)
        #expect(s.queuedCandidateCount == 0)
        #expect(!actions.contains { if case .applyRemoteCandidates = $0 { true } else { false } })
    }
}
