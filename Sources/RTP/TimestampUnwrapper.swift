/// Turns 32-bit RTP timestamps into a 64-bit timeline that survives wrap-around
/// (RFC 3550 §5.1: the timestamp wraps modulo 2^32).
///
/// Each value is placed nearest to the previous one: a step of less than 2^31
/// forward or backward is taken as such.
public struct TimestampUnwrapper: Sendable {
    @usableFromInline var last: Int64?

    /// A fresh unwrapper: the first value unwraps to itself.
    public init() {}

    /// The unwrapped value of `timestamp`; becomes the reference for the next call.
    @inlinable
    public mutating func unwrap(_ timestamp: UInt32) -> Int64 {
        let value = peek(timestamp)
        last = value
        return value
    }

    /// The unwrapped value of `timestamp` without updating the reference.
    @inlinable
    public func peek(_ timestamp: UInt32) -> Int64 {
        guard let last else { return Int64(timestamp) }
        let delta = Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: last))
        return last + Int64(delta)
    }

    /// The last unwrapped value, nil before the first.
    @inlinable public var lastUnwrapped: Int64? { last }
}
