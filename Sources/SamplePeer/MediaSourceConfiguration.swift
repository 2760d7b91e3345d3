import MediaPipeline

/// What the shared `MediaSource` makes.
public struct MediaSourceConfiguration: Sendable, Equatable {
    /// The test video, or nil for audio only.
    public var video: VideoFormat?
    /// Make the 440 Hz Opus tone.
    public var audio: Bool
    /// The video codec: VP8 (libvpx) or H.264 (libopenh264).
    public var videoCodec: VideoCodec = .vp8
    /// Video target bitrate in kbit/s.
    public var videoBitrateKbps: Int
    /// A keyframe at least this often, in seconds (0: only on request).
    public var keyframeIntervalSeconds: Int
    /// A keyframe exactly every this many seconds on the frame grid (frame
    /// index × fps), forced by the source, the encoder's own interval off — the
    /// fixed keyframe interval OBS and FFmpeg users set. nil: every
    /// `keyframeIntervalSeconds` from the encoder.
    public var fixedKeyframeIntervalSeconds: Double?
    /// The first keyframe sent comes this late (seconds after the first video
    /// frame): the frames before it are delta frames, as from an encoder that
    /// has been running since before the call (a sender joining mid-GOP). The
    /// encoder's opening keyframe is encoded and never sent. 0: the first frame
    /// is a keyframe.
    public var firstKeyframeAfterSeconds: Double = 0
    /// Keyframe requests (PLI/FIR from any session) closer than this to the last
    /// keyframe are ignored, so N sessions asking at once cost one keyframe.
    public var minKeyframeSpacingNs: UInt64
    /// Opus bitrate in bit/s.
    public var audioBitrate: Int

    /// Defaults: 640×360 at 30 fps, 500 kbit/s, a keyframe every 3 s, Opus at 32 kbit/s.
    public init(video: VideoFormat? = VideoFormat(width: 640, height: 360, fps: 30), audio: Bool = true,
                videoBitrateKbps: Int = 500, keyframeIntervalSeconds: Int = 3,
                minKeyframeSpacingNs: UInt64 = 500_000_000, audioBitrate: Int = 32_000) {
        self.video = video
        self.audio = audio
        self.videoBitrateKbps = videoBitrateKbps
        self.keyframeIntervalSeconds = keyframeIntervalSeconds
        self.minKeyframeSpacingNs = minKeyframeSpacingNs
        self.audioBitrate = audioBitrate
    }
}

/// What the shared `MediaSource` did.
public struct MediaSourceStatistics: Sendable, Equatable, Codable {
    public var videoFramesEncoded = 0
    public var keyframesEncoded = 0
    /// Frames skipped because the encoder fell behind real time.
    public var videoFramesSkipped = 0
    public var audioFramesEncoded = 0
    /// PLI/FIR forwarded from sessions, and how many of them forced a keyframe.
    public var keyframeRequests = 0
    public var keyframeRequestsHonoured = 0
    /// Time spent drawing the test pattern, in milliseconds.
    public var videoRenderMilliseconds = 0.0
    /// Time spent in libvpx, in milliseconds.
    public var videoEncodeMilliseconds = 0.0

    public init() {}
}
