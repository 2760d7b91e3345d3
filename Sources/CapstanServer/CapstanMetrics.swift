import MediaBridge
import Metrics

/// The daemon's metrics, created once. Labels are bounded (`state`,
/// `reason`, `kind`, `signaller`): never a session id or an SSRC.
public struct CapstanMetrics: Sendable {
    /// Sessions ended, by end reason.
    public func sessionEnded(reason: String) {
        Counter(label: "capstan_sessions_ended_total", dimensions: [("reason", reason)]).increment()
    }

    /// Sessions started, by signaller (`whip`, `websocket`).
    public func sessionStarted(signaller: String) {
        Counter(label: "capstan_sessions_started_total", dimensions: [("signaller", signaller)]).increment()
    }

    /// Current sessions in each state (set from a snapshot).
    public func sessions(inState state: String, count: Int) {
        Gauge(label: "capstan_sessions", dimensions: [("state", state)]).record(count)
    }

    /// Media packets and bytes received (decrypted), by kind (`rtp`, `rtcp`).
    public func packetsIn(kind: String, count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_packets_in_total", dimensions: [("kind", kind)]).increment(by: Int64(count))
    }

    public func bytesIn(count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_bytes_in_total").increment(by: Int64(count))
    }

    /// Datagrams dropped, by reason.
    public func dropped(reason: String, count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_drops_total", dimensions: [("reason", reason)]).increment(by: Int64(count))
    }

    /// ICE-TCP connections accepted (not refused by a limit).
    public func tcpAccepted(count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_ice_tcp_accepted_total").increment(by: Int64(count))
    }

    /// ICE-TCP connections closed or refused, by reason (`ICETCPCloseReason`).
    public func tcpClosed(reason: String, count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_ice_tcp_closed_total", dimensions: [("reason", reason)]).increment(by: Int64(count))
    }

    /// ICE-TCP connections open now.
    public func tcpOpen(_ count: Int) {
        Gauge(label: "capstan_ice_tcp_connections").record(count)
    }

    /// ICE-TCP frames received and sent, by direction (`in`, `out`).
    public func tcpFrames(direction: String, count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_ice_tcp_frames_total", dimensions: [("direction", direction)]).increment(by: Int64(count))
    }

    /// Frames not sent on an ICE-TCP connection (send buffer full, or closed).
    public func tcpSendDropped(count: UInt64) {
        guard count > 0 else { return }
        Counter(label: "capstan_ice_tcp_send_dropped_total").increment(by: Int64(count))
    }

    /// Recordings finalized, by container.
    public func recordingFinalized(container: String) {
        Counter(label: "capstan_recordings_finalized_total", dimensions: [("container", container)]).increment()
    }

    /// A finalized recording's loss recovery, per track (added when its
    /// sidecar is written): packets a NACK brought back; RTX packets by
    /// outcome (`unwrapped` into the jitter buffer, `padding` probes,
    /// `unneeded` retransmissions of packets not missing, `dropped` of
    /// another SSRC); RED: lost Opus packets recovered from redundancy, RED
    /// packets refused.
    public func recovery(of track: RecordingSidecar.Track) {
        func add(_ label: String, _ dimensions: [(String, String)] = [], _ count: Int?) {
            guard let count, count > 0 else { return }
            Counter(label: label, dimensions: dimensions).increment(by: Int64(count))
        }
        add("capstan_nack_recovered_packets_total", [("kind", track.kind)], track.packetsRecoveredByNACK)
        add("capstan_rtx_packets_total", [("outcome", "unwrapped")], track.rtxPackets)
        add("capstan_rtx_packets_total", [("outcome", "padding")], track.rtxPaddingDropped)
        add("capstan_rtx_packets_total", [("outcome", "unneeded")], track.rtxUnneeded)
        add("capstan_rtx_packets_total", [("outcome", "dropped")], track.rtxDropped)
        add("capstan_red_recovered_packets_total", [], track.redRecovered)
        add("capstan_red_dropped_total", [], track.redDropped)
    }

    /// WHIP POST → 201 latency.
    public func whipAnswered(seconds: Double) {
        Timer(label: "capstan_whip_answer_seconds").recordSeconds(seconds)
    }

    /// Signalling requests refused, by status and reason class.
    public func signallingRejected(status: Int) {
        Counter(label: "capstan_signalling_rejected_total", dimensions: [("status", String(status))]).increment()
    }

    /// Recordings stopped by a write error or a full disk.
    public func recordingStorageFailed() {
        Counter(label: "capstan_recording_storage_failures_total").increment()
    }

    /// Time from `active` to the first video keyframe written.
    public func timeToFirstKeyframe(seconds: Double) {
        Timer(label: "capstan_recording_time_to_first_keyframe_seconds").recordSeconds(seconds)
    }

    /// Time to close a recording at the end of its session (finalize).
    public func recordingFinalizeTime(seconds: Double) {
        Timer(label: "capstan_recording_finalize_seconds").recordSeconds(seconds)
    }

    /// Recordings repaired at start-up (left without a sidecar by a crash), by outcome.
    public func recordingRecovered(outcome: String) {
        Counter(label: "capstan_recordings_recovered_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// New sessions refused because the recordings disk is below its floor.
    public func refusedForDiskSpace() {
        Counter(label: "capstan_sessions_refused_disk_total").increment()
    }

    /// A session refused by `maxSessionsPerAddress` (`address`) or `maxSessionsPerToken` (`token`).
    public func refusedForCap(kind: String) {
        Counter(label: "capstan_sessions_refused_cap_total", dimensions: [("cap", kind)]).increment()
    }
}
