/// Why a session ended (DESIGN §2), with a detail for `failed`.
public enum EndReason: Sendable, Equatable, CustomStringConvertible {
    case localHangup, remoteHangup, declined, missed, busy
    case failed(detail: String)
    case shutdown, storage, maxDuration

    public var name: String {
        switch self {
        case .localHangup: "local-hangup"
        case .remoteHangup: "remote-hangup"
        case .declined: "declined"
        case .missed: "missed"
        case .busy: "busy"
        case .failed: "failed"
        case .shutdown: "shutdown"
        case .storage: "storage"
        case .maxDuration: "max-duration"
        }
    }

    public var detail: String? {
        if case .failed(let detail) = self { return detail }
        return nil
    }

    public var description: String {
        detail.map { "\(name) (\($0))" } ?? name
    }
}
