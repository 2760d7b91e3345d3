import RTP

/// Maps the RTP timestamps of one source onto the receiver's clock through one
/// fixed linear mapping, and estimates from the source's sender reports how the
/// sender's NTP clock sits against that mapping (DESIGN.md §4 "One timeline",
/// RFC 3550 §6.4.1).
///
/// The mapping is anchored once, at the first packet's (or sender report's)
/// arrival, and then follows the RTP clock alone: two timestamps 3000 ticks
/// apart at 90 kHz map exactly 33.3 ms apart, whatever the reports say. Sender
/// reports never move it. Real senders stamp reports from a wall clock that
/// disagrees with their RTP clock by tens of milliseconds (aiortc), so each
/// report only adds a sample `NTP − mapped(rtp)` to a window, and
/// `senderOffsetNs` is the window's minimum (the least-delayed stamp). A
/// caller aligns tracks by the difference of their offsets, applied by a
/// bounded slew (`SlewedCorrection`), never by a step.
///
/// A timestamp step that disagrees with the arrival times by more than
/// `maxJumpNs` (a sender restarting its RTP clock, or a hostile one) is a
/// discontinuity: the mapping is re-anchored so the packet lands where the
/// arrival times say, measured from the previous packet, and the window of
/// report samples starts again (counted in `jumps`).
///
/// All arithmetic on timestamps and report times saturates or wraps: no
/// value a peer sends can trap.
public struct SenderReportClock: Sendable {
    /// The RTP clock rate in Hz.
    public let clockRate: Int
    /// The largest disagreement, in ns, between a step in RTP time and the
    /// step in arrival time that is trusted.
    public let maxJumpNs: Int64
    /// Sender reports applied.
    public private(set) var senderReports = 0
    /// Discontinuities that re-anchored the mapping.
    public private(set) var jumps = 0
    /// Sender-report samples kept, oldest first (at most `window`).
    private var offsets: [Int64] = []
    private let window: Int

    private var unwrapper = TimestampUnwrapper()
    private var last: (rtp: Int64, arrivalNs: Int64)?
    private var anchorRTP: Int64 = 0
    private var anchorNs: Int64 = 0
    private var anchored = false

    /// Creates a clock for a source with `clockRate` (90 000 video, 48 000 Opus).
    /// - Parameters:
    ///   - maxJumpSeconds: how far RTP time may run ahead of or behind arrival
    ///     time between two packets before it is a discontinuity.
    ///   - window: how many sender reports the offset estimate looks back over.
    ///   A clock rate outside 1...10 000 000 Hz (SDP is peer data) is clamped.
    public init(clockRate: Int, maxJumpSeconds: Int = 3, window: Int = 16) {
        self.clockRate = min(max(clockRate, 1), 10_000_000)
        maxJumpNs = Int64(clamping: maxJumpSeconds).multipliedSaturating(by: 1_000_000_000)
        self.window = max(1, window)
        offsets.reserveCapacity(self.window)
    }

    /// At least one sender report since the mapping was (re-)anchored.
    public var isSynchronized: Bool { !offsets.isEmpty }

    /// The sender's NTP clock minus this mapping, in ns (the smallest sample
    /// of the window); nil without a report since the last anchoring.
    public var senderOffsetNs: Int64? { offsets.min() }

    /// The offset with how far it can be trusted: `uncertaintyNs` is the
    /// window's spread over its sample count plus one (the expected distance
    /// of the minimum from the true edge for evenly spread stamps), so a
    /// sender with exact reports gets ~0 and aiortc-like ones tens of ms
    /// shrinking as reports come.
    public var senderOffsetEstimate: (offsetNs: Int64, uncertaintyNs: Int64, samples: Int)? {
        guard let low = offsets.min(), let high = offsets.max() else { return nil }
        return (low, high.subtractingSaturating(low) / Int64(offsets.count + 1), offsets.count)
    }

