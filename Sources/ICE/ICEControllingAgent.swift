import STUN

/// The offerer's ICE agent (RFC 8445 §6.1.1: the offerer controls), for an ICE-lite or a full
/// peer: Capstan's sample peer and tests use it. It checks each remote candidate from one local
/// address, nominates (RFC 8445 §8.1.1: regular nomination — USE-CANDIDATE is sent on a second
/// check to the first pair that works; with a single remote candidate the first check nominates
/// directly), then keeps consent with a check every ~5 s (RFC 7675 §5.1).
///
/// Toward a full peer (Janus with full ICE, aiortc) it also takes the remote's checks
/// (RFC 8445 §7.3): answers them, learns an unknown source address as a peer-reflexive candidate
/// and sends a triggered check to it (§7.3.1.3, §7.3.1.4), and resolves role conflicts by the
/// tie-breakers (§7.3.1.1: 487 when ours is larger, else it becomes controlled; a 487 to its own
/// check switches its role and repeats the check, §7.2.5.1). Once controlled, it selects the
/// address whose check carried USE-CANDIDATE, as the remote controlling agent nominated it.
///
/// Sans-I/O: `start`, `handle` and `poll` return actions; `now` is monotonic nanoseconds.
/// Not thread-safe; owned by its session.
public struct ICEControllingAgent: Sendable {
    public let localUfrag: String
    public let localPassword: String
    public let remoteUfrag: String
    public let remotePassword: String
    /// The ICE-CONTROLLING tie-breaker (RFC 8445 §16.1).
    public let tieBreaker: UInt64
    public let configuration: ICEControllingConfiguration

    /// The remote address in use once connected.
    public private(set) var connectedRemote: IPEndpoint?
    /// Our address as the peer saw it (XOR-MAPPED-ADDRESS of the last success response).
    public private(set) var mappedAddress: IPEndpoint?
    /// When the last authenticated success response arrived after connecting.
    public private(set) var lastConsentAt: UInt64?
    /// Whether the agent has failed (then it does nothing more).
    public private(set) var hasFailed = false
    /// Our role: controlling unless a role conflict made us controlled (RFC 8445 §7.3.1.1).
    public private(set) var isControlling = true
    /// Addresses learned from the remote's checks (peer-reflexive candidates, §7.3.1.3).
    public private(set) var peerReflexive: [IPEndpoint] = []
    /// Binding requests from the remote answered with success, and 487s sent.
    public private(set) var requestsAnswered = 0
    public private(set) var roleConflictsSent = 0

    private enum Kind: Sendable { case check, nominate, consent }
    private struct Transaction: Sendable {
        let id: STUNTransactionID
        let target: IPEndpoint
        let bytes: [UInt8]
        let kind: Kind
        /// The role the request claimed (ICE-CONTROLLING or ICE-CONTROLLED).
        let sentControlling: Bool
        var transmissions: Int
        var rto: UInt64
        var deadline: UInt64
    }

    private var transactions: [Transaction] = []
    private var checked: Set<IPEndpoint> = []
    private var startedAt: UInt64?
    /// A nomination after a successful check is under way (the direct nomination of a lone
    /// candidate does not count: triggered checks may still find a pair beside it).
    private var nominating = false
    /// Pairs whose check succeeded while a nomination was in flight: nominated in turn if it fails.
    private var valid: [IPEndpoint] = []
    private var nextConsentAt: UInt64 = 0
    private var lastErrorCode: Int?
    private let localKey: [UInt8]
    private let remoteKey: [UInt8]

