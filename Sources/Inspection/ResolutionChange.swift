/// A picture size in force from `timestampNs` on (the first entry is the
/// track's first keyframe).
public struct ResolutionChange: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Time of the keyframe that introduced the size.
    public var timestampNs: Int64

    public init(width: Int, height: Int, timestampNs: Int64) {
        self.width = width
        self.height = height
        self.timestampNs = timestampNs
    }
}
