/// Timeouts and bounds of a `PeerSession`. Times are nanoseconds on the
/// driver's monotonic clock.
public struct PeerSessionConfiguration: Sendable, Equatable {
    /// `incoming-init` or `outgoing-init` for this long without accept or
    /// reject ends the session `missed`. Default 30 s.
    public var ringTimeoutNs: UInt64
    /// `negotiating` for this long without `transportConnected` ends the session
    /// `failed(negotiation-timeout)`. Counted from entering `negotiating`,
    /// not reset by progress (offer, answer, candidates). Default 30 s.
    public var negotiationTimeoutNs: UInt64
    /// `active` for this long ends the session `max-duration`; `nil` means no limit.
    public var maxDurationNs: UInt64?
    /// Remote candidates held while the transport cannot take them yet;
    /// one more is rejected with `PeerSessionError.candidateQueueFull`. Default 64.
    public var maxQueuedCandidates: Int
    /// Event log entries kept; older ones are dropped and counted. Default 500.
    public var eventLogCapacity: Int

    public init(ringTimeoutNs: UInt64 = 30_000_000_000,
                negotiationTimeoutNs: UInt64 = 30_000_000_000,
                maxDurationNs: UInt64? = nil,
                maxQueuedCandidates: Int = 64,
                eventLogCapacity: Int = 500) {
        self.ringTimeoutNs = ringTimeoutNs
        self.negotiationTimeoutNs = negotiationTimeoutNs
        self.maxDurationNs = maxDurationNs
        self.maxQueuedCandidates = maxQueuedCandidates
        self.eventLogCapacity = max(1, eventLogCapacity)
    }
}
