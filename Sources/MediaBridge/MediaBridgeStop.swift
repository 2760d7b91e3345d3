/// Why a `MediaBridge` stopped recording before the session ended: the file
/// could not be written, or the peer passed one of the session's bounds
/// (DESIGN.md §8). The owner ends the session with `endReason`.
public enum MediaBridgeStop: Sendable, Equatable {
    /// A write failed, or free disk fell below `minFreeDiskBytes`.
    case storage(String)
    /// More than `maxBitrate` was received.
    case bitrateLimit(String)
    /// More than `maxRecordingBytes` of media was written.
    case sizeLimit(String)

    /// What happened, for logs and the sidecar.
    public var detail: String {
        switch self {
        case .storage(let detail), .bitrateLimit(let detail), .sizeLimit(let detail): detail
        }
    }

    /// The session's end reason: `storage`, `bitrate-limit` or `size-limit`.
    public var endReason: String {
        switch self {
        case .storage: "storage"
        case .bitrateLimit: "bitrate-limit"
        case .sizeLimit: "size-limit"
        }
    }

    /// A storage failure (not a bound).
    public var isStorage: Bool {
        if case .storage = self { return true }
        return false
    }
}
