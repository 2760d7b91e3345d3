/// Settings of a `JitterBuffer`. All times are nanoseconds.
public struct JitterBufferConfiguration: Sendable, Equatable {
    /// How long a missing packet is waited for, from the moment it was found
    /// missing, before it is skipped with a `.gap`.
    public var maxWaitNs: UInt64
    /// Ask for missing packets with generic NACK (RFC 4585 §6.2.1).
    public var nackEnabled: Bool
    /// Delay before the first NACK for a packet found missing, so that packets
    /// merely reordered by a few milliseconds are not asked for.
    public var initialNackDelayNs: UInt64
    /// At most this many NACKs per missing packet.
    public var maxNackAttempts: Int
    /// The floor of the retry interval: a NACK is repeated after
    /// `max(rtt, minNackRetryIntervalNs) * nackRetryFactor`.
    public var minNackRetryIntervalNs: UInt64
    /// See `minNackRetryIntervalNs`.
    public var nackRetryFactor: Double
    /// The round-trip time assumed until `updateRoundTripTime(_:)` is called.
    public var initialRoundTripTimeNs: UInt64
    /// Packets the buffer holds, i.e. the largest span of sequence numbers between
    /// the oldest packet not yet handed out and the newest. Rounded up to a power
    /// of two. A packet further ahead forces the oldest out (skipping what is missing).
    public var capacity: Int
    /// The largest payload stored; larger payloads are counted (`oversized`) and dropped.
    public var maxPayloadSize: Int
    /// How long the first packet is held before anything is handed out, so that
    /// packets sent before it but reordered behind it still count (without it the
    /// start of the first keyframe is often lost to reordering). 0 hands out at once.
    public var startupDelayNs: UInt64

    /// Creates a configuration.
    public init(
        maxWaitNs: UInt64, nackEnabled: Bool, initialNackDelayNs: UInt64 = 10_000_000, maxNackAttempts: Int = 10,
        minNackRetryIntervalNs: UInt64 = 20_000_000, nackRetryFactor: Double = 1.5,
        initialRoundTripTimeNs: UInt64 = 100_000_000, capacity: Int, maxPayloadSize: Int = 1500,
        startupDelayNs: UInt64 = 0
    ) {
        self.maxWaitNs = maxWaitNs
        self.nackEnabled = nackEnabled
        self.initialNackDelayNs = initialNackDelayNs
        self.maxNackAttempts = maxNackAttempts
        self.minNackRetryIntervalNs = minNackRetryIntervalNs
        self.nackRetryFactor = nackRetryFactor
        self.initialRoundTripTimeNs = initialRoundTripTimeNs
        self.capacity = capacity
        self.maxPayloadSize = maxPayloadSize
        self.startupDelayNs = startupDelayNs
    }

    /// Video: NACK on, wait up to 500 ms, 512 packets (about 5 Mbit/s at 500 ms),
    /// 50 ms start-up hold.
    public static let video = JitterBufferConfiguration(maxWaitNs: 500_000_000, nackEnabled: true, capacity: 512,
                                                        startupDelayNs: 50_000_000)

    /// Audio: no NACK, wait up to 100 ms, 64 packets, 20 ms start-up hold.
    public static let audio = JitterBufferConfiguration(maxWaitNs: 100_000_000, nackEnabled: false, capacity: 64,
                                                        startupDelayNs: 20_000_000)
}
