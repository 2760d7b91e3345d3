import Foundation
import Logging
import NIOCore
import PeerSession
import SDP
import SRTP
import STUN
import Transport

/// One call on the daemon: binds a `PeerSession` (the lifecycle, sans-I/O)
/// to its `TransportSession` and executes the actions the state machine
/// returns. Confined to the media port's event loop.
final class CallSession: TransportEventHandler {
    let id: String
    let signaller: String
    let mode: String
    let transport: TransportSession
    let negotiated: NegotiatedSession
    let createdAt = Date()
    private unowned let manager: SessionManager
    private(set) var peer: PeerSession
    private var endedAt: Date?
    private var logger: Logger

    var state: PeerSessionState { peer.state }
    var endReason: EndReason? { peer.endReason }

    init(id: String, signaller: String, mode: String, transport: TransportSession,
         manager: SessionManager, negotiated: NegotiatedSession, now: UInt64) {
        self.id = id
        self.signaller = signaller
        self.mode = mode
        self.transport = transport
        self.manager = manager
        self.negotiated = negotiated
        let configuration = manager.configuration
        peer = PeerSession(
            configuration: PeerSessionConfiguration(
                ringTimeoutNs: UInt64(configuration.ringTimeoutSeconds) * 1_000_000_000,
                negotiationTimeoutNs: UInt64(configuration.negotiationTimeoutSeconds) * 1_000_000_000,
                maxDurationNs: UInt64(configuration.maxSessionDurationSeconds) * 1_000_000_000),
            now: now, wallClockUnixNs: Self.unixNow())
        logger = manager.logger
        logger[metadataKey: "session.id"] = .string(id)
        transport.eventHandler = self
    }

    // MARK: - Signalling events

    /// A WHIP offer was answered by the server: idle → negotiating, the
    /// answer is sent (in the HTTP response) and the transport starts.
    func startAsWHIPAnswerer(answer: String, now: UInt64) {
        drive(now) { peer, now in
            var actions = try peer.receiveOffer(now: now)
            actions += try peer.localAnswerCreated(sdp: answer, now: now)
            return actions
        }
    }

    func applyTrickle(_ fragment: TrickleFragment, ifMatch: String?) -> Result<(String?, String), SignallingError> {
        let etag = "\"\(transport.localUfrag)\""
        if let ifMatch, ifMatch != "*", ifMatch != etag {
            return .failure(.preconditionFailed("ETag \(ifMatch) does not match \(etag)"))
        }
        let now = NIODeadline.now().uptimeNanoseconds
        do {
            for (_, candidate) in fragment.allCandidates {
                execute(try peer.receiveRemoteCandidate(candidate.attributeValue, now: now), now: now)
            }
            if fragment.isEndOfCandidates {
                execute(try peer.receiveEndOfCandidates(now: now), now: now)
            }
        } catch {
            return .failure(.badRequest("\(error)"))
        }
        return .success((nil, etag))
    }

    /// Ends the call for `reason` (remote hangup, local hangup, shutdown).
    func end(_ reason: EndReason, now: UInt64) {
        guard peer.state.isLive else { return }
        drive(now) { peer, now in
            switch reason {
            case .remoteHangup: try peer.receiveHangup(now: now)
            case .shutdown: try peer.shutdown(now: now)
            case .storage: try peer.storageFailed(detail: "write error", now: now)
            default: try peer.hangup(now: now)
            }
        }
    }

    /// Timers of the lifecycle: ring, negotiation, maximum duration.
    func tick(now: UInt64) {
        execute(peer.tick(now: now), now: now)
    }

    // MARK: - Transport events

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        let now = NIODeadline.now().uptimeNanoseconds
        switch event {
        case .iceSelected(let remote):
            peer.recordMilestone("ice-selected", detail: remote.description, now: now)
        case .connected(let profile):
            peer.recordMilestone("dtls-connected", detail: profile.description, now: now)
            drive(now) { peer, now in try peer.transportConnected(now: now) }
        case .failed(let detail):
            drive(now) { peer, now in try peer.transportFailed(detail: detail, now: now) }
        case .closed:
            drive(now) { peer, now in try peer.receiveHangup(now: now) }
        }
    }

    // MARK: - Executing actions

    private func drive(_ now: UInt64, _ event: (inout PeerSession, UInt64) throws -> [PeerSessionAction]) {
        do {
            execute(try event(&peer, now), now: now)
        } catch {
            // An event the lifecycle refuses in its state (e.g. a transport
            // failure racing a hangup) changes nothing; it is logged.
            logger.debug("event refused", metadata: ["error": .string("\(error)")])
        }
    }

    private func execute(_ actions: [PeerSessionAction], now: UInt64) {
        for action in actions {
            switch action {
            case .notifyStateChanged(let from, let to):
                logger.debug("state", metadata: ["from": .string(from.rawValue), "to": .string(to.rawValue)])
                if to == .active { logger.info("session active") }
            case .startTransport:
                manager.port.register(transport)
            case .applyRemoteCandidates, .applyEndOfCandidates:
                // An ICE-lite answerer does not check candidates: the peer's
                // checks tell it the addresses (RFC 8445 §2.5).
                break
            case .attachMedia, .detachMediaAndFinalize:
                // The receive pipeline (MediaBridge) hooks in here.
                break
            case .stopTransport:
                transport.close(now: now)
                manager.port.unregister(transport)
                drive(now) { peer, now in try peer.teardownCompleted(now: now) }
            case .ended:
                endedAt = Date()
                manager.callDidEnd(self)
            case .sendAnswer, .sendOffer, .sendCallInit, .sendCallAccept, .sendCallReject, .sendHangup,
                 .createOffer, .createAnswer:
                // WHIP carries the answer in the POST response and has no
                // call control; the WebSocket signaller sends these.
                break
            }
        }
    }

    // MARK: - API

    func summary(includeEvents: Bool) -> SessionSummary {
        let counters = transport.counters
        return SessionSummary(
            id: id, signaller: signaller, peer: nil, mode: mode, state: peer.state.rawValue,
            endReason: peer.endReason?.name, endDetail: peer.endReason?.detail,
            createdAt: Self.iso(createdAt), endedAt: endedAt.map(Self.iso),
            stats: .init(rtpPacketsIn: counters.rtpPacketsIn, rtpBytesIn: counters.rtpBytesIn,
                         rtcpPacketsIn: counters.rtcpPacketsIn, rtpPacketsOut: counters.rtpPacketsOut,
                         drops: counters.drops.nonZero, selectedRemote: transport.selectedRemote?.description,
                         srtpProfile: transport.profile?.description),
            events: includeEvents ? peer.log.entries : nil)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func unixNow() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}
