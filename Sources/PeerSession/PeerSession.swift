/// The call lifecycle of one peer (DESIGN.md §2) as a sans-I/O state machine.
///
/// One mutating method per event; each takes `now` (the driver's monotonic
/// clock, nanoseconds), changes the state and returns the actions the driver
/// must carry out, in order (see `PeerSessionAction`). An event that is not
/// legal in the current state throws `PeerSessionError.illegalEvent` and
/// changes nothing. Timers are not run here: the driver schedules a timer for
/// `nextDeadline` and calls `tick(now:)`.
///
/// Paths:
/// - WHIP: `receiveOffer` (idle → negotiating) → `createAnswer` →
///   `localAnswerCreated` → `sendAnswer`, `startTransport` → `transportConnected`
///   → active.
/// - WebSocket, peer calls: `receiveCallInit` (→ incoming-init) → `acceptCall`
///   (→ negotiating, `sendCallAccept`) → `receiveOffer` → as WHIP.
/// - WebSocket, Capstan calls: `placeCall` (→ outgoing-init, `sendCallInit`) →
///   `receiveCallAccept` (→ negotiating, `createOffer`) → `localOfferCreated`
///   (`sendOffer`) → `receiveAnswer` (`startTransport`) → `transportConnected`.
///
/// Ending: a session whose transport was started goes to `ending` with the
/// teardown actions, then to `ended` on `teardownCompleted`; one whose
/// transport was never started goes straight to `ended`. An unanswered
/// incoming call is refused with `sendCallReject(reason)`; any other call the
/// peer knows of is ended with `sendHangup(reason)`, except when the peer
/// ended it (remote hangup or reject).
///
/// Remote candidates are queued until the transport is running — that is,
/// until both the remote description and Capstan's own description are known
/// and `startTransport` was returned — and then released, in arrival order,
/// in one `applyRemoteCandidates` right after `startTransport`; later ones are
/// released one by one. End-of-candidates follows the same gate.
///
/// Not thread-safe: a value type owned by its session's event loop.
public struct PeerSession: Sendable, Equatable {
    /// The configuration this session was created with.
    public let configuration: PeerSessionConfiguration
    /// Monotonic time of creation; the event log counts from here.
    public let createdAt: UInt64
    /// Wall clock at creation, Unix nanoseconds: the event log's anchor.
    public let createdAtUnixNs: Int64

    /// Where the call is, with what that state needs and nothing else
    /// (NIO style): a ringing call knows its direction, a negotiation its
    /// descriptions and queued candidates, a teardown what is left to tear
    /// down, an ended call its reason.
    enum Phase: Sendable, Equatable {
        case idle
        case ringing(Ringing)
        case negotiating(Negotiation)
        case active(Connected)
        case ending(Teardown)
        case ended(Ended)
    }

    /// `incoming-init` (Capstan answers) or `outgoing-init` (Capstan offers).
    struct Ringing: Sendable, Equatable {
        var role: NegotiationRole
        var since: UInt64
    }

    /// Offer/answer and ICE+DTLS under way.
    struct Negotiation: Sendable, Equatable {
        var role: NegotiationRole
        var since: UInt64
        var hasRemoteDescription = false
        var hasLocalDescription = false
        /// `startTransport` was returned.
        var transportStarted = false
        /// Remote candidates waiting for the transport.
        var queuedCandidates: [String] = []
        var endOfCandidatesPending = false
        var remoteCandidatesComplete = false
    }

    /// Media flows: the transport runs and the pipeline is attached.
    struct Connected: Sendable, Equatable {
        var role: NegotiationRole
        var negotiatingAt: UInt64
        var since: UInt64
        var remoteCandidatesComplete: Bool
    }

    /// The end is decided; what remains to tear down.
    struct Teardown: Sendable, Equatable {
        var reason: EndReason
        var role: NegotiationRole?
        var since: UInt64
        var negotiatingAt: UInt64?
        var activeAt: UInt64?
        var transportStarted: Bool
    }

    /// Terminal.
    struct Ended: Sendable, Equatable {
        var reason: EndReason
        var role: NegotiationRole?
        var negotiatingAt: UInt64?
        var activeAt: UInt64?
        var at: UInt64
    }

