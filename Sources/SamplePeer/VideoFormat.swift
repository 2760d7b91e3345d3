/// The picture size and frame rate of the sample peer's test video, written
/// `WxH@FPS` on the command line (`640x360@30`).
public struct VideoFormat: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public var fps: Int

    /// Creates a format; every field must be positive.
    public init(width: Int, height: Int, fps: Int) {
        precondition(width > 0 && height > 0 && fps > 0, "VideoFormat needs positive fields")
        self.width = width
        self.height = height
        self.fps = fps
    }

    /// Parses `WxH@FPS` (the `@FPS` part may be left out: 30 fps). Returns nil
    /// when the text is malformed or out of 16…4096 pixels, 1…120 fps.
    public init?(parsing text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let size = parts[0].lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard size.count == 2, let w = Int(size[0]), let h = Int(size[1]) else { return nil }
        let fps = parts.count == 2 ? Int(parts[1]) : 30
        guard let fps, (16...4096).contains(w), (16...4096).contains(h), (1...120).contains(fps) else { return nil }
        self.init(width: w, height: h, fps: fps)
    }

    public var description: String { "\(width)x\(height)@\(fps)" }

    /// The 90 kHz RTP ticks of frame `index` (RFC 7741 §4.1: 90 kHz clock).
    public func ticks(ofFrame index: Int) -> UInt64 { UInt64(index) * 90_000 / UInt64(fps) }

    /// The nanoseconds from the first frame to frame `index`.
    public func nanoseconds(ofFrame index: Int) -> UInt64 { UInt64(index) * 1_000_000_000 / UInt64(fps) }
}
