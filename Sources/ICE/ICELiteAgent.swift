import STUN

/// The ICE-lite side of a session (RFC 8445 §2.5, §6.1.1): it never sends checks, answers the
/// peer's Binding requests (§7.3), follows the peer's nomination (§7.3.1.5: a lite agent is
/// always controlled), and tracks consent freshness from the checks it receives (RFC 7675).
///
/// Sans-I/O: feed datagrams with `handle(_:from:now:)` and timer ticks with `poll(now:)`;
/// `now` is monotonic nanoseconds. Not thread-safe; owned by its session.
public struct ICELiteAgent: Sendable {
    /// Default consent timeout: 30 s (RFC 7675 §5.1).
    public static let defaultConsentTimeoutNs: UInt64 = 30_000_000_000

    public private(set) var localUfrag: String
    public private(set) var localPassword: String
    /// The peer's ufrag; when nil any second USERNAME part is accepted until it is known.
    public private(set) var remoteUfrag: String?
    /// The peer's password (kept for completeness; a lite agent verifies with its own).
    public private(set) var remotePassword: String?
    public let consentTimeoutNs: UInt64

    /// The remote address nominated by the controlling peer, if any.
    public private(set) var selected: IPEndpoint?
    /// When the last valid check arrived: from `selected` once there is a selection, from any
    /// address before. The consent clock starts with the first valid check (RFC 7675 §5.1), so a
    /// peer that completes DTLS without ever nominating (no USE-CANDIDATE) still loses consent
    /// when its checks stop, instead of holding its session until the maximum duration.
    public private(set) var lastConsentAt: UInt64?
    /// Binding success responses produced.
    public private(set) var responsesSent: UInt64 = 0
    /// Binding error responses produced, by error code (400, 401, 420, 487).
    public private(set) var errorResponsesSent: [Int: UInt64] = [:]

    private var localKey: [UInt8]
    private var consentLostReported = false
    private var drops = [UInt64](repeating: 0, count: ICEDropReason.allCases.count)