    public init(localUfrag: String, localPassword: String, remoteUfrag: String, remotePassword: String,
                tieBreaker: UInt64, configuration: ICEControllingConfiguration = ICEControllingConfiguration()) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
        self.tieBreaker = tieBreaker
        self.configuration = configuration
        self.localKey = Array(localPassword.utf8)
        self.remoteKey = Array(remotePassword.utf8)
    }

    /// Starts checks to `remoteCandidates` (deduplicated). May be called again with more
    /// candidates (trickle) while checks are running; once a pair is being nominated or is
    /// connected, further candidates are ignored. The connect timeout runs from the first call.
    public mutating func start(remoteCandidates: [IPEndpoint], now: UInt64) -> [ICEControllingAction] {
        guard !hasFailed, connectedRemote == nil, !nominating else { return [] }
        if startedAt == nil { startedAt = now }
        let fresh = remoteCandidates.filter { checked.insert($0).inserted }
        let nominateDirectly = checked.count == 1 && fresh.count == 1
        return fresh.map { target in
            send(to: target, kind: nominateDirectly ? .nominate : .check, now: now)
        }
    }

    /// Handles a datagram from `from`: answers Binding requests, and matches responses to
    /// outstanding checks (by transaction id and address, RFC 8445 §7.2.5.2.1), accepting
    /// success responses only with valid MESSAGE-INTEGRITY under the remote password.
    public mutating func handle(_ datagram: UnsafeRawBufferPointer, from: IPEndpoint, now: UInt64) -> [ICEControllingAction] {
        guard STUNMessage.looksLikeSTUN(datagram), let message = try? STUNMessage(parsing: datagram) else { return [] }
        if message.fingerprint != nil, !STUNMessage.verifyFingerprint(datagram) { return [] }
        guard message.type.method == .binding else { return [] }
        switch message.type.messageClass {
        case .request:
            return answer(message, datagram, from: from, now: now)
        case .indication:
            return []
        case .successResponse, .errorResponse:
            guard !hasFailed,
                  let index = transactions.firstIndex(where: { $0.id == message.transactionID }),
                  transactions[index].target == from
            else { return [] }
            if message.type.messageClass == .successResponse {
                guard STUNMessage.verifyIntegrity(datagram, key: remoteKey) else { return [] }
                return succeeded(transactions.remove(at: index), message, now: now)
            }
            if message.messageIntegrity != nil, !STUNMessage.verifyIntegrity(datagram, key: remoteKey) { return [] }
            let transaction = transactions.remove(at: index)
            if transaction.kind == .nominate, let next = nominateNextValid(now: now) { return [next] }
            lastErrorCode = message.errorCode?.code ?? 400
            if lastErrorCode == STUNErrorCode.roleConflict.code, transaction.kind != .consent,
               transaction.sentControlling == isControlling {
                // §7.2.5.1: switch role and repeat the check.
                isControlling.toggle()
                return [send(to: transaction.target, kind: isControlling ? transaction.kind : .check, now: now)]
            }
            guard transaction.kind != .consent, connectedRemote == nil,
                  !transactions.contains(where: { $0.kind != .consent }) else { return [] }
            return fail(.checksFailed(errorCode: lastErrorCode ?? 400))
        }
    }

    /// Timer tick: retransmissions with RTO backoff (RFC 8489 §6.2.1), the connect timeout,
    /// periodic consent checks and the consent timeout (RFC 7675 §5.1).
    public mutating func poll(now: UInt64) -> [ICEControllingAction] {
        guard !hasFailed, let startedAt else { return [] }
        if connectedRemote == nil, now >= startedAt &+ configuration.connectTimeoutNs { return fail(.timeout) }
        if connectedRemote != nil, let last = lastConsentAt, now >= last &+ configuration.consentTimeoutNs {
            return fail(.consentLost)
        }
        var actions: [ICEControllingAction] = []
        var i = 0
        while i < transactions.count {
            guard now >= transactions[i].deadline else { i += 1; continue }
            if transactions[i].transmissions < configuration.maxTransmissions {
                transactions[i].transmissions += 1
                transactions[i].rto &*= 2
                transactions[i].deadline = now &+ (transactions[i].transmissions == configuration.maxTransmissions
                    ? configuration.initialRTONs &* configuration.lastWaitMultiplier
                    : transactions[i].rto)
                actions.append(.send(transactions[i].bytes, to: transactions[i].target))
                i += 1
            } else {
                if transactions.remove(at: i).kind == .nominate, let next = nominateNextValid(now: now) {
                    actions.append(next)
                }
            }
        }
        // Checks all answered or given up without a pair: failed — unless we are controlled,
        // when the remote's nomination may still come (the connect timeout bounds that).
        if connectedRemote == nil, isControlling, !checked.isEmpty, !transactions.contains(where: { $0.kind != .consent }) {
            return actions + fail(lastErrorCode.map { .checksFailed(errorCode: $0) } ?? .timeout)
        }
        if let remote = connectedRemote, now >= nextConsentAt {
            actions.append(send(to: remote, kind: .consent, now: now))
            nextConsentAt = now &+ jittered(configuration.consentIntervalNs)
        }
        return actions
    }

    /// The earliest time `poll(now:)` has work to do, for scheduling a timer.
    public var nextDeadline: UInt64? {
        guard !hasFailed, let startedAt else { return nil }
        var d = UInt64.max
        for transaction in transactions where transaction.deadline < d { d = transaction.deadline }
        if connectedRemote == nil {
            d = min(d, startedAt &+ configuration.connectTimeoutNs)
        } else {
            d = min(d, nextConsentAt)
            if let last = lastConsentAt { d = min(d, last &+ configuration.consentTimeoutNs) }
        }
        return d
    }

    // MARK: Internals

    private mutating func send(to target: IPEndpoint, kind: Kind, now: UInt64) -> ICEControllingAction {
        var attributes: [STUNAttribute] = [
            .username("\(remoteUfrag):\(localUfrag)"),
            .priority(configuration.priority),
            isControlling ? .iceControlling(tieBreaker) : .iceControlled(tieBreaker),
        ]
        if kind == .nominate && isControlling { attributes.append(.useCandidate) }
        let id = STUNTransactionID.random()
        let bytes = STUNMessage(type: .bindingRequest, transactionID: id, attributes: attributes)
            .serialize(integrityKey: remoteKey, fingerprint: true)
        transactions.append(Transaction(id: id, target: target, bytes: bytes, kind: kind,
                                        sentControlling: isControlling, transmissions: 1,
                                        rto: configuration.initialRTONs,
                                        deadline: now &+ (configuration.maxTransmissions == 1
                                            ? configuration.initialRTONs &* configuration.lastWaitMultiplier
                                            : configuration.initialRTONs)))
        return .send(bytes, to: target)
    }

    private mutating func succeeded(_ t: Transaction, _ response: STUNMessage, now: UInt64) -> [ICEControllingAction] {
        if let mapped = response.xorMappedAddress { mappedAddress = mapped }
        switch t.kind {
        case .check:
            // Controlled, we wait for the remote's nomination (a check with USE-CANDIDATE).
            guard isControlling, connectedRemote == nil else { return [] }
            // A speculative direct nomination (lone candidate) may be unanswered: nominate this
            // pair beside it, the first success wins. After a real nomination, keep it in reserve.
            if nominating {
                if !valid.contains(t.target) { valid.append(t.target) }
                return []
            }
            nominating = true
            transactions.removeAll { $0.kind == .check }
            return [send(to: t.target, kind: .nominate, now: now)]
        case .nominate:
            guard connectedRemote == nil, isControlling else { return [] }
            connectedRemote = t.target
            transactions.removeAll()
            lastConsentAt = now
            nextConsentAt = now &+ jittered(configuration.consentIntervalNs)
            return [.connected(t.target)]
        case .consent:
            lastConsentAt = now
            return []
        }
    }

    /// A check from the remote (RFC 8445 §7.3): authenticated under our password, role
    /// conflicts resolved (§7.3.1.1), answered, and its source checked in turn (a triggered
    /// check, §7.3.1.4) when we have not checked it yet — a full agent that reaches us from an
    /// address its answer did not list (peer-reflexive, §7.3.1.3) gets a pair that way.
    private mutating func answer(_ request: STUNMessage, _ raw: UnsafeRawBufferPointer, from: IPEndpoint,
                                 now: UInt64) -> [ICEControllingAction] {
        guard !hasFailed, let username = request.username,
              username.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)[0]
                .elementsEqual(localUfrag.utf8),
              STUNMessage.verifyIntegrity(raw, key: localKey)
        else { return [] }
        if isControlling, let theirs = request.iceControlling {
            if tieBreaker >= theirs {
                roleConflictsSent += 1
                return [.send(BindingReplies.error(to: request, .roleConflict, key: localKey), to: from)]
            }
            isControlling = false
        } else if !isControlling, let theirs = request.iceControlled {
            if tieBreaker >= theirs {
                isControlling = true
            } else {
                roleConflictsSent += 1
                return [.send(BindingReplies.error(to: request, .roleConflict, key: localKey), to: from)]
            }
        }
        requestsAnswered += 1
        var actions: [ICEControllingAction] = [.send(BindingReplies.success(to: request, from: from, key: localKey), to: from)]
        if connectedRemote == nil, !checked.contains(from), !peerReflexive.contains(from), peerReflexive.count < 8 {
            peerReflexive.append(from)
        }
        if !isControlling {
            // The remote controls: its USE-CANDIDATE selects the pair (§7.3.1.5); a valid check
            // from the selected address keeps consent.
            if request.useCandidate && connectedRemote != from {
                connectedRemote = from
                transactions.removeAll { $0.kind != .consent }
                lastConsentAt = now
                nextConsentAt = now &+ jittered(configuration.consentIntervalNs)
                actions.append(.connected(from))
            }
            return actions
        }
        if connectedRemote == nil, !nominating, startedAt != nil, checked.count < 16, checked.insert(from).inserted {
            actions.append(send(to: from, kind: .check, now: now))
        }
        return actions
    }

    /// After a nomination gave up: nominate the next pair whose check succeeded, if any.
    private mutating func nominateNextValid(now: UInt64) -> ICEControllingAction? {
        guard isControlling, connectedRemote == nil, !transactions.contains(where: { $0.kind == .nominate }),
              !valid.isEmpty else { return nil }
        nominating = true
        return send(to: valid.removeFirst(), kind: .nominate, now: now)
    }

    private mutating func fail(_ reason: ICEFailureReason) -> [ICEControllingAction] {
        hasFailed = true
        transactions.removeAll()
        return [.failed(reason)]
    }

    /// `base` × uniform(0.8, 1.2) (RFC 7675 §5.1).
    private func jittered(_ base: UInt64) -> UInt64 {
        let lo = base / 10 * 8, hi = base / 10 * 12
        return hi > lo ? UInt64.random(in: lo...hi) : base
    }
}

extension ICEControllingAgent: CustomStringConvertible {
    /// A summary without passwords, safe to log.
    public var description: String {
        "ICEControllingAgent(ufrag: \(localUfrag), remoteUfrag: \(remoteUfrag), connected: \(connectedRemote?.description ?? "-"), "
            + "failed: \(hasFailed), outstanding: \(transactions.count))"
    }
}
