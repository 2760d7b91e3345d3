/// Turns 16-bit RTP sequence numbers into a monotone 64-bit count that survives
/// wrap-around (RFC 3550 §5.1, Appendix A.1).
///
/// Each value is placed at the position nearest to the previous one: a step of
/// less than 2^15 forward or backward is taken as such, so reordering across the
/// wrap (…, 65535, 1, 0, 2, …) unwraps to consecutive values. A jump of 2^15 or
/// more is ambiguous and is read as the nearer direction.
public typealias SequenceNumberUnwrapper = WrapAroundUnwrapper<UInt16>

/// Turns 32-bit RTP timestamps into a 64-bit timeline that survives wrap-around
/// (RFC 3550 §5.1: the timestamp wraps modulo 2^32): a step of less than 2^31
/// forward or backward is taken as such.
public typealias TimestampUnwrapper = WrapAroundUnwrapper<UInt32>

/// Places each value of a wrapping counter (`UInt16` sequence numbers, `UInt32`
/// timestamps) on a 64-bit line, nearest to the previous one: a step of less
/// than half the counter's range forward or backward is taken as such.
public struct WrapAroundUnwrapper<Value: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    @usableFromInline var last: Int64?

    /// A fresh unwrapper: the first value unwraps to itself.
    public init() {}

    /// The unwrapped value of `value`; becomes the reference for the next call.
    @inlinable
    public mutating func unwrap(_ value: Value) -> Int64 {
        let unwrapped = peek(value)
        last = unwrapped
        return unwrapped
    }

    /// The unwrapped value of `value` without updating the reference.
    @inlinable
    public func peek(_ value: Value) -> Int64 {
        guard let last else { return Int64(value) }
        // The difference modulo the counter's range, sign-extended from its width.
        let shift = Int64(64 - Value.bitWidth)
        let difference = Int64(truncatingIfNeeded: value &- Value(truncatingIfNeeded: last))
        return last + ((difference << shift) >> shift)
    }

    /// The last unwrapped value, nil before the first.
    @inlinable public var lastUnwrapped: Int64? { last }
}
