import MediaPipeline

/// Which container a recording goes into (DESIGN.md §3 "Recordings", §9).
public enum ContainerPolicy: String, Sendable, CaseIterable, Codable {
    /// WebM (VP8 + Opus) when the session negotiated video, Matroska when
    /// that video is H.264 (WebM does not take it), Ogg Opus when audio only.
    case auto
    /// WebM also for audio-only sessions (H.264 still goes into Matroska).
    case webm

    /// The container for a session with (or without) video of `codec`.
    public func container(video codec: VideoCodec?) -> RecordingContainer {
        if let codec, codec.needsMatroska { return .matroska }
        switch self {
        case .auto: return codec != nil ? .webm : .ogg
        case .webm: return .webm
        }
    }

    /// The container for a session with (or without) VP8 video.
    public func container(hasVideo: Bool) -> RecordingContainer {
        container(video: hasVideo ? .vp8 : nil)
    }
}

/// A recording's container.
public enum RecordingContainer: String, Sendable, Codable {
    case webm
    /// Matroska (`.mkv`): H.264 video, written by the same EBML writer as WebM.
    case matroska
    case ogg

    /// The file name extension.
    public var fileExtension: String {
        switch self {
        case .webm: "webm"
        case .matroska: "mkv"
        case .ogg: "ogg"
        }
    }

    /// WebM and Matroska: the EBML writer.
    public var isMatroskaFamily: Bool { self != .ogg }
}
