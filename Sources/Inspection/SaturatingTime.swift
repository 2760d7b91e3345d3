/// Overflow-free arithmetic on times read from files. Every value a file
/// controls (timestamps, granule positions, sample counts) goes through these
/// instead of `+`, `-`, `*` and `abs`, which trap on overflow: a result that
/// does not fit in Int64 is clamped to `Int64.min` / `Int64.max`.
enum SaturatingTime {
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : difference
    }

    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) == (b < 0) ? .max : .min) : product
    }

    /// |a|, with |Int64.min| clamped to Int64.max.
    static func magnitude(_ a: Int64) -> Int64 {
        a == .min ? .max : abs(a)
    }

    /// 48 kHz samples (Opus, RFC 7845 §4) as ns: exactly `samples × 10^9 / 48000`
    /// (truncated toward zero) when it fits, clamped otherwise.
    static func nanoseconds(samples: Int64) -> Int64 {
        let (q, r) = samples.quotientAndRemainder(dividingBy: 48_000)
        return add(multiply(q, 1_000_000_000), r * 1_000_000_000 / 48_000)
    }

    /// Whether `samples` at 48 kHz fits in Int64 ns without clamping.
    static func fitsInNanoseconds(samples: Int64) -> Bool {
        let ns = nanoseconds(samples: samples)
        return ns != .max && ns != .min
    }
}
