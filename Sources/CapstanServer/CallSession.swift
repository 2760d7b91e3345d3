import DataChannel
import Foundation
import Loopback
import ICE
import Logging
import MediaBridge
import NIOCore
import PeerSession
import SDP
import SRTP
import STUN
import Transport

/// What a call needs from whoever owns it (the SessionManager), and nothing
/// more: settings, negotiation, the media port's routes, the clock, and two
/// reports back (the call ended, its recording was finalized). All on the
/// media port's event loop.
protocol CallOwner: AnyObject {
    var configuration: CapstanConfiguration { get }
    var negotiator: Negotiator { get }
    var eventLoop: EventLoop { get }
    var logger: Logger { get }
    /// Monotonic nanoseconds.
    func now() -> UInt64
    /// Routes the transport's datagrams to it (ICE ufrag and, once known, address).
    func register(_ transport: TransportSession)
    func unregister(_ transport: TransportSession)
    /// The transport's local ufrag changed (ICE restart): route by the new one.
    func rekey(_ transport: TransportSession, oldUfrag: String)
    /// The call reached `ended`: forget it, keep its summary.
    func callDidEnd(_ call: CallSession)
    /// A recording was finalized (its sidecar written).
    func recordingFinalized(_ sidecar: RecordingSidecar)
}

/// One call on the daemon: binds a `PeerSession` (the lifecycle, sans-I/O)
/// to its `TransportSession` and carries out every action the state machine
/// returns. Events that actions cause (teardown completed, our offer made,
/// our answer made) are queued and run after the current batch, never
/// re-entered from inside it. Confined to the media port's event loop.
final class CallSession: TransportEventHandler {
    let id: String
    let signaller: String
    let mode: String
    /// Set once SDP is settled (at once for WHIP; after offer/answer on WebSocket).
    private(set) var transport: TransportSession?
    private(set) var negotiated: NegotiatedSession?
    /// The WebSocket peer's channel; nil for WHIP.
    let channel: SignallingChannel?
    /// Who asked for the session (address and token), for the session caps.
    let requester: Requester
    /// Our offer and its credentials while we wait for the peer's answer.
    private var pendingOffer: Negotiator.PendingOffer?
    let createdAt = Date()
    private unowned let owner: any CallOwner
    private(set) var peer: PeerSession
    private var endedAt: Date?
    private var logger: Logger
    /// The receive pipeline and recording, from `active` on.
    private(set) var bridge: MediaBridge?
    /// Loopback modes: what the peer sends comes back from our SSRCs.
    private(set) var echo: LoopbackEcho?
    /// Both at once (record+loopback). Held here: the transport's
    /// `mediaReceiver` is weak.
    private var fanout: MediaFanout?
    /// The data channels (SCTP over the DTLS), from `active` on, when negotiated.
    private(set) var dataChannels: DataChannelAttachment?
    /// Their counters once closed (for the API after the call).
    private(set) var dataChannelCounters: DataChannelCounters?

    var state: PeerSessionState { peer.state }
    var endReason: EndReason? { peer.endReason }

    /// The answer made with the transport (WHIP answers in the HTTP
    /// response, before the lifecycle asks), given to it on `createAnswer`.
    private var preparedAnswer: String?
    /// Remote candidates the lifecycle handed over (trickled or queued until
    /// the transport started). An ICE-lite answerer learns addresses from the
    /// peer's checks (RFC 8445 §2.5), so these are kept for the API and
    /// stats, bounded.
    private(set) var remoteCandidates: [String] = []
    private(set) var remoteCandidatesComplete = false
    static let remoteCandidatesKept = 64
    /// Events waiting for the current batch of actions to finish.
    private var queuedEvents: [(inout PeerSession, UInt64) throws -> [PeerSessionAction]] = []
    private var driving = false

    init(id: String, signaller: String, mode: String, channel: SignallingChannel?, requester: Requester,
         owner: any CallOwner, now: UInt64) {
        self.id = id
        self.requester = requester
        self.signaller = signaller
        self.mode = mode
        self.channel = channel
        self.owner = owner
        let configuration = owner.configuration
        peer = PeerSession(
            configuration: PeerSessionConfiguration(
                ringTimeoutNs: UInt64(configuration.ringTimeoutSeconds) * 1_000_000_000,
                negotiationTimeoutNs: UInt64(configuration.negotiationTimeoutSeconds) * 1_000_000_000,
                maxDurationNs: UInt64(configuration.maxSessionDurationSeconds) * 1_000_000_000),
            now: now, wallClockUnixNs: Self.unixNow())
        logger = owner.logger
        logger[metadataKey: "session.id"] = .string(id)
        if let peerID = channel?.peerID { logger[metadataKey: "peer.id"] = .string(peerID) }
    }

