/// Up to 15 contributing source identifiers held inline (no heap allocation).
///
/// RFC 3550 §5.1: the CC field is 4 bits, so a header carries at most 15 CSRCs.
public struct RTPCSRCList: RandomAccessCollection, Hashable, Sendable {
    public typealias Element = UInt32
    public typealias Index = Int

    /// The largest number of CSRCs an RTP header can carry.
    public static let capacity = 15

    @usableFromInline
    var storage: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                  UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline
    var _count: Int = 0
    /// The number of CSRCs held (0...15).
    @inlinable public var count: Int { _count }

    /// An empty list.
    @inlinable public init() {}

    /// A list holding `csrcs`; at most 15 are kept.
    public init<S: Sequence>(_ csrcs: S) where S.Element == UInt32 {
        for csrc in csrcs where count < Self.capacity { append(csrc) }
    }

    @inlinable
    mutating func append(_ csrc: UInt32) {
        precondition(_count < Self.capacity)
        let offset = _count * 4
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: csrc, toByteOffset: offset, as: UInt32.self) }
        _count += 1
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt32 {
        precondition(position >= 0 && position < count, "CSRC index out of range")
        return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: position * 4, as: UInt32.self) }
    }

    public static func == (lhs: RTPCSRCList, rhs: RTPCSRCList) -> Bool {
        lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for csrc in self { hasher.combine(csrc) }
    }
}