    /// Takes a sender report of this source: one more offset sample. Before any
    /// packet it anchors the mapping at the report's arrival.
    public mutating func handleSenderReport(ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, arrivalUnixNs: Int64) {
        let u = unwrapper.peek(rtpTimestamp)  // a bogus report does not move the unwrapping
        if !anchored {
            anchor(u, arrivalUnixNs)
            last = (u, arrivalUnixNs)
        }
        let ntpNs = Int64(clamping: ntpTimestamp.unixNanoseconds)
        if offsets.count == window { offsets.removeFirst() }
        offsets.append(ntpNs.subtractingSaturating(localNanoseconds(ofUnwrapped: u)))
        senderReports += 1
    }

    /// Takes a sender report of this source.
    public mutating func handleSenderReport(_ info: SenderInfo, arrivalUnixNs: Int64) {
        handleSenderReport(ntpTimestamp: info.ntpTimestamp, rtpTimestamp: info.rtpTimestamp, arrivalUnixNs: arrivalUnixNs)
    }

    /// The time of a packet's RTP timestamp on the receiver's clock (Unix ns),
    /// through the mapping; the first call anchors it at `arrivalUnixNs`.
    /// Returns the unwrapped timestamp too.
    @discardableResult
    public mutating func map(rtpTimestamp: UInt32, arrivalUnixNs: Int64) -> (unixNs: Int64, unwrapped: Int64) {
        let u = unwrapper.unwrap(rtpTimestamp)
        if !anchored {
            anchor(u, arrivalUnixNs)
        } else if let last {
            let rtpStep = Self.nanoseconds(ticks: u &- last.rtp, rate: clockRate)
            let arrivalStep = arrivalUnixNs.subtractingSaturating(last.arrivalNs)
            if rtpStep.subtractingSaturating(arrivalStep).magnitude > maxJumpNs.magnitude {
                // Land where the arrival times say, measured from the previous packet.
                jumps += 1
                let previous = localNanoseconds(ofUnwrapped: last.rtp)
                anchor(u, previous.addingSaturating(max(0, arrivalStep)))
            }
        }
        last = (u, arrivalUnixNs)
        return (localNanoseconds(ofUnwrapped: u), u)
    }

    /// Re-anchors the mapping so the unwrapped timestamp `u` maps to `unixNs`
    /// (a discontinuity the caller found); the report window starts again.
    public mutating func rebase(unwrapped u: Int64, toUnixNs unixNs: Int64) {
        jumps += 1
        anchor(u, unixNs)
    }

    /// The unwrapped value of `rtpTimestamp`, next to the last one seen, without
    /// moving anything.
    public func unwrapped(_ rtpTimestamp: UInt32) -> Int64 { unwrapper.peek(rtpTimestamp) }

    /// The receiver-clock time (Unix ns) of an unwrapped timestamp under the
    /// current anchor; nil before the first packet or report.
    public func unixNanoseconds(ofUnwrapped u: Int64) -> Int64? {
        anchored ? localNanoseconds(ofUnwrapped: u) : nil
    }

    private mutating func anchor(_ u: Int64, _ unixNs: Int64) {
        anchorRTP = u
        anchorNs = unixNs
        anchored = true
        offsets.removeAll(keepingCapacity: true)
    }

    private func localNanoseconds(ofUnwrapped u: Int64) -> Int64 {
        anchorNs.addingSaturating(Self.nanoseconds(ticks: u &- anchorRTP, rate: clockRate))
    }

    /// `ticks` of a `rate` Hz clock in ns, truncated toward zero, saturating.
    public static func nanoseconds(ticks: Int64, rate: Int) -> Int64 {
        let r = Int64(rate)
        let (q, rem) = ticks.quotientAndRemainder(dividingBy: r)
        return q.multipliedSaturating(by: 1_000_000_000).addingSaturating(rem * 1_000_000_000 / r)
    }
}

extension Int64 {
    /// `self + other`, clamped to the representable range.
    @inlinable public func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, clamped to the representable range.
    @inlinable public func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }

    /// `self * other`, clamped to the representable range.
    @inlinable public func multipliedSaturating(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) != (other < 0) ? .min : .max) : product
    }
}