    private func attach(_ transport: TransportSession, _ negotiated: NegotiatedSession) {
        self.transport = transport
        self.negotiated = negotiated
        transport.eventHandler = self
    }

    // MARK: - Signalling events

    /// A WHIP offer was answered by the server: idle → negotiating, the
    /// answer is sent (in the HTTP response) and the transport starts.
    func startAsWHIPAnswerer(answer: NegotiatedAnswer, transport: TransportSession, now: UInt64) {
        attach(transport, answer.session)
        preparedAnswer = answer.answerSDP
        drive(now) { peer, now in try peer.receiveOffer(now: now) }
    }

    /// A WebSocket peer calls the daemon; the call policy accepts or declines.
    func receiveCallInit(accept: Bool, now: UInt64) {
        drive(now) { peer, now in
            var actions = try peer.receiveCallInit(now: now)
            actions += accept ? try peer.acceptCall(now: now) : try peer.rejectCall(reason: .declined, now: now)
            return actions
        }
    }

    /// Why the peer's offer was refused (`call:reject` reason), when it was.
    private var refusal: String?
    /// The end detail of a call whose offer had no codec Capstan records.
    static let unsupportedCodecsDetail = "unsupported-codecs"

    /// The WebSocket peer's offer (after our `call:accept`).
    func receiveOffer(sdp: String, now: UInt64) throws(SignallingError) {
        guard peer.state == .negotiating, transport == nil else {
            throw .badRequest("offer not expected in state \(peer.state.rawValue)")
        }
        let result: (answer: NegotiatedAnswer, transport: TransportSession)
        do {
            result = try owner.negotiator.answer(offer: sdp, id: id, echo: mode != CapstanConfiguration.Mode.record.rawValue)
        } catch {
            if case .unsupportedCodecs(let reason) = error {
                // Nothing to record: refused with `call:reject` naming the
                // codecs (the WHIP 400 body), not error + hangup.
                refusal = reason
                drive(now) { peer, now in try peer.offerRefused(detail: Self.unsupportedCodecsDetail, now: now) }
                return
            }
            drive(now) { peer, now in try peer.negotiationFailed(detail: "bad-offer", now: now) }
            throw error
        }
        attach(result.transport, result.answer.session)
        preparedAnswer = result.answer.answerSDP
        drive(now) { peer, now in try peer.receiveOffer(now: now) }
    }

    /// The daemon calls the WebSocket peer (`POST /api/calls`).
    func placeCall(now: UInt64) {
        drive(now) { peer, now in try peer.placeCall(now: now) }
    }

    func receiveCallAccept(now: UInt64) throws(SignallingError) {
        guard peer.state == .outgoingInit else { throw .badRequest("no call waiting for call:accept") }
        drive(now) { peer, now in try peer.receiveCallAccept(now: now) }
    }

    func receiveCallReject(reason: String?, now: UInt64) {
        let endReason: EndReason = reason == "busy" ? .busy : .declined
        drive(now) { peer, now in try peer.receiveCallReject(reason: endReason, now: now) }
    }

    /// The WebSocket peer's answer to our offer.
    func receiveAnswer(sdp: String, now: UInt64) throws(SignallingError) {
        guard let pending = pendingOffer, transport == nil else { throw .badRequest("no offer waiting for an answer") }
        let result: (session: NegotiatedSession, transport: TransportSession)
        do {
            result = try owner.negotiator.accept(answer: sdp, to: pending, id: id)
        } catch {
            drive(now) { peer, now in try peer.negotiationFailed(detail: "bad-answer", now: now) }
            throw error
        }
        pendingOffer = nil
        attach(result.transport, result.session)
        drive(now) { peer, now in try peer.receiveAnswer(now: now) }
    }

    /// A trickled candidate from the WebSocket peer.
    func receiveCandidate(_ candidate: String, now: UInt64) throws(SignallingError) {
        do { try driveOrThrow(now) { peer, now in try peer.receiveRemoteCandidate(candidate, now: now) } } catch {
            throw .badRequest("candidate refused: \(error)")
        }
    }

    /// Remote ICE credentials in force (changed by an ICE restart).
    private var remoteCredentials: (ufrag: String, pwd: String)?

