/// One header extension element located in a parsed buffer (RFC 8285 §4):
/// its local identifier and the byte range of its data.
public struct RTPHeaderExtensionElement: Hashable, Sendable {
    /// The local identifier (1...14 for one-byte, 1...255 for two-byte elements).
    public var id: UInt8
    /// The range of the element's data in the buffer the header was parsed from.
    public var range: Range<Int>

    /// Creates an element record.
    @inlinable
    public init(id: UInt8, range: Range<Int>) {
        self.id = id
        self.range = range
    }
}
