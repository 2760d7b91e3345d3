/// Asks the sender for a keyframe until one arrives (DESIGN.md §4 keyframe gate).
///
/// Sans-I/O: `start` when the session goes active, `requestKeyframe` after an
/// unrecoverable video gap, `keyframeReceived` when a keyframe is assembled, and
/// `poll` on a timer (see `nextDeadline`); each returns the request to send, if any.
///
/// A request sends a PLI at once and repeats it with exponential backoff
/// (`initialRetryIntervalNs`, doubling up to `maxRetryIntervalNs`) until a keyframe
/// is seen. After `plisBeforeFIR` PLIs without a keyframe the retries become FIRs
/// (for senders that ignore PLI); the FIR command sequence number stays the same
/// for repetitions of one request and advances for a new request (RFC 5104 §4.3.1.2).
/// A request made while one is outstanding does not send again at once.
public struct KeyframeRequester: Sendable {
    /// Settings; times in nanoseconds.
    public struct Configuration: Sendable, Equatable {
        /// The wait after the first request before repeating it.
        public var initialRetryIntervalNs: UInt64
        /// The cap of the doubling wait.
        public var maxRetryIntervalNs: UInt64
        /// PLIs sent for one request before the retries switch to FIR.
        public var plisBeforeFIR: Int
        /// What the session negotiated (`a=rtcp-fb: nack pli`, `ccm fir`): a receiver sends
        /// only feedback the sender agreed to (RFC 4585 §4.2). With FIR alone every request
        /// is a FIR; with neither, nothing is sent and the recording waits for the sender's
        /// own keyframes.
        public var allowPLI: Bool
        public var allowFIR: Bool
        /// Creates settings (defaults: 250 ms doubling to 2 s, FIR after 3 PLIs).
        public init(initialRetryIntervalNs: UInt64 = 250_000_000, maxRetryIntervalNs: UInt64 = 2_000_000_000,
                    plisBeforeFIR: Int = 3, allowPLI: Bool = true, allowFIR: Bool = true) {
            self.initialRetryIntervalNs = initialRetryIntervalNs
            self.maxRetryIntervalNs = maxRetryIntervalNs
            self.plisBeforeFIR = plisBeforeFIR
            self.allowPLI = allowPLI
            self.allowFIR = allowFIR
        }
    }

    /// The settings.
    public let configuration: Configuration
    /// PLIs sent.
    public private(set) var plisSent = 0
    /// FIRs sent.
    public private(set) var firsSent = 0
    /// Keyframe requests started (by `start` and `requestKeyframe`).
    public private(set) var requests = 0
    /// The time from `start` to the first keyframe, once seen.
    public private(set) var timeToFirstKeyframeNs: UInt64?
    /// A keyframe is being waited for.
    public private(set) var isWaiting = false
    /// When the next retry is due, while waiting.
    public private(set) var nextDeadline: UInt64?

    private var startedAt: UInt64?
    private var attempts = 0
    private var interval: UInt64 = 0
    private var firSequenceNumber: UInt8 = 0
    private var firUsedThisRequest = false

    /// Creates an idle requester.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The session went active: ask for a keyframe at once.
    public mutating func start(now: UInt64) -> KeyframeRequestAction? {
        if startedAt == nil { startedAt = now }
        return requestKeyframe(now: now)
    }

    /// Video was lost beyond repair: ask for a keyframe (at once, unless a request
    /// is already outstanding, whose retries then go on).
    public mutating func requestKeyframe(now: UInt64) -> KeyframeRequestAction? {
        guard !isWaiting else { return nil }
        isWaiting = true
        requests += 1
        attempts = 0
        interval = configuration.initialRetryIntervalNs
        if firUsedThisRequest { firSequenceNumber &+= 1 }
        firUsedThisRequest = false
        return send(now: now)
    }

    /// A keyframe arrived: stop asking.
    public mutating func keyframeReceived(now: UInt64) {
        if timeToFirstKeyframeNs == nil, let startedAt { timeToFirstKeyframeNs = now &- startedAt }
        isWaiting = false
        nextDeadline = nil
    }

    /// Advances time: repeats the request when its retry is due.
    public mutating func poll(now: UInt64) -> KeyframeRequestAction? {
        guard isWaiting, let deadline = nextDeadline, now >= deadline else { return nil }
        interval = min(interval * 2, configuration.maxRetryIntervalNs)
        return send(now: now)
    }

    private mutating func send(now: UInt64) -> KeyframeRequestAction? {
        guard configuration.allowPLI || configuration.allowFIR else {
            nextDeadline = nil  // nothing may be sent: no retries either
            return nil
        }
        attempts += 1
        nextDeadline = now &+ interval
        if configuration.allowFIR && (attempts > configuration.plisBeforeFIR || !configuration.allowPLI) {
            firsSent += 1
            firUsedThisRequest = true
            return .sendFIR(sequenceNumber: firSequenceNumber)
        }
        plisSent += 1
        return .sendPLI
    }
}
