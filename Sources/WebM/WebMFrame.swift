/// One frame delivered by `WebMReader` (one per laced frame of a block).
public struct WebMFrame: Sendable, Equatable {
    public var trackNumber: UInt64
    /// Absolute time: (cluster + block timecode) × TimecodeScale, plus
    /// lace index × DefaultDuration for laced frames.
    public var timestampNs: Int64
    /// SimpleBlock keyframe flag; for a BlockGroup, true when it has no ReferenceBlock.
    public var isKeyframe: Bool
    /// Absolute file offset of the frame bytes.
    public var offset: UInt64
    /// Absolute file offset of the enclosing Cluster.
    public var clusterOffset: UInt64
    /// Index within a laced block (0 when not laced).
    public var laceIndex: Int
    public var bytes: [UInt8]
}