    private var phase: Phase = .idle
    /// The event log.
    public private(set) var log: SessionLog

    /// The current state.
    public var state: PeerSessionState {
        switch phase {
        case .idle: .idle
        case .ringing(let ringing): ringing.role == .answerer ? .incomingInit : .outgoingInit
        case .negotiating: .negotiating
        case .active: .active
        case .ending: .ending
        case .ended: .ended
        }
    }

    /// Monotonic time the current state was entered.
    public var stateEnteredAt: UInt64 {
        switch phase {
        case .idle: createdAt
        case .ringing(let ringing): ringing.since
        case .negotiating(let negotiation): negotiation.since
        case .active(let connected): connected.since
        case .ending(let teardown): teardown.since
        case .ended(let ended): ended.at
        }
    }

    /// Set once the end is decided (on entering `ending` or `ended`).
    public var endReason: EndReason? {
        switch phase {
        case .ending(let teardown): teardown.reason
        case .ended(let ended): ended.reason
        default: nil
        }
    }

    /// Capstan's side of offer/answer, known once the call direction is.
    public var role: NegotiationRole? {
        switch phase {
        case .idle: nil
        case .ringing(let ringing): ringing.role
        case .negotiating(let negotiation): negotiation.role
        case .active(let connected): connected.role
        case .ending(let teardown): teardown.role
        case .ended(let ended): ended.role
        }
    }

    /// The peer's description (offer or answer) has been received.
    public var hasRemoteDescription: Bool {
        switch phase {
        case .negotiating(let negotiation): negotiation.hasRemoteDescription
        case .active: true
        default: false
        }
    }

    /// Capstan's description (answer or offer) has been created.
    public var hasLocalDescription: Bool {
        switch phase {
        case .negotiating(let negotiation): negotiation.hasLocalDescription
        case .active: true
        default: false
        }
    }

    /// `startTransport` has been returned (and the transport not yet stopped).
    public var transportStarted: Bool {
        switch phase {
        case .negotiating(let negotiation): negotiation.transportStarted
        case .active: true
        case .ending(let teardown): teardown.transportStarted
        default: false
        }
    }

    /// `attachMedia` has been returned and `detachMediaAndFinalize` not yet:
    /// exactly while `active` (the teardown detaches first).
    public var mediaAttached: Bool {
        if case .active = phase { return true }
        return false
    }

    /// The session reached `active` at some point.
    public var reachedActive: Bool { activeAt != nil }

    /// Monotonic time of entering `negotiating`.
    public var negotiatingAt: UInt64? {
        switch phase {
        case .negotiating(let negotiation): negotiation.since
        case .active(let connected): connected.negotiatingAt
        case .ending(let teardown): teardown.negotiatingAt
        case .ended(let ended): ended.negotiatingAt
        default: nil
        }
    }

    /// Monotonic time of entering `active`.
    public var activeAt: UInt64? {
        switch phase {
        case .active(let connected): connected.since
        case .ending(let teardown): teardown.activeAt
        case .ended(let ended): ended.activeAt
        default: nil
        }
    }

    /// Monotonic time of entering `ended`.
    public var endedAt: UInt64? {
        if case .ended(let ended) = phase { return ended.at }
        return nil
    }

    /// The peer sent end-of-candidates for the current ICE generation.
    public var remoteCandidatesComplete: Bool {
        switch phase {
        case .negotiating(let negotiation): negotiation.remoteCandidatesComplete
        case .active(let connected): connected.remoteCandidatesComplete
        default: false
        }
    }

    /// A new session in `idle`.
    /// - Parameters:
    ///   - now: monotonic clock, nanoseconds.
    ///   - wallClockUnixNs: the wall clock at the same instant, Unix nanoseconds;
    ///     log entries get `wallClockUnixNs + (t - now)`.
    public init(configuration: PeerSessionConfiguration = PeerSessionConfiguration(),
                now: UInt64, wallClockUnixNs: Int64) {
        self.configuration = configuration
        self.createdAt = now
        self.createdAtUnixNs = wallClockUnixNs
        self.log = SessionLog(capacity: configuration.eventLogCapacity)
        appendLog(.event, "created", now: now, to: .idle)
    }

    /// Remote candidates waiting for the transport.
    public var queuedCandidateCount: Int {
        if case .negotiating(let negotiation) = phase { return negotiation.queuedCandidates.count }
        return 0
    }

