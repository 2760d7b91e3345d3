import Foundation
import NIOCore
import SDP
import SRTP
import STUN
import Transport

/// One call on the daemon: its signalling identity, its transport, its
/// lifecycle and its event log. Confined to the media port's event loop.
final class CallSession: TransportEventHandler {
    let id: String
    let signaller: String
    let mode: String
    let transport: TransportSession
    let negotiated: NegotiatedSession
    let createdAt = Date()
    private let startedAtNs: UInt64
    private unowned let manager: SessionManager
    private(set) var state = "negotiating"
    private(set) var endReason: EndReason?
    private var endedAt: Date?
    private var log: [SessionSummary.LogEntry] = []
    private var negotiationDeadline: UInt64
    private var maxDurationDeadline: UInt64?

    init(id: String, signaller: String, mode: String, transport: TransportSession,
         manager: SessionManager, negotiated: NegotiatedSession, now: UInt64) {
        self.id = id
        self.signaller = signaller
        self.mode = mode
        self.transport = transport
        self.manager = manager
        self.negotiated = negotiated
        self.startedAtNs = now
        negotiationDeadline = now + UInt64(manager.configuration.negotiationTimeoutSeconds) * 1_000_000_000
        transport.eventHandler = self
        record("state", detail: "idle → negotiating", now: now)
    }

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        let now = NIODeadline.now().uptimeNanoseconds
        switch event {
        case .iceSelected(let remote):
            record("ice-selected", detail: remote.description, now: now)
        case .connected(let profile):
            record("dtls-connected", detail: profile.description, now: now)
            guard state == "negotiating" else { return }
            transition(to: "active", now: now)
            manager.logger.info("session active", metadata: ["session.id": .string(id)])
            maxDurationDeadline = now + UInt64(manager.configuration.maxSessionDurationSeconds) * 1_000_000_000
        case .failed(let detail):
            end(.failed(detail: detail), now: now)
        case .closed:
            end(.remoteHangup, now: now)
        }
    }

    /// Timers: negotiation and maximum duration.
    func tick(now: UInt64) {
        if state == "negotiating", now >= negotiationDeadline {
            end(.failed(detail: "negotiation-timeout"), now: now)
        } else if state == "active", let deadline = maxDurationDeadline, now >= deadline {
            end(.maxDuration, now: now)
        }
    }

    func applyTrickle(_ fragment: TrickleFragment, ifMatch: String?) -> Result<(String?, String), SignallingError> {
        let etag = "\"\(transport.localUfrag)\""
        if let ifMatch, ifMatch != "*", ifMatch != etag {
            return .failure(.preconditionFailed("ETag \(ifMatch) does not match \(etag)"))
        }
        record("trickle", detail: "\(fragment.allCandidates.count) candidate(s)\(fragment.isEndOfCandidates ? ", end" : "")",
               now: NIODeadline.now().uptimeNanoseconds)
        return .success((nil, etag))
    }

    func end(_ reason: EndReason, now: UInt64) {
        guard state != "ended" else { return }
        if state != "ending" { transition(to: "ending", now: now) }
        endReason = reason
        transport.close(now: now)
        endedAt = Date()
        transition(to: "ended", now: now)
        record("ended", detail: reason.description, now: now)
        manager.callDidEnd(self)
    }

    private func transition(to next: String, now: UInt64) {
        record("state", detail: "\(state) → \(next)", now: now)
        state = next
    }

    private func record(_ kind: String, detail: String?, now: UInt64) {
        let sinceStart = Int64((now &- startedAtNs) / 1_000_000)
        log.append(.init(at: Self.iso(Date()), sinceStartMs: sinceStart, kind: kind, detail: detail))
        if log.count > 500 { log.removeFirst(log.count - 500) }
    }

    func summary(includeEvents: Bool) -> SessionSummary {
        let counters = transport.counters
        return SessionSummary(
            id: id, signaller: signaller, peer: nil, mode: mode, state: state,
            endReason: endReason?.name, endDetail: endReason?.detail,
            createdAt: Self.iso(createdAt), endedAt: endedAt.map(Self.iso),
            stats: .init(rtpPacketsIn: counters.rtpPacketsIn, rtpBytesIn: counters.rtpBytesIn,
                         rtcpPacketsIn: counters.rtcpPacketsIn, rtpPacketsOut: counters.rtpPacketsOut,
                         drops: counters.drops.nonZero, selectedRemote: transport.selectedRemote?.description,
                         srtpProfile: transport.profile?.description),
            events: includeEvents ? log : nil)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
