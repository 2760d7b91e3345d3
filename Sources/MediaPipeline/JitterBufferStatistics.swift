/// Counters of a `JitterBuffer`.
public struct JitterBufferStatistics: Sendable, Equatable {
    /// Packets given to `insert`, whatever became of them.
    public var received: Int = 0
    /// Packets received a second time (still buffered, or already handed out).
    public var duplicates: Int = 0
    /// Packets that came after their sequence number was skipped or was too old.
    public var late: Int = 0
    /// Packets dropped because the payload exceeded `maxPayloadSize`.
    public var oversized: Int = 0
    /// Distinct sequence numbers asked for with NACK at least once.
    public var nacked: Int = 0
    /// NACK entries sent, retries included.
    public var nackRequests: Int = 0
    /// Packets that arrived after having been NACKed (in time to be used). Without
    /// RTX (RFC 4588) a retransmission cannot be told from an original reordered
    /// beyond `initialNackDelayNs`, so this counts both.
    public var recovered: Int = 0
    /// Sequence numbers skipped with a `.gap`.
    public var lost: Int = 0
    /// Packets handed out.
    public var emitted: Int = 0
    /// Times the stream was taken to have restarted (sequence number jump).
    public var restarts: Int = 0

    /// Zero counters.
    public init() {}
}
