/// What `MediaInspector` found in one track.
public struct TrackReport: Codable, Sendable, Equatable {
    /// `video`, `audio` or `other`.
    public enum Kind: String, Codable, Sendable {
        case video
        case audio
        case other
    }

    /// Track number in the container (1 for the Ogg Opus stream).
    public var number: UInt64
    public var kind: Kind
    /// Codec as the container names it (`V_VP8`, `A_OPUS`, `opus` for Ogg).
    public var codec: String
    /// Frames (WebM blocks, laced frames counted one by one; Ogg packets).
    public var frames: Int
    /// Video only: frames flagged as keyframes by the container.
    public var keyframes: Int?
    /// Video only: keyframes whose VP8 header says keyframe.
    public var vp8Keyframes: Int?
    /// Video only: size declared in the track header.
    public var declaredWidth: Int?
    public var declaredHeight: Int?
    /// Video only: each picture size seen, with the time it started (from the
    /// keyframes' VP8 headers, checked against the decoded pictures).
    public var resolutions: [ResolutionChange]
    /// Audio only.
    public var sampleRate: Double?
    public var channels: Int?
    /// Time of the first and last frame: WebM block times; for Ogg, the
    /// playback time (granule position minus pre-skip), so the first packet
    /// starts up to the pre-skip before 0.
    public var firstTimestampNs: Int64?
    public var lastTimestampNs: Int64?
    /// Last frame's end minus first frame's start (the last frame's length
    /// from the Opus TOC for audio, the last frame interval for video).
    public var durationNs: Int64?
    /// Largest difference between the timestamps of consecutive frames, and
    /// the time of the frame after it.
    public var largestGapNs: Int64?
    public var largestGapAtNs: Int64?
    /// Frames that failed to decode (libvpx/libopus error, or libvpx flagged
    /// the picture corrupt).
    public var decodeErrors: Int
    /// The first decode error, for the report.
    public var firstDecodeError: String?
    /// Whether the frames were decoded (false for codecs other than VP8 and Opus).
    public var decoded: Bool

    public init(number: UInt64, kind: Kind, codec: String) {
        self.number = number
        self.kind = kind
        self.codec = codec
        frames = 0
        resolutions = []
        decodeErrors = 0
        decoded = false
    }
}
