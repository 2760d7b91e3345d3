/// One owned header extension element (RFC 8285 §4): local identifier and data.
public struct RTPHeaderExtension: Hashable, Sendable {
    /// The local identifier: 1...14 in a one-byte block, 1...255 in a two-byte block.
    public var id: UInt8
    /// The element data: 1...16 bytes in a one-byte block, 0...255 in a two-byte block.
    public var data: [UInt8]

    /// Creates an element.
    public init(id: UInt8, data: [UInt8]) {
        self.id = id
        self.data = data
    }
}