    /// When `tick(now:)` next has work to do: the ring deadline in `incoming-init`
    /// and `outgoing-init`, the negotiation deadline in `negotiating`, the
    /// max-duration deadline in `active` (when configured); `nil` otherwise.
    public var nextDeadline: UInt64? {
        switch phase {
        case .ringing(let ringing):
            return ringing.since.addingClamped(configuration.ringTimeoutNs)
        case .negotiating(let negotiation):
            return negotiation.since.addingClamped(configuration.negotiationTimeoutNs)
        case .active(let connected):
            guard let limit = configuration.maxDurationNs else { return nil }
            return connected.since.addingClamped(limit)
        case .idle, .ending, .ended:
            return nil
        }
    }

    // MARK: - Call control

    /// The peer's `call:init`: idle → incoming-init. Starts the ring timer.
    /// The driver then calls `acceptCall` or `rejectCall` (by policy or `CallAdmission`).
    public mutating func receiveCallInit(now: UInt64) throws -> [PeerSessionAction] {
        try require(.callInit, state == .idle, "a call can only start from idle")
        return [transition(to: .ringing(Ringing(role: .answerer, since: now)), .callInit, now: now)]
    }

    /// Capstan calls the peer: idle → outgoing-init, `sendCallInit`. Starts the ring timer.
    public mutating func placeCall(now: UInt64) throws -> [PeerSessionAction] {
        try require(.placeCall, state == .idle, "a call can only start from idle")
        return [transition(to: .ringing(Ringing(role: .offerer, since: now)), .placeCall, now: now), .sendCallInit]
    }

    /// Local accept: incoming-init → negotiating, `sendCallAccept`. The caller's
    /// offer is expected next (`receiveOffer`); the negotiation timer starts.
    public mutating func acceptCall(now: UInt64) throws -> [PeerSessionAction] {
        try require(.accept, state == .incomingInit, "only a ringing incoming call can be accepted")
        return [transition(to: .negotiating(Negotiation(role: .answerer, since: now)), .accept, now: now), .sendCallAccept]
    }

    /// The called peer's `call:accept`: outgoing-init → negotiating, `createOffer`.
    public mutating func receiveCallAccept(now: UInt64) throws -> [PeerSessionAction] {
        try require(.remoteAccept, state == .outgoingInit, "only an outgoing call waiting for the peer can be accepted by it")
        return [transition(to: .negotiating(Negotiation(role: .offerer, since: now)), .remoteAccept, now: now), .createOffer]
    }

    /// Local reject of a ringing incoming call: incoming-init → ended with
    /// `sendCallReject(reason)`. Use `.busy` when `CallAdmission` refuses the call.
    public mutating func rejectCall(reason: EndReason = .declined, now: UInt64) throws -> [PeerSessionAction] {
        try require(.reject, state == .incomingInit, "only a ringing incoming call can be rejected")
        return end(reason, .reject, now: now, notifyPeer: true)
    }

    /// The called peer's `call:reject`: outgoing-init → ended with `reason`
    /// (`declined` unless the peer gave another, e.g. `busy`). Nothing is sent.
    public mutating func receiveCallReject(reason: EndReason = .declined, now: UInt64) throws -> [PeerSessionAction] {
        try require(.remoteReject, state == .outgoingInit, "only an outgoing call waiting for the peer can be rejected by it")
        return end(reason, .remoteReject, now: now, notifyPeer: false)
    }

    // MARK: - Offer / answer

    /// The peer's offer. From idle (WHIP `POST`: an incoming call implicitly
    /// accepted with its offer) → negotiating; in negotiating after `acceptCall`
    /// it stays. Returns `createAnswer`.
    public mutating func receiveOffer(now: UInt64) throws -> [PeerSessionAction] {
        switch phase {
        case .idle:
            var negotiation = Negotiation(role: .answerer, since: now)
            negotiation.hasRemoteDescription = true
            return [transition(to: .negotiating(negotiation), .offer, now: now, detail: "implicit-accept"), .createAnswer]
        case .negotiating(var negotiation):
            try require(.offer, negotiation.role == .answerer, "Capstan is the offerer in this call")
            try require(.offer, !negotiation.hasRemoteDescription, "an offer was already received (renegotiation is not supported)")
            negotiation.hasRemoteDescription = true
            phase = .negotiating(negotiation)
            appendLog(.event, PeerSessionEvent.offer.rawValue, now: now)
            return [.createAnswer]
        default:
            throw illegal(.offer, state == .incomingInit ? "accept the call before its offer" : "no offer expected")
        }
    }

