import CSRTP

/// Errors from SRTP protect and unprotect, mapped from libsrtp2's
/// `srtp_err_status_t`.
public enum SRTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The authentication tag did not verify (`srtp_err_status_auth_fail`): a
    /// forged, corrupted or wrongly keyed packet.
    case authenticationFailed
    /// The packet index is older than the replay window (`srtp_err_status_replay_old`).
    case replayOld
    /// The packet index was already seen inside the replay window (`srtp_err_status_replay_fail`).
    case replayFailed
    /// Bad input: a packet too short or malformed, a key of the wrong length,
    /// an invalid replay window (`srtp_err_status_bad_param` and parse errors).
    case badParameter
    /// The caller's buffer has no room for the SRTP trailer.
    case bufferTooSmall
    /// Any other libsrtp status code.
    case other(Int32)

    /// Maps a libsrtp status code; `nil` for `srtp_err_status_ok`.
    init?(status: srtp_err_status_t) {
        switch status {
        case srtp_err_status_ok: return nil
        case srtp_err_status_auth_fail: self = .authenticationFailed
        case srtp_err_status_replay_old: self = .replayOld
        case srtp_err_status_replay_fail: self = .replayFailed
        case srtp_err_status_bad_param, srtp_err_status_parse_err: self = .badParameter
        default: self = .other(Int32(bitPattern: status.rawValue))
        }
    }

    /// A stable, bounded name for metrics labels and logs.
    public var name: String {
        switch self {
        case .authenticationFailed: "auth_fail"
        case .replayOld: "replay_old"
        case .replayFailed: "replay_fail"
        case .badParameter: "bad_param"
        case .bufferTooSmall: "buffer_too_small"
        case .other: "other"
        }
    }

    public var description: String {
        switch self {
        case .other(let code): "srtp error \(code)"
        default: name
        }
    }
}
