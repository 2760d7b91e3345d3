/// What `WebMWriter.finalize()` wrote.
public struct WebMWriterSummary: Sendable, Equatable {
    public var path: String
    /// The Duration written to Info, in ns (end of the last frame).
    public var durationNs: Int64
    public var videoFrames: Int
    public var videoKeyframes: Int
    public var audioFrames: Int
    public var clusters: Int
    public var cuePoints: Int
    /// File size after finalize.
    public var bytes: UInt64
    /// Frames whose timestamp went backwards within their track and were
    /// clamped to the track's previous timestamp.
    public var clampedTimestamps: Int
    /// Frames accepted by `writeFrame` but lost because a write failed.
    public var lostFrames: Int
    /// The errno of the first write failure, if any (the file was then closed
    /// at its last complete cluster).
    public var writeErrno: Int32?
    /// False when the Cues could not be written (after a write failure).
    public var hasCues: Bool
}