    /// - Parameters:
    ///   - remoteUfrag, remotePassword: optional; they may come later (`setRemoteCredentials`).
    ///   - consentTimeoutNs: consent is lost after this long without a valid check on the
    ///     selected address (default 30 s, RFC 7675 §5.1).
    public init(localUfrag: String, localPassword: String, remoteUfrag: String? = nil,
                remotePassword: String? = nil, consentTimeoutNs: UInt64 = ICELiteAgent.defaultConsentTimeoutNs) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.localKey = Array(localPassword.utf8)
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
        self.consentTimeoutNs = consentTimeoutNs
    }

    /// Sets the peer's credentials once they are known (answer or trickle).
    public mutating func setRemoteCredentials(ufrag: String, password: String?) {
        remoteUfrag = ufrag
        remotePassword = password
    }

    /// ICE restart (RFC 8445 §9): new credentials on both sides. The current selection and its
    /// consent clock are kept, so media continues until the peer nominates again; checks with
    /// the old ufrag are dropped as `.wrongUfrag` from now on.
    public mutating func restart(localUfrag: String, localPassword: String, remoteUfrag: String?, remotePassword: String?) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.localKey = Array(localPassword.utf8)
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
    }

    /// How many datagrams were dropped for `reason`.
    public func dropCount(_ reason: ICEDropReason) -> UInt64 {
        drops[ICEDropReason.allCases.firstIndex(of: reason)!]
    }

    /// Drop counts for every reason (including zeros), for metrics.
    public var dropCounts: [ICEDropReason: UInt64] {
        Dictionary(uniqueKeysWithValues: zip(ICEDropReason.allCases, drops))
    }

    /// When `poll(now:)` next has something to report: the consent deadline, armed by the
    /// first valid check.
    public var nextDeadline: UInt64? {
        guard !consentLostReported, let last = lastConsentAt else { return nil }
        return last &+ consentTimeoutNs
    }

    /// Handles one datagram the demux classified as STUN for this session.
    ///
    /// Checks, in order (RFC 8489 §6.3, §9.1.3; RFC 8445 §7.3): STUN header and parse,
    /// FINGERPRINT when present, class (requests only) and method (Binding only), USERNAME
    /// present (else 400), its first part our ufrag (else dropped as `.wrongUfrag`),
    /// MESSAGE-INTEGRITY present (else 400) and valid under our password (else 401), the second
    /// part the peer's ufrag when known (else 401), no unknown comprehension-required attribute
    /// (else 420), PRIORITY and a role attribute present (else 400), not ICE-CONTROLLED (else
    /// 487: the lite agent stays controlled, §7.3.1.1). A request passing all of that is
    /// answered with a success response; with USE-CANDIDATE it selects the sender's address.
    /// A valid check from the selected address refreshes consent.
    public mutating func handle(_ datagram: UnsafeRawBufferPointer, from: IPEndpoint, now: UInt64) -> ICELiteAction {
        guard STUNMessage.looksLikeSTUN(datagram) else { return drop(.notSTUN) }
        let request: STUNMessage
        do { request = try STUNMessage(parsing: datagram) } catch { return drop(.malformed) }
        if request.fingerprint != nil, !STUNMessage.verifyFingerprint(datagram) { return drop(.badFingerprint) }
        switch request.type.messageClass {
        case .request: break
        case .indication: return drop(.indication)
        case .successResponse, .errorResponse: return drop(.notRequest)
        }
        guard request.type.method == .binding else { return drop(.unsupportedMethod) }

        guard let username = request.username else { return reject(request, .badRequest, key: nil, to: from) }
        let parts = username.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0].elementsEqual(localUfrag.utf8) else { return drop(.wrongUfrag) }
        guard request.messageIntegrity != nil else { return reject(request, .badRequest, key: nil, to: from) }
        guard STUNMessage.verifyIntegrity(datagram, key: localKey) else {
            return reject(request, .unauthenticated, key: nil, to: from)
        }
        if let remoteUfrag, parts.count < 2 || !parts[1].elementsEqual(remoteUfrag.utf8) {
            return reject(request, .unauthenticated, key: nil, to: from)
        }
        let unknown = request.unknownComprehensionRequired
        guard unknown.isEmpty else {
            return reject(request, .unknownAttribute, key: localKey, to: from, extra: [.unknownAttributes(unknown)])
        }
        guard request.priority != nil, request.iceControlling != nil || request.iceControlled != nil else {
            return reject(request, .badRequest, key: localKey, to: from)
        }
        guard request.iceControlled == nil else { return reject(request, .roleConflict, key: localKey, to: from) }

        let bytes = BindingReplies.success(to: request, from: from, key: localKey)
        responsesSent += 1
        if request.useCandidate && selected != from {
            selected = from
            lastConsentAt = now
            consentLostReported = false
            return .respondAndSelect(bytes: bytes, to: from, selected: from)
        }
        if selected == nil || from == selected { lastConsentAt = now }
        return .respond(bytes: bytes, to: from)
    }

    /// Timer tick. Returns `.consentLost` once when `consentTimeoutNs` has passed since the
    /// last valid check on the selected address, or since the last valid check from anywhere
    /// while nothing is selected (RFC 7675 §5.1); nil otherwise.
    public mutating func poll(now: UInt64) -> ICELiteEvent? {
        guard let deadline = nextDeadline, now >= deadline else { return nil }
        consentLostReported = true
        return .consentLost
    }

    private mutating func drop(_ reason: ICEDropReason) -> ICELiteAction {
        drops[ICEDropReason.allCases.firstIndex(of: reason)!] += 1
        return .drop(reason)
    }

    private mutating func reject(_ request: STUNMessage, _ code: STUNErrorCode, key: [UInt8]?, to: IPEndpoint,
                                 extra: [STUNAttribute] = []) -> ICELiteAction {
        errorResponsesSent[code.code, default: 0] += 1
        return .error(bytes: BindingReplies.error(to: request, code, key: key, extra: extra), to: to)
    }
}

extension ICELiteAgent: CustomStringConvertible {
    /// A summary without passwords, safe to log.
    public var description: String {
        "ICELiteAgent(ufrag: \(localUfrag), remoteUfrag: \(remoteUfrag ?? "-"), selected: \(selected?.description ?? "-"), "
            + "lastConsentAt: \(lastConsentAt.map(String.init) ?? "-"), responses: \(responsesSent))"
    }
}