    /// Capstan's answer is built: `sendAnswer(sdp)`, `startTransport`, then any
    /// queued candidates and end-of-candidates.
    public mutating func localAnswerCreated(sdp: String, now: UInt64) throws -> [PeerSessionAction] {
        var negotiation = try negotiationUnderWay(.localAnswer)
        try require(.localAnswer, negotiation.role == .answerer, "Capstan is the offerer in this call")
        try require(.localAnswer, negotiation.hasRemoteDescription, "no offer to answer yet")
        try require(.localAnswer, !negotiation.hasLocalDescription, "the answer was already created")
        negotiation.hasLocalDescription = true
        appendLog(.event, PeerSessionEvent.localAnswer.rawValue, now: now)
        return [.sendAnswer(sdp: sdp)] + startTransportIfReady(&negotiation)
    }

    /// Capstan's offer is built: `sendOffer(sdp)`. The peer's answer is next.
    public mutating func localOfferCreated(sdp: String, now: UInt64) throws -> [PeerSessionAction] {
        var negotiation = try negotiationUnderWay(.localOffer)
        try require(.localOffer, negotiation.role == .offerer, "Capstan is the answerer in this call")
        try require(.localOffer, !negotiation.hasLocalDescription, "the offer was already created")
        negotiation.hasLocalDescription = true
        phase = .negotiating(negotiation)
        appendLog(.event, PeerSessionEvent.localOffer.rawValue, now: now)
        return [.sendOffer(sdp: sdp)]
    }

    /// The peer's answer to Capstan's offer: `startTransport`, then any queued
    /// candidates and end-of-candidates.
    public mutating func receiveAnswer(now: UInt64) throws -> [PeerSessionAction] {
        var negotiation = try negotiationUnderWay(.answer)
        try require(.answer, negotiation.role == .offerer, "Capstan is the answerer in this call")
        try require(.answer, negotiation.hasLocalDescription, "no offer was sent yet")
        try require(.answer, !negotiation.hasRemoteDescription, "an answer was already received")
        negotiation.hasRemoteDescription = true
        appendLog(.event, PeerSessionEvent.answer.rawValue, now: now)
        return startTransportIfReady(&negotiation)
    }

    /// The offer or answer cannot be used (`bad-offer`, `bad-answer`, …), or the
    /// description could not be built: ends the session `failed(detail)` from
    /// `negotiating` (through `ending` if the transport was started).
    public mutating func negotiationFailed(detail: String, now: UInt64) throws -> [PeerSessionAction] {
        try require(.negotiationFailed, state == .negotiating, "no negotiation under way")
        return end(.failed(detail: detail), .negotiationFailed, now: now, notifyPeer: true)
    }

    /// The peer's offer has nothing Capstan can record (no codec it records):
    /// ends the session `failed(detail)` like `negotiationFailed(detail:now:)`
    /// (event `negotiation-failed`), but the peer is told with
    /// `sendCallReject` rather than a hangup — the WebSocket counterpart of
    /// WHIP's `400`, sent before any answer.
    public mutating func offerRefused(detail: String, now: UInt64) throws -> [PeerSessionAction] {
        try require(.negotiationFailed, state == .negotiating, "no negotiation under way")
        try require(.negotiationFailed, !hasLocalDescription, "an answer was already made")
        var actions = end(.failed(detail: detail), .negotiationFailed, now: now, notifyPeer: false)
        actions.insert(.sendCallReject(.failed(detail: detail)), at: 1)
        return actions
    }

    // MARK: - Candidates

