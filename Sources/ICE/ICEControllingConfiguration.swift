/// Timers of an `ICEControllingAgent`. All durations are nanoseconds.
public struct ICEControllingConfiguration: Sendable, Equatable {
    /// Initial retransmission timeout (RFC 8489 §6.2.1; RFC 8445 §14.3 floor 500 ms).
    public var initialRTONs: UInt64
    /// Rc: transmissions of one request, first included (RFC 8489 §6.2.1, default 7).
    public var maxTransmissions: Int
    /// Rm: after the last transmission wait Rm × initial RTO for a response (default 16).
    public var lastWaitMultiplier: UInt64
    /// Give up with `.timeout` if not connected this long after `start` (default 10 s).
    public var connectTimeoutNs: UInt64
    /// Base period of consent checks, jittered ×0.8–1.2 (RFC 7675 §5.1: 5 s).
    public var consentIntervalNs: UInt64
    /// Consent is lost after this long without an authenticated response (RFC 7675: 30 s).
    public var consentTimeoutNs: UInt64
    /// PRIORITY sent in checks (RFC 8445 §5.1.2: a host candidate, component 1, by default).
    public var priority: UInt32

    public init(initialRTONs: UInt64 = 500_000_000, maxTransmissions: Int = 7, lastWaitMultiplier: UInt64 = 16,
                connectTimeoutNs: UInt64 = 10_000_000_000, consentIntervalNs: UInt64 = 5_000_000_000,
                consentTimeoutNs: UInt64 = 30_000_000_000,
                priority: UInt32 = 126 << 24 | 65535 << 8 | 255) {
        self.initialRTONs = initialRTONs
        self.maxTransmissions = max(1, maxTransmissions)
        self.lastWaitMultiplier = lastWaitMultiplier
        self.connectTimeoutNs = connectTimeoutNs
        self.consentIntervalNs = consentIntervalNs
        self.consentTimeoutNs = consentTimeoutNs
        self.priority = priority
    }
}