    /// A WHIP PATCH (RFC 9725 §4.4): trickled candidates, or an ICE restart
    /// when the fragment carries new credentials — then our new credentials
    /// and candidates come back as the response body with a new ETag.
    func applyTrickle(_ fragment: TrickleFragment, ifMatch: String?) -> Result<(String?, String), SignallingError> {
        guard let transport, let negotiated else { return .failure(.notFound("session \(id) has no transport")) }
        let etag = "\"\(transport.localUfrag)\""
        if let ifMatch, ifMatch != "*", ifMatch != etag {
            return .failure(.preconditionFailed("ETag \(ifMatch) does not match \(etag)"))
        }
        let now = owner.now()
        let current = remoteCredentials ?? (negotiated.remoteICEUfrag, negotiated.remoteICEPwd)
        if fragment.isICERestart(currentUfrag: current.ufrag, currentPwd: current.pwd), let remote = fragment.credentials {
            let local = ICECredentials.generate()
            let oldUfrag = transport.localUfrag
            transport.restartICE(localUfrag: local.ufrag, localPassword: local.password,
                                 remoteUfrag: remote.ufrag, remotePassword: remote.pwd)
            owner.rekey(transport, oldUfrag: oldUfrag)
            remoteCredentials = remote
            do { try driveOrThrow(now) { peer, now in try peer.restartICE(now: now) } } catch {
                return .failure(.badRequest("ICE restart refused: \(error)"))
            }
            peer.recordMilestone("ice-restart", now: now)
            let answer = TrickleFragment.iceRestartAnswer(ufrag: local.ufrag, pwd: local.password, for: negotiated,
                                                          candidates: owner.negotiator.candidates)
            return .success((answer.serialized, "\"\(local.ufrag)\""))
        }
        do {
            for (_, candidate) in fragment.allCandidates {
                try driveOrThrow(now) { peer, now in try peer.receiveRemoteCandidate(candidate.attributeValue, now: now) }
            }
            if fragment.isEndOfCandidates {
                try driveOrThrow(now) { peer, now in try peer.receiveEndOfCandidates(now: now) }
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
        // Most ticks find nothing due: skip the drive (its closure and queue) then.
        guard let deadline = peer.nextDeadline, now >= deadline else { return }
        drive(now) { peer, now in peer.tick(now: now) }
    }

    // MARK: - Transport events

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        let now = owner.now()
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

    /// Runs one lifecycle event and carries out its actions. An event the
    /// lifecycle refuses in its state (a transport failure racing a hangup)
    /// changes nothing; it is logged.
    private func drive(_ now: UInt64, _ event: @escaping (inout PeerSession, UInt64) throws -> [PeerSessionAction]) {
        do { try driveOrThrow(now, event) } catch {
            logger.debug("event refused", metadata: ["error": .string("\(error)")])
        }
    }

    /// As `drive`, but a refusal of this event is thrown to the caller (a
    /// signaller answers it with 4xx). Called while actions are being carried
    /// out, the event waits in the queue until they are done.
    private func driveOrThrow(_ now: UInt64, _ event: @escaping (inout PeerSession, UInt64) throws -> [PeerSessionAction]) throws {
        guard !driving else {
            queuedEvents.append(event)
            return
        }
        driving = true
        defer { driving = false }
        execute(try event(&peer, now), now: now)
        // Follow-up events queued by the actions, in order, each after the
        // previous one's actions are done.
        while !queuedEvents.isEmpty {
            let next = queuedEvents.removeFirst()
            do { execute(try next(&peer, now), now: now) } catch {
                logger.debug("queued event refused", metadata: ["error": .string("\(error)")])
            }
        }
    }

    /// Carries out every action; none is ignored (PeerSessionAction lists the contract).
    private func execute(_ actions: [PeerSessionAction], now: UInt64) {
        for action in actions {
            switch action {
            case .notifyStateChanged(let from, let to):
                logger.debug("state", metadata: ["from": .string(from.rawValue), "to": .string(to.rawValue)])
                if to == .active { logger.info("session active") }
                announceStatus(to)
            case .startTransport:
                if let transport { owner.register(transport) }
            case .applyRemoteCandidates(let candidates):
                let room = max(0, Self.remoteCandidatesKept - remoteCandidates.count)
                remoteCandidates += candidates.prefix(room)
            case .applyEndOfCandidates:
                remoteCandidatesComplete = true
            case .attachMedia:
                attachMedia(now: now)
            case .detachMediaAndFinalize(let reason):
                detachMedia(reason, now: now)
            case .stopTransport:
                if let transport {
                    transport.close(now: now)
                    owner.unregister(transport)
                }
                queuedEvents.append { peer, now in try peer.teardownCompleted(now: now) }
            case .ended:
                endedAt = Date()
                owner.callDidEnd(self)
            case .createAnswer:
                // Made with the transport, before the lifecycle asked (WHIP
                // answers in its HTTP response; a WebSocket offer is answered
                // the same way, so a bad offer is refused before any state).
                if let answer = preparedAnswer {
                    preparedAnswer = nil
                    queuedEvents.append { peer, now in try peer.localAnswerCreated(sdp: answer, now: now) }
                } else {
                    queuedEvents.append { peer, now in try peer.negotiationFailed(detail: "bad-offer", now: now) }
                }
            case .createOffer:
                let made = owner.negotiator.offer()
                pendingOffer = made
                queuedEvents.append { peer, now in try peer.localOfferCreated(sdp: made.offer.serialized, now: now) }
            case .sendCallInit:
                send(.init(type: .callInit, to: channel?.peerID, from: SignallingMessage.daemonPeerID))
            case .sendCallAccept:
                send(.init(type: .callAccept, to: channel?.peerID, from: SignallingMessage.daemonPeerID))
            case .sendCallReject(let reason):
                send(.init(type: .callReject, to: channel?.peerID, from: SignallingMessage.daemonPeerID,
                           reason: refusal ?? reason.name))
            case .sendHangup(let reason):
                send(.init(type: .callHangup, to: channel?.peerID, from: SignallingMessage.daemonPeerID, reason: reason.name))
            case .sendAnswer(let sdp):
                send(.init(type: .answer, to: channel?.peerID, from: SignallingMessage.daemonPeerID, sdp: sdp))
            case .sendOffer(let sdp):
                send(.init(type: .offer, to: channel?.peerID, from: SignallingMessage.daemonPeerID, sdp: sdp))
            }
        }
    }

    // MARK: - Recording

    /// Active: the receive pipeline starts (and asks for a keyframe at once).
    /// No file exists before this; the file opens with the first media.
    private func attachMedia(now: UInt64) {
        attachEcho()
        attachRecording(now: now)
        attachDataChannels(now: now)
    }

    private func attachRecording(now: UInt64) {
        guard mode != CapstanConfiguration.Mode.loopback.rawValue, let transport, let negotiated else { return }
        let settings = owner.configuration
        var configuration = MediaBridgeConfiguration(sessionID: id, directory: settings.recordings, negotiated: negotiated)
        guard configuration.audio != nil || configuration.video != nil else {
            logger.notice("nothing to record: no VP8 or Opus track")
            return
        }
        configuration.containerPolicy = settings.containerPolicy
        configuration.maxBitrate = settings.maxSessionBitrate
        configuration.maxRecordingBytes = settings.maxRecordingBytes
        // Running sessions keep going down to half the admission threshold,
        // so new sessions are refused before running ones are ended.
        configuration.minFreeDiskBytes = UInt64(settings.minFreeDiskBytes / 2)
        configuration.signaller = signaller
        configuration.peer = channel?.peerID
        configuration.recordsDataChannels = negotiated.dataChannel != nil
        let loop = owner.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let bridge = MediaBridge(
            configuration: configuration, now: now, unixNs: Self.unixNow(), logger: logger,
            sendRTCP: { [weak transport] bytes in _ = bytes.withUnsafeBytes { transport?.sendRTCP($0) } },
            onStop: { stop in
                // Not from inside the pipeline's call stack: on the next loop turn.
                loop.execute { bound.value.recordingStopped(stop, now: bound.value.owner.now()) }
            })
        self.bridge = bridge
        fanout = echo.map { MediaFanout(bridge, $0) }
        transport.mediaReceiver = fanout ?? bridge
        bridge.start(now: now)
        logger.info("recording", metadata: ["recording.path": .string(configuration.filePath)])
    }

    /// Ended (any reason): the pipeline is detached, the file finalized and
    /// the sidecar written.
    private func detachMedia(_ reason: EndReason, now: UInt64) {
        transport?.mediaReceiver = nil
        transport?.applicationDataReceiver = nil
        echo = nil
        fanout = nil
        if let dataChannels {
            let counters = dataChannels.close()
            dataChannelCounters = counters
            bridge?.dataChannelDrops = counters.dropped
            self.dataChannels = nil
        }
        guard let bridge else { return }
        let sidecar = bridge.finalize(now: now, endReason: reason.name, endDetail: reason.detail)
        owner.recordingFinalized(sidecar)
    }

    /// The data channels, when the answer accepted them: recorded with the
    /// media (record modes) and echoed (loopback modes).
    private func attachDataChannels(now: UInt64) {
        guard let transport, let negotiated, let settings = negotiated.dataChannel else { return }
        do {
            let attachment = try DataChannelAttachment(
                negotiated: .init(localPort: settings.localPort, remotePort: settings.remotePort),
                limits: owner.configuration.dataChannelLimits, eventLoop: owner.eventLoop, transport: transport,
                bridge: bridge, echo: mode != CapstanConfiguration.Mode.record.rawValue, now: now)
            dataChannels = attachment
            transport.applicationDataReceiver = attachment
            logger.info("data channels attached")
        } catch {
            logger.error("data channels not attached", metadata: ["error": .string("\(error)")])
        }
    }

    /// Loopback and record+loopback: echo every negotiated track we answered
    /// `sendrecv` (the ones with a local SSRC).
    private func attachEcho() {
        guard mode != CapstanConfiguration.Mode.record.rawValue, let transport, let negotiated else { return }
        func track(_ kind: MediaKind) -> LoopbackEcho.Track? {
            guard let t = negotiated.tracks.first(where: { $0.kind == kind }), let ssrc = t.localSSRC else { return nil }
            return LoopbackEcho.Track(payloadType: t.payloadType, localSSRC: ssrc, clockRate: Int(t.clockRate))
        }
        let audio = track(.audio), video = track(.video)
        guard audio != nil || video != nil else {
            logger.notice("loopback: the offer has no sendrecv track to echo")
            return
        }
        let echo = LoopbackEcho(audio: audio, video: video, cname: "capstan-\(id)", output: LoopbackEcho.Output(
            sendRTP: { [weak transport] in transport?.sendRTP($0) },
            sendRTCP: { [weak transport] in transport?.sendRTCP($0) }))
        self.echo = echo
        transport.mediaReceiver = echo
        logger.info("loopback echo attached")
    }

    /// The recording stopped early: this session ends `storage`,
    /// `bitrate-limit` or `size-limit`.
    func recordingStopped(_ stop: MediaBridgeStop, now: UInt64) {
        guard peer.state == .active else { return }
        let reason = EndReason(name: stop.endReason) ?? .storage
        drive(now) { peer, now in try peer.storageFailed(detail: stop.detail, reason: reason, now: now) }
    }

    /// WHIP has no channel: its answer travels in the HTTP response.
    private func send(_ message: SignallingMessage) {
        var message = message
        message.sessionId = id
        channel?.send(message)
    }

    // MARK: - API

    func summary(includeEvents: Bool) -> SessionSummary {
        let counters = transport?.counters ?? TransportSession.Counters()
        var summary = SessionSummary(
            id: id, signaller: signaller, peer: channel?.peerID, mode: mode, state: peer.state.rawValue,
            endReason: peer.endReason?.name, endDetail: peer.endReason?.detail,
            createdAt: Self.iso(createdAt), endedAt: endedAt.map(Self.iso),
            stats: .init(rtpPacketsIn: counters.rtpPacketsIn, rtpBytesIn: counters.rtpBytesIn,
                         rtcpPacketsIn: counters.rtcpPacketsIn, rtpPacketsOut: counters.rtpPacketsOut,
                         drops: counters.drops.nonZero, selectedRemote: transport?.selectedRemote?.description,
                         selectedProtocol: transport?.selectedProtocol?.rawValue,
                         srtpProfile: transport?.profile?.description),
            events: includeEvents ? peer.log.entries : nil,
            recording: bridge?.status)
        summary.call = callRecord
        if let counters = dataChannels?.counters ?? dataChannelCounters {
            summary.dataChannels = .init(
                open: (dataChannels?.openChannels ?? []).map { .init(id: Int($0.id), label: $0.label, protocol: $0.protocol) },
                channelsOpened: counters.channelsOpened, messagesReceived: counters.messages,
                bytesReceived: counters.bytes, messagesSent: counters.messagesSent, dropped: counters.dropped)
        }
        return summary
    }

    /// Our side of the media path as the peer sees it: the first announced
    /// address (else the media host) and the media port — the ICE-TCP
    /// listener's when the selected pair is on TCP.
    var localMediaEndpoint: (host: String, port: UInt16) {
        let port = transport?.selectedProtocol == .tcp ? owner.negotiator.tcpPort ?? owner.negotiator.mediaPort
            : owner.negotiator.mediaPort
        return (owner.configuration.candidateAddresses.first ?? owner.configuration.media.host, port)
    }

    /// The host candidate we announce first for the selected pair's protocol
    /// (for stats), nil without one.
    var firstLocalCandidate: ICECandidate? {
        let wanted: ICECandidate.Transport = transport?.selectedProtocol == .tcp ? .tcp : .udp
        return owner.negotiator.candidates.first { $0.transport == wanted }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func unixNow() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
}