    /// A trickled remote candidate (`candidate:` attribute value, opaque here).
    /// Legal in negotiating and active. Returns `applyRemoteCandidates([candidate])`
    /// when the transport is running, otherwise queues it and returns nothing.
    /// - Throws: `illegalEvent` after end-of-candidates (until `restartICE`);
    ///   `candidateQueueFull` when the queue is at `maxQueuedCandidates`.
    public mutating func receiveRemoteCandidate(_ candidate: String, now: UInt64) throws -> [PeerSessionAction] {
        try require(.candidate, state == .negotiating || state == .active, "candidates are only taken while negotiating or active")
        try require(.candidate, !remoteCandidatesComplete, "the peer already sent end-of-candidates")
        guard case .negotiating(var negotiation) = phase, !negotiation.transportStarted else {
            return [.applyRemoteCandidates([candidate])]
        }
        guard negotiation.queuedCandidates.count < configuration.maxQueuedCandidates else {
            throw PeerSessionError.candidateQueueFull(limit: configuration.maxQueuedCandidates)
        }
        negotiation.queuedCandidates.append(candidate)
        phase = .negotiating(negotiation)
        return []
    }

    /// The peer's end-of-candidates. Legal once per ICE generation in
    /// negotiating and active; `applyEndOfCandidates` now or after the queue.
    public mutating func receiveEndOfCandidates(now: UInt64) throws -> [PeerSessionAction] {
        try require(.endOfCandidates, state == .negotiating || state == .active, "candidates are only taken while negotiating or active")
        try require(.endOfCandidates, !remoteCandidatesComplete, "end-of-candidates was already received")
        appendLog(.event, PeerSessionEvent.endOfCandidates.rawValue, now: now)
        switch phase {
        case .negotiating(var negotiation):
            negotiation.remoteCandidatesComplete = true
            if !negotiation.transportStarted { negotiation.endOfCandidatesPending = true }
            phase = .negotiating(negotiation)
            return negotiation.transportStarted ? [.applyEndOfCandidates] : []
        case .active(var connected):
            connected.remoteCandidatesComplete = true
            phase = .active(connected)
            return [.applyEndOfCandidates]
        default:
            return []
        }
    }

    /// The peer restarted ICE (new credentials): a new candidate generation
    /// starts, so candidates are taken again after end-of-candidates. Legal
    /// while the transport runs (negotiating or active). The driver performs
    /// the restart itself; this returns no actions.
    public mutating func restartICE(now: UInt64) throws -> [PeerSessionAction] {
        try require(.iceRestart, state == .negotiating || state == .active, "ICE restarts only while negotiating or active")
        try require(.iceRestart, transportStarted, "the transport is not running yet")
        switch phase {
        case .negotiating(var negotiation):
            negotiation.remoteCandidatesComplete = false
            negotiation.endOfCandidatesPending = false
            phase = .negotiating(negotiation)
        case .active(var connected):
            connected.remoteCandidatesComplete = false
            phase = .active(connected)
        default:
            break
        }
        appendLog(.event, PeerSessionEvent.iceRestart.rawValue, now: now)
        return []
    }

    // MARK: - Transport

    /// ICE and DTLS are up and SRTP keyed: negotiating → active, `attachMedia`.
    /// Starts the max-duration timer.
    public mutating func transportConnected(now: UInt64) throws -> [PeerSessionAction] {
        let negotiation = try negotiationUnderWay(.transportConnected, "only a negotiating session can connect")
        try require(.transportConnected, negotiation.transportStarted, "the transport was not started")
        let connected = Connected(role: negotiation.role, negotiatingAt: negotiation.since, since: now,
                                  remoteCandidatesComplete: negotiation.remoteCandidatesComplete)
        return [transition(to: .active(connected), .transportConnected, now: now), .attachMedia]
    }

    /// The transport failed (`ice-timeout`, `dtls-failed`, `consent-lost`,
    /// `srtp-failed`, …): ends `failed(detail)` through `ending`. Legal in
    /// active and in negotiating once the transport was started.
    public mutating func transportFailed(detail: String, now: UInt64) throws -> [PeerSessionAction] {
        try require(.transportFailed, state == .negotiating || state == .active, "no transport to fail")
        try require(.transportFailed, transportStarted, "the transport was not started")
        return end(.failed(detail: detail), .transportFailed, now: now, notifyPeer: true)
    }

    // MARK: - Ending

