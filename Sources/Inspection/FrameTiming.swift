/// Running first/last timestamps and the largest gap of one track.
///
/// Timestamps come from the file: every difference and sum saturates
/// (`SaturatingTime`) instead of trapping.
struct FrameTiming {
    private(set) var first: Int64?
    private(set) var last: Int64?
    /// Difference between the last two timestamps (the last frame interval).
    private(set) var lastInterval: Int64?
    private(set) var largestGap: Int64?
    private(set) var largestGapAt: Int64?
    /// Frames whose timestamp is earlier than the previous frame's.
    private(set) var backwards = 0

    mutating func add(_ t: Int64) {
        if let last {
            let gap = SaturatingTime.subtract(t, last)
            if gap < 0 { backwards += 1 }
            lastInterval = gap
            if gap > (largestGap ?? Int64.min) {
                largestGap = gap
                largestGapAt = t
            }
        } else {
            first = t
        }
        last = t
    }

    /// Writes the timing fields of `report`; `lastFrameLength` is the last
    /// frame's own length when the codec says (Opus), else the last interval.
    func apply(to report: inout TrackReport, lastFrameLength: Int64?) {
        report.firstTimestampNs = first
        report.lastTimestampNs = last
        report.largestGapNs = largestGap
        report.largestGapAtNs = largestGapAt
        if let first, let last {
            report.durationNs = SaturatingTime.add(SaturatingTime.subtract(last, first),
                                                   max(0, lastFrameLength ?? lastInterval ?? 0))
        }
    }

    /// End of the last frame (absolute), as above.
    func end(lastFrameLength: Int64?) -> Int64? {
        last.map { SaturatingTime.add($0, max(0, lastFrameLength ?? lastInterval ?? 0)) }
    }
}
