import STUN

/// A minimal controlling ICE agent for talking to an ICE-lite peer (RFC 8445 §6.1.1): Capstan's
/// sample peer and tests use it. It checks each remote candidate from one local address,
/// nominates (RFC 8445 §8.1.1: regular nomination — USE-CANDIDATE is sent on a second check to
/// the first pair that works; with a single remote candidate the first check nominates
/// directly), then keeps consent with a check every ~5 s (RFC 7675 §5.1). It also answers
/// Binding requests that reach it (RFC 8445 §7.3).
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

    private enum Kind: Sendable { case check, nominate, consent }
    private struct Transaction: Sendable {
        let id: STUNTransactionID
        let target: IPEndpoint
        let bytes: [UInt8]
        let kind: Kind
        var transmissions: Int
        var rto: UInt64
        var deadline: UInt64
    }

    private var transactions: [Transaction] = []
    private var checked: Set<IPEndpoint> = []
    private var startedAt: UInt64?
    private var nominating = false
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
            if nominateDirectly { nominating = true }
            return send(to: target, kind: nominateDirectly ? .nominate : .check, now: now)
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
            return answer(message, datagram, from: from)
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
            lastErrorCode = message.errorCode?.code ?? 400
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
                transactions.remove(at: i)
            }
        }
        if connectedRemote == nil, !checked.isEmpty, !transactions.contains(where: { $0.kind != .consent }) {
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
        var d = transactions.map(\.deadline).min() ?? .max
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
            .iceControlling(tieBreaker),
        ]
        if kind == .nominate { attributes.append(.useCandidate) }
        let id = STUNTransactionID.random()
        let bytes = STUNMessage(type: .bindingRequest, transactionID: id, attributes: attributes)
            .serialize(integrityKey: remoteKey, fingerprint: true)
        transactions.append(Transaction(id: id, target: target, bytes: bytes, kind: kind, transmissions: 1,
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
            guard !nominating, connectedRemote == nil else { return [] }
            nominating = true
            transactions.removeAll { $0.kind == .check }
            return [send(to: t.target, kind: .nominate, now: now)]
        case .nominate:
            guard connectedRemote == nil else { return [] }
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

    private func answer(_ request: STUNMessage, _ raw: UnsafeRawBufferPointer, from: IPEndpoint) -> [ICEControllingAction] {
        guard let username = request.username,
              username.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)[0]
                .elementsEqual(localUfrag.utf8),
              STUNMessage.verifyIntegrity(raw, key: localKey)
        else { return [] }
        return [.send(BindingReplies.success(to: request, from: from, key: localKey), to: from)]
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
