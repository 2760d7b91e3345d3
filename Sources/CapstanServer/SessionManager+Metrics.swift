import PeerSession
import Transport

/// Brings the metrics up to date from the live sessions: counters get the
/// growth since they were last reported, the state gauge a fresh count.
extension SessionManager {
    /// Called before every `/metrics` scrape.
    func publishMetrics() async {
        _ = try? await eventLoop.submit { [self] in
            var byState: [PeerSessionState: Int] = [:]
            for call in sessions.values {
                byState[call.state, default: 0] += 1
                flushCounters(of: call)
            }
            for state in PeerSessionState.allCases {
                metrics.sessions(inState: state.rawValue, count: byState[state] ?? 0)
            }
            let portDrops = port.counters.drops
            for reason in TransportDropReason.allCases {
                metrics.dropped(reason: reason.description, count: portDrops[reason] - reportedPortDrops[reason])
            }
            reportedPortDrops = portDrops
            let tcp = port.tcpCounters, lastTCP = reportedTCPCounters
            metrics.tcpAccepted(count: tcp.accepted - lastTCP.accepted)
            for reason in ICETCPCloseReason.allCases {
                metrics.tcpClosed(reason: reason.description, count: tcp[reason] - lastTCP[reason])
            }
            metrics.tcpFrames(direction: "in", count: tcp.framesIn - lastTCP.framesIn)
            metrics.tcpFrames(direction: "out", count: tcp.framesOut - lastTCP.framesOut)
            metrics.tcpSendDropped(count: tcp.sendDropped - lastTCP.sendDropped)
            metrics.tcpOpen(tcp.open)
            reportedTCPCounters = tcp
        }.get()
    }

    /// Adds what `call`'s transport counted since the last report. On the loop.
    func flushCounters(of call: CallSession) {
        eventLoop.preconditionInEventLoop()
        guard let current = call.transport?.counters else { return }
        let last = reportedCounters[call.id] ?? TransportSession.Counters()
        metrics.packetsIn(kind: "rtp", count: current.rtpPacketsIn - last.rtpPacketsIn)
        metrics.packetsIn(kind: "rtcp", count: current.rtcpPacketsIn - last.rtcpPacketsIn)
        metrics.bytesIn(count: current.rtpBytesIn - last.rtpBytesIn)
        for reason in TransportDropReason.allCases {
            metrics.dropped(reason: reason.description, count: current.drops[reason] - last.drops[reason])
        }
        reportedCounters[call.id] = current
    }
}
