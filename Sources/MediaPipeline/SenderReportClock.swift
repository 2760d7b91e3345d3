import RTP

/// Maps the RTP timestamps of one source to wall-clock time (Unix nanoseconds),
/// the recorder's single timeline (DESIGN.md §4, RFC 3550 §6.4.1).
///
/// Timestamps are unwrapped (RFC 3550 §5.1, modulo 2^32) so the mapping survives
/// wrap-around. The anchor is the latest sender report: RTP time `rtpTimestamp`
/// was NTP time `ntpTimestamp`. Before any report the anchor is the first packet's
/// arrival time. A step between consecutive packets larger than `maxJumpSeconds`
/// is not trusted: the anchor moves to that packet's arrival time until the next
/// sender report (counted in `jumps`).
public struct SenderReportClock: Sendable {
    /// The RTP clock rate in Hz.
    public let clockRate: Int
    /// The largest step in RTP time between consecutive packets that is trusted.
    public let maxJumpSeconds: Int
    /// Sender reports applied.
    public private(set) var senderReports = 0
    /// Untrusted jumps that moved the anchor to arrival time.
    public private(set) var jumps = 0
    /// The anchor comes from a sender report.
    public private(set) var isSynchronized = false

    private var unwrapper = TimestampUnwrapper()
    private var lastPacket: Int64?
    private var anchorRTP: Int64 = 0
    private var anchorUnixNs: Int64 = 0
    private var anchored = false

    /// Creates a clock for a source with `clockRate` (90 000 video, 48 000 Opus).
    public init(clockRate: Int, maxJumpSeconds: Int = 10) {
        precondition(clockRate > 0, "clock rate must be positive")
        self.clockRate = clockRate
        self.maxJumpSeconds = maxJumpSeconds
    }

    /// Takes a sender report of this source: the new anchor.
    public mutating func handleSenderReport(ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32) {
        anchorRTP = unwrapper.unwrap(rtpTimestamp)
        anchorUnixNs = Int64(ntpTimestamp.unixNanoseconds)
        anchored = true
        isSynchronized = true
        senderReports += 1
    }

    /// Takes a sender report of this source: the new anchor.
    public mutating func handleSenderReport(_ info: SenderInfo) {
        handleSenderReport(ntpTimestamp: info.ntpTimestamp, rtpTimestamp: info.rtpTimestamp)
    }

    /// The wall-clock time of a packet's RTP timestamp, in Unix nanoseconds.
    ///
    /// - Parameters:
    ///   - rtpTimestamp: the packet's RTP timestamp.
    ///   - arrivalUnixNs: when it arrived, on the wall clock; used before the first
    ///     sender report and after an untrusted jump.
    public mutating func map(rtpTimestamp: UInt32, arrivalUnixNs: UInt64) -> Int64 {
        let u = unwrapper.unwrap(rtpTimestamp)
        defer { lastPacket = u }
        if !anchored {
            anchor(u, arrivalUnixNs)
        } else if let last = lastPacket, abs(u - last) > Int64(maxJumpSeconds) * Int64(clockRate) {
            jumps += 1
            anchor(u, arrivalUnixNs)
        }
        return unixNanoseconds(ofUnwrapped: u)
    }

    /// The wall-clock time of an RTP timestamp (unwrapped next to the last one seen)
    /// under the current anchor, without moving anything; nil before the first
    /// packet or report.
    public func unixNanoseconds(of rtpTimestamp: UInt32) -> Int64? {
        guard anchored else { return nil }
        return unixNanoseconds(ofUnwrapped: unwrapper.peek(rtpTimestamp))
    }

    private mutating func anchor(_ u: Int64, _ arrivalUnixNs: UInt64) {
        anchorRTP = u
        anchorUnixNs = Int64(arrivalUnixNs)
        anchored = true
        isSynchronized = false
    }

    private func unixNanoseconds(ofUnwrapped u: Int64) -> Int64 {
        let ticks = u - anchorRTP
        let rate = Int64(clockRate)
        let (q, r) = ticks.quotientAndRemainder(dividingBy: rate)
        return anchorUnixNs + q * 1_000_000_000 + r * 1_000_000_000 / rate
    }
}