    /// Local hangup (REST `DELETE`): ends `local-hangup` from outgoing-init,
    /// incoming-init, negotiating or active, telling the peer.
    public mutating func hangup(now: UInt64) throws -> [PeerSessionAction] {
        try require(.hangup, Self.callStates.contains(state), "no call to hang up")
        return end(.localHangup, .hangup, now: now, notifyPeer: true)
    }

    /// The peer hung up (`call:hangup`, WHIP `DELETE`, DTLS close_notify): ends
    /// `remote-hangup` from outgoing-init, incoming-init (the caller gave up),
    /// negotiating or active.
    public mutating func receiveHangup(now: UInt64) throws -> [PeerSessionAction] {
        try require(.remoteHangup, Self.callStates.contains(state), "no call to hang up")
        return end(.remoteHangup, .remoteHangup, now: now, notifyPeer: false)
    }

    /// The daemon is stopping: ends `shutdown` from every state but `ending`
    /// (already on its way) and `ended`. From idle nothing is sent.
    public mutating func shutdown(now: UInt64) throws -> [PeerSessionAction] {
        try require(.shutdown, state == .idle || Self.callStates.contains(state), "the session is already ending")
        return end(.shutdown, .shutdown, now: now, notifyPeer: state != .idle)
    }

    /// The recording could not be written (`detail` goes to the log): ends
    /// `storage` from active; the file is finalized as far as it got. A
    /// recording stopped by a bound ends with that bound's reason instead
    /// (`bitrate-limit`, `size-limit`).
    public mutating func storageFailed(detail: String, reason: EndReason = .storage, now: UInt64) throws -> [PeerSessionAction] {
        try require(.storageFailed, state == .active, "only an active session records")
        let recordingReason: EndReason = switch reason {
        case .bitrateLimit, .sizeLimit: reason
        default: .storage
        }
        return end(recordingReason, .storageFailed, now: now, notifyPeer: true, logDetail: detail)
    }

    /// The driver finished the teardown actions: ending → ended, `ended(reason)`.
    public mutating func teardownCompleted(now: UInt64) throws -> [PeerSessionAction] {
        guard case .ending(let teardown) = phase else {
            try require(.teardownCompleted, false, "no teardown under way")
            return []
        }
        let ended = Ended(reason: teardown.reason, role: teardown.role, negotiatingAt: teardown.negotiatingAt,
                          activeAt: teardown.activeAt, at: now)
        return [transition(to: .ended(ended), .teardownCompleted, now: now, detail: teardown.reason.description),
                .ended(teardown.reason)]
    }

    // MARK: - Timers and milestones

