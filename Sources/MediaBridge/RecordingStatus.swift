/// A live view of a recording, for `/api/sessions/{id}`.
public struct RecordingStatus: Codable, Sendable, Equatable {
    /// The recording's path (it exists once the first frame was written).
    public var path: String
    public var container: String
    public var fileOpen: Bool
    public var videoFrames: Int
    public var videoKeyframes: Int
    public var audioFrames: Int
    public var width: Int?
    public var height: Int?
    public var packetsReceived: Int
    public var packetsLost: Int
    public var plisSent: Int
    public var firsSent: Int
    public var nacksSent: Int
    public var writeError: String?
    /// Frames clamped to keep a track's times strictly increasing.
    public var timestampClamps: Int
}
