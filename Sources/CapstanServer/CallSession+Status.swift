import Foundation
import NIOCore
import PeerSession

/// What `GET /api/sessions/{id}` says about the call itself (SimpleX-style
/// call record): its media, when it started, connected and ended, how long
/// it lasted and why it ended.
public struct CallRecord: Codable, Sendable, Equatable {
    /// `video` when a video track was negotiated, else `audio`; nil before SDP is settled.
    public var mediaType: String?
    public var startedAt: String
    /// When the call went `active` (ICE and DTLS up).
    public var connectedAt: String?
    public var endedAt: String?
    /// Seconds from `connectedAt` to `endedAt` (to now while live); 0 when it never connected.
    public var durationSeconds: Double
    public var endReason: String?
    public var endDetail: String?
}

extension CallSession {
    /// The WebSocket peer hears where its call is: `call:status` with
    /// `negotiating`, `active` (and the selected pair), `ending`, `ended`
    /// (with the end reason and duration). Called at every state change;
    /// WHIP sessions have no channel.
    func announceStatus(_ state: PeerSessionState) {
        guard let channel else { return }
        var message = SignallingMessage(type: .callStatus, to: channel.peerID, from: SignallingMessage.daemonPeerID,
                                        sessionId: id, status: state.rawValue)
        switch state {
        case .negotiating, .ending:
            break
        case .active:
            if let remote = transport?.selectedRemote {
                message.selectedPair = .init(local: localMediaAddress, remote: remote.description)
            }
        case .ended:
            message.reason = endReason?.name
            message.durationSeconds = durationSeconds
        default:
            return
        }
        channel.send(message)
    }

    /// Our side of the selected pair: the first announced address and the media port.
    var localMediaAddress: String {
        let (host, port) = localMediaEndpoint
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Monotonic ns → ISO 8601, through the session's wall-clock anchor.
    func wallClock(_ monotonic: UInt64) -> String {
        let offset = Int64(bitPattern: monotonic &- peer.createdAt)
        let unixNs = peer.createdAtUnixNs &+ offset
        return Self.iso(Date(timeIntervalSince1970: Double(unixNs) / 1e9))
    }

    var durationSeconds: Double {
        guard let active = peer.activeAt else { return 0 }
        let end = peer.endedAt ?? (peer.state.isLive ? NIODeadline.now().uptimeNanoseconds : active)
        return Double(end &- active) / 1e9
    }

    var callRecord: CallRecord {
        CallRecord(mediaType: negotiated.map { $0.video != nil ? "video" : "audio" },
                   startedAt: wallClock(peer.createdAt), connectedAt: peer.activeAt.map(wallClock),
                   endedAt: peer.endedAt.map(wallClock), durationSeconds: (durationSeconds * 1000).rounded() / 1000,
                   endReason: endReason?.name, endDetail: endReason?.detail)
    }
}
