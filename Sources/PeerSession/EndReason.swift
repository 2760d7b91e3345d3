/// Why a session ended (DESIGN.md §2). Recorded in every session's metadata.
///
/// `name` is the stable string (`local-hangup`, `remote-hangup`, `declined`,
/// `missed`, `busy`, `failed`, `shutdown`, `storage`, `max-duration`, `bitrate-limit`, `size-limit`);
/// `detail` carries the failure detail of `failed` (`ice-timeout`,
/// `dtls-failed`, `consent-lost`, `negotiation-timeout`, `bad-offer`,
/// `srtp-failed`, …) and is `nil` for every other reason.
///
/// Codable as `{"reason": "failed", "detail": "ice-timeout"}` (`detail` omitted when nil).
public enum EndReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Capstan hung up (REST `DELETE /api/sessions/{id}`).
    case localHangup
    /// The peer hung up (`call:hangup`, WHIP `DELETE`).
    case remoteHangup
    /// The call was refused before it was accepted (`call:reject`).
    case declined
    /// Nobody accepted within the ring timeout.
    case missed
    /// Refused because Capstan was at its call limit.
    case busy
    /// Negotiation or transport failure; `detail` says which.
    case failed(detail: String)
    /// The daemon is shutting down.
    case shutdown
    /// A recording write error or a full disk.
    case storage
    /// The session reached the configured maximum duration.
    case maxDuration
    /// The peer sent more than `maxSessionBitrate`.
    case bitrateLimit
    /// The recording reached `maxRecordingBytes`.
    case sizeLimit

    /// Detail used when the negotiation timeout fires.
    public static let negotiationTimeoutDetail = "negotiation-timeout"

    /// The stable reason string.
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
        case .bitrateLimit: "bitrate-limit"
        case .sizeLimit: "size-limit"
        }
    }

    /// The failure detail of `failed`; `nil` otherwise.
    public var detail: String? {
        if case .failed(let detail) = self { return detail }
        return nil
    }

    /// Parses a stable reason string (e.g. the `reason` of a `call:reject`).
    /// `failed` takes `detail` (empty when missing); unknown names give `nil`.
    public init?(name: String, detail: String? = nil) {
        switch name {
        case "local-hangup": self = .localHangup
        case "remote-hangup": self = .remoteHangup
        case "declined": self = .declined
        case "missed": self = .missed
        case "busy": self = .busy
        case "failed": self = .failed(detail: detail ?? "")
        case "shutdown": self = .shutdown
        case "storage": self = .storage
        case "max-duration": self = .maxDuration
        case "bitrate-limit": self = .bitrateLimit
        case "size-limit": self = .sizeLimit
        default: return nil
        }
    }

    /// `failed(ice-timeout)` for failures, the bare name otherwise.
    public var description: String {
        if let detail { return "\(name)(\(detail))" }
        return name
    }

    private enum CodingKeys: String, CodingKey { case reason, detail }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .reason)
        let detail = try container.decodeIfPresent(String.self, forKey: .detail)
        guard let reason = EndReason(name: name, detail: detail) else {
            throw DecodingError.dataCorruptedError(
                forKey: .reason, in: container, debugDescription: "unknown end reason \(name)")
        }
        self = reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .reason)
        try container.encodeIfPresent(detail, forKey: .detail)
    }
}
