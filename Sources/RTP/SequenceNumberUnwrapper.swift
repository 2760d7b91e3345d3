/// Turns 16-bit RTP sequence numbers into a monotone 64-bit count that survives
/// wrap-around (RFC 3550 §5.1, Appendix A.1).
///
/// Each value is placed at the position nearest to the previous one: a step of
/// less than 2^15 forward or backward is taken as such, so reordering across the
/// wrap (…, 65535, 1, 0, 2, …) unwraps to consecutive values. A jump of 2^15 or
/// more is ambiguous and is read as the nearer direction.
public struct SequenceNumberUnwrapper: Sendable {
    @usableFromInline var last: Int64?

    /// A fresh unwrapper: the first value unwraps to itself.
    public init() {}

    /// The unwrapped value of `sequenceNumber`; becomes the reference for the next call.
    @inlinable
    public mutating func unwrap(_ sequenceNumber: UInt16) -> Int64 {
        let value = peek(sequenceNumber)
        last = value
        return value
    }

    /// The unwrapped value of `sequenceNumber` without updating the reference.
    @inlinable
    public func peek(_ sequenceNumber: UInt16) -> Int64 {
        guard let last else { return Int64(sequenceNumber) }
        let delta = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: last))
        return last + Int64(delta)
    }

    /// The last unwrapped value, nil before the first.
    @inlinable public var lastUnwrapped: Int64? { last }
}
