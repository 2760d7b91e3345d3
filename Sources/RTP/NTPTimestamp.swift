/// A 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900-01-01 UTC in the high
/// 32 bits and the fraction of a second in units of 2^-32 s in the low 32 bits.
public struct NTPTimestamp: Hashable, Comparable, Sendable {
    /// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
    public static let unixEpochOffsetSeconds: UInt64 = 2_208_988_800

    /// The 64-bit fixed-point value.
    public var rawValue: UInt64

    /// A timestamp from its 64-bit wire value.
    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// A timestamp from its integer and fractional parts.
    @inlinable
    public init(seconds: UInt32, fraction: UInt32) {
        rawValue = UInt64(seconds) << 32 | UInt64(fraction)
    }

    /// The timestamp of a Unix time in nanoseconds, rounded to the nearest 2^-32 s.
    /// Times after 2036-02-07 wrap into the next NTP era, as on the wire.
    public init(unixNanoseconds: UInt64) {
        let seconds = unixNanoseconds / 1_000_000_000 + Self.unixEpochOffsetSeconds
        let nanos = unixNanoseconds % 1_000_000_000
        let fraction = ((nanos << 32) + 500_000_000) / 1_000_000_000  // nanos < 2^30: no overflow
        rawValue = (seconds << 32) &+ fraction
    }

    /// The integer seconds.
    @inlinable public var seconds: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
    /// The fraction of a second, in units of 2^-32 s.
    @inlinable public var fraction: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    /// The middle 32 bits (16.16 fixed point seconds): the "compact" form used for
    /// LSR in reception reports (RFC 3550 §6.4.1).
    @inlinable public var compact: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 16) }

    /// The Unix time in nanoseconds, rounded to the nearest nanosecond; the timestamp
    /// is taken to be in the era that starts in 1900 (0 if it is before 1970).
    public var unixNanoseconds: UInt64 {
        let secs = UInt64(seconds)
        guard secs >= Self.unixEpochOffsetSeconds else { return 0 }
        let nanos = (UInt64(fraction) * 1_000_000_000 + (1 << 31)) >> 32
        return (secs - Self.unixEpochOffsetSeconds) * 1_000_000_000 + nanos
    }

    public static func < (lhs: NTPTimestamp, rhs: NTPTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }
}
