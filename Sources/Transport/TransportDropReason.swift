/// Why a datagram reaching the media port was dropped. Raw values are the
/// `reason` label of the drop metric: bounded, stable, never per session.
public enum TransportDropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// First byte outside every RFC 7983 range, or an empty datagram.
    case unknownClass
    /// No session owns the source address (and, for STUN, the ufrag).
    case unknownSource
    /// A STUN message the ICE agent refused (details in the ICE counters).
    case stunRejected
    /// DTLS record the endpoint could not use (garbage, wrong state).
    case dtlsRejected
    /// SRTP/SRTCP before the DTLS handshake produced keys.
    case srtpNotReady
    /// SRTP/SRTCP authentication tag did not verify.
    case srtpAuthentication
    /// SRTP/SRTCP replayed or too old for the replay window.
    case srtpReplay
    /// Any other SRTP/SRTCP failure (malformed header, too short).
    case srtpMalformed
    /// Larger than the receive scratch buffer (never a valid WebRTC packet).
    case tooLarge
    /// DTLS application data (SCTP) for a session without data channels.
    case dtlsApplicationData

    public var description: String {
        switch self {
        case .unknownClass: "unknown-class"
        case .unknownSource: "unknown-source"
        case .stunRejected: "stun-rejected"
        case .dtlsRejected: "dtls-rejected"
        case .srtpNotReady: "srtp-not-ready"
        case .srtpAuthentication: "srtp-auth"
        case .srtpReplay: "srtp-replay"
        case .srtpMalformed: "srtp-malformed"
        case .tooLarge: "too-large"
        case .dtlsApplicationData: "dtls-app-data"
        }
    }
}

/// Per-reason drop counters in fixed storage (no dictionary, no allocation
/// when counting).
public struct TransportDropCounters: Sendable, Equatable {
    @usableFromInline var counts: [UInt64] = Array(repeating: 0, count: TransportDropReason.allCases.count)

    public init() {}

    @inlinable
    public subscript(reason: TransportDropReason) -> UInt64 {
        counts[reason.rawValue]
    }

    @usableFromInline
    mutating func increment(_ reason: TransportDropReason) {
        counts[reason.rawValue] &+= 1
    }

    /// Total of every reason.
    public var total: UInt64 { counts.reduce(0, &+) }

    /// Non-zero counters by name, for logs and the API.
    public var nonZero: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for reason in TransportDropReason.allCases where counts[reason.rawValue] > 0 {
            out[reason.description] = counts[reason.rawValue]
        }
        return out
    }

    public mutating func add(_ other: TransportDropCounters) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
    }
}
