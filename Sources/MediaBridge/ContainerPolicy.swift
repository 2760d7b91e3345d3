/// Which container a recording goes into (DESIGN.md §3 "Recordings").
public enum ContainerPolicy: String, Sendable, CaseIterable, Codable {
    /// WebM (VP8 + Opus) when the session negotiated video, Ogg Opus when audio only.
    case auto
    /// Always WebM, also for audio-only sessions.
    case webm

    /// The container for a session with (or without) video.
    public func container(hasVideo: Bool) -> RecordingContainer {
        switch self {
        case .auto: hasVideo ? .webm : .ogg
        case .webm: .webm
        }
    }
}

/// A recording's container.
public enum RecordingContainer: String, Sendable, Codable {
    case webm
    case ogg

    /// The file name extension.
    public var fileExtension: String { rawValue }
}