    /// Fires the timeout whose deadline (`nextDeadline`) is at or before `now`:
    /// ring → `missed`; negotiation → `failed(negotiation-timeout)`;
    /// max duration → `max-duration`. Never throws; returns `[]` when nothing is due.
    public mutating func tick(now: UInt64) -> [PeerSessionAction] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        switch state {
        case .incomingInit, .outgoingInit:
            return end(.missed, nil, now: now, notifyPeer: true, logName: "ring-timeout")
        case .negotiating:
            return end(.failed(detail: EndReason.negotiationTimeoutDetail), nil, now: now,
                       notifyPeer: true, logName: EndReason.negotiationTimeoutDetail)
        case .active:
            return end(.maxDuration, nil, now: now, notifyPeer: true, logName: "max-duration")
        case .idle, .ending, .ended:
            return []
        }
    }

    /// Appends a milestone (`ice-connected`, `dtls-connected`, `first-keyframe`,
    /// …) to the event log, in any state. `wallClockUnixNs` overrides the
    /// wall-clock time derived from the session's anchor.
    public mutating func recordMilestone(_ name: String, detail: String? = nil,
                                         now: UInt64, wallClockUnixNs: Int64? = nil) {
        appendLog(.milestone, name, now: now, detail: detail, wallClockUnixNs: wallClockUnixNs)
    }

    // MARK: - Internals

    /// States in which a call exists that can be hung up.
    private static let callStates: Set<PeerSessionState> = [.outgoingInit, .incomingInit, .negotiating, .active]

    private func illegal(_ event: PeerSessionEvent, _ reason: String) -> PeerSessionError {
        .illegalEvent(event: event, state: state, reason: reason)
    }

    private func require(_ event: PeerSessionEvent, _ condition: Bool, _ reason: @autoclosure () -> String) throws {
        if state == .ended { throw illegal(event, "the session has ended") }
        if !condition { throw illegal(event, reason()) }
    }

    private mutating func transition(to next: Phase, _ event: PeerSessionEvent?, now: UInt64,
                                     name: String? = nil, detail: String? = nil) -> PeerSessionAction {
        let previous = state
        phase = next
        appendLog(.transition, name ?? event?.rawValue ?? "", now: now, from: previous, to: state, detail: detail)
        return .notifyStateChanged(from: previous, to: state)
    }

    /// The negotiation, or `illegalEvent` when none is under way.
    private func negotiationUnderWay(_ event: PeerSessionEvent,
                                     _ reason: String = "no negotiation under way") throws -> Negotiation {
        guard case .negotiating(let negotiation) = phase else {
            try require(event, false, reason)
            throw illegal(event, reason)
        }
        return negotiation
    }

    /// Once both descriptions are known: `startTransport`, then the queue.
    /// Stores `negotiation` as the phase.
    private mutating func startTransportIfReady(_ negotiation: inout Negotiation) -> [PeerSessionAction] {
        defer { phase = .negotiating(negotiation) }
        guard negotiation.hasLocalDescription, negotiation.hasRemoteDescription, !negotiation.transportStarted else { return [] }
        negotiation.transportStarted = true
        var actions: [PeerSessionAction] = [.startTransport]
        if !negotiation.queuedCandidates.isEmpty {
            actions.append(.applyRemoteCandidates(negotiation.queuedCandidates))
            negotiation.queuedCandidates.removeAll()
        }
        if negotiation.endOfCandidatesPending {
            actions.append(.applyEndOfCandidates)
            negotiation.endOfCandidatesPending = false
        }
        return actions
    }

    /// Decides the end: to `ending` with teardown actions when the transport was
    /// started, else straight to `ended`.
    private mutating func end(_ reason: EndReason, _ event: PeerSessionEvent?, now: UInt64, notifyPeer: Bool,
                              logName: String? = nil, logDetail: String? = nil) -> [PeerSessionAction] {
        let unanswered = state == .incomingInit
        let detail = logDetail.map { "\(reason): \($0)" } ?? reason.description
        let wasAttached = mediaAttached, wasStarted = transportStarted
        let role = role, negotiatingAt = negotiatingAt, activeAt = activeAt
        var actions: [PeerSessionAction] = []
        let needsTeardown = wasStarted || wasAttached
        let next: Phase = needsTeardown
            ? .ending(Teardown(reason: reason, role: role, since: now, negotiatingAt: negotiatingAt, activeAt: activeAt,
                               transportStarted: wasStarted))
            : .ended(Ended(reason: reason, role: role, negotiatingAt: negotiatingAt, activeAt: activeAt, at: now))
        actions.append(transition(to: next, event, now: now, name: logName, detail: detail))
        if notifyPeer {
            actions.append(unanswered ? .sendCallReject(reason) : .sendHangup(reason))
        }
        if needsTeardown {
            if wasAttached { actions.append(.detachMediaAndFinalize(reason)) }
            if wasStarted { actions.append(.stopTransport) }
        } else {
            actions.append(.ended(reason))
        }
        return actions
    }

    private mutating func appendLog(_ kind: SessionLogEntry.Kind, _ name: String, now: UInt64,
                                    from: PeerSessionState? = nil, to: PeerSessionState? = nil,
                                    detail: String? = nil, wallClockUnixNs: Int64? = nil) {
        let offset = now >= createdAt ? now - createdAt : 0
        let wall = wallClockUnixNs ?? createdAtUnixNs.addingClamped(offset)
        log.append(SessionLogEntry(unixMs: wall.floorDivided(by: 1_000_000), sinceStartMs: offset / 1_000_000,
                                   kind: kind, name: name, from: from, to: to, detail: detail))
    }
}

extension UInt64 {
    fileprivate func addingClamped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

extension Int64 {
    fileprivate func addingClamped(_ other: UInt64) -> Int64 {
        let delta = other > UInt64(Int64.max) ? Int64.max : Int64(other)
        let (sum, overflow) = addingReportingOverflow(delta)
        return overflow ? .max : sum
    }

    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor < 0) ? q - 1 : q
    }
}
