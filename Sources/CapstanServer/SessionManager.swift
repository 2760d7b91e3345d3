import DTLS
import Foundation
import ICE
import Logging
import MediaBridge
import NIOCore
import PeerSession
import SDP
import STUN
import Transport

/// Owns every call: creates sessions from offers, routes hangups and trickle
/// to them, lists them, and ends them all on shutdown.
///
/// The session table and every `CallSession` are confined to the media
/// port's event loop; the async methods here are the control plane and hop
/// onto that loop (DESIGN §6). That confinement is why the class is
/// `@unchecked Sendable`.
public final class SessionManager: CallOwner, @unchecked Sendable {
    public let port: MediaPort
    public let configuration: CapstanConfiguration
    let metrics = CapstanMetrics()
    let logger: Logger
    let negotiator: Negotiator
    var sessions: [String: CallSession] = [:]
    /// Ended sessions kept for the API, newest last, bounded.
    private var ended: [SessionSummary] = []
    private static let endedKept = 200
    var acceptingNewSessions = true
    /// Transport counters already added to the metrics, per live session
    /// (and for the port's own drops under ""): scrapes report deltas.
    var reportedCounters: [String: TransportSession.Counters] = [:]
    var reportedPortDrops = TransportDropCounters()
    var reportedTCPCounters = ICETCPCounters()

    init(port: MediaPort, configuration: CapstanConfiguration,
         certificates: CertificateStore, logger: Logger) {
        self.port = port
        self.configuration = configuration
        self.logger = logger
        negotiator = Negotiator(configuration: configuration, certificates: certificates,
                                mediaPort: port.localAddress.port, tcpPort: port.tcpLocalAddress?.port)
    }

    var eventLoop: EventLoop { port.eventLoop }

    /// Answers a WHIP offer: validates, negotiates, starts the transport.
    /// The mode of one session: the daemon's, or what the request asked for
    /// (`?mode=`). Asking for `loopback` from a `record+loopback` daemon keeps
    /// the recording.
    func sessionMode(requested: String?) throws(SignallingError) -> CapstanConfiguration.Mode {
        guard let requested else { return configuration.mode }
        guard let mode = CapstanConfiguration.Mode(rawValue: requested) else {
            throw .badRequest("mode \"\(requested)\" is not one of record, loopback, record+loopback")
        }
        return mode == .loopback && configuration.mode == .recordAndLoopback ? .recordAndLoopback : mode
    }

    public func createWHIPSession(offer: String, requestedMode: String? = nil,
                                  requester: Requester = Requester(address: nil, grant: .anonymous)) async throws(SignallingError) -> (id: String, answer: String, etag: String) {
        let mode = try sessionMode(requested: requestedMode)
        let loopback = mode == .loopback
        let id = Self.makeSessionID()
        let echo = mode != .record
        let (answer, transport) = try negotiator.answer(offer: offer, id: id, echo: echo)
        if !loopback, let free = lowDiskSpace() {
            throw .unavailable("recordings disk has \(free) bytes free, below minFreeDiskBytes \(configuration.minFreeDiskBytes)")
        }
        let admitted: Result<Void, SignallingError> = (try? await eventLoop.submit { [self] () -> Result<Void, SignallingError> in
            if let refusal = admissionRefusal(for: requester) { return .failure(refusal) }
            let call = CallSession(id: id, signaller: "whip", mode: mode.rawValue, channel: nil, requester: requester,
                                   owner: self, now: NIODeadline.now().uptimeNanoseconds)
            sessions[id] = call
            metrics.sessionStarted(signaller: "whip")
            call.startAsWHIPAnswerer(answer: answer, transport: transport, now: NIODeadline.now().uptimeNanoseconds)
            return .success(())
        }.get()) ?? .failure(.unavailable("shutting down"))
        try admitted.get()
        return (id, answer.answerSDP, "\"\(transport.localUfrag)\"")
    }

    /// Applies a trickle fragment (RFC 8840) to a WHIP session. An ICE
    /// restart (new remote credentials) returns our new credentials.
    public func patch(id: String, fragment: String, ifMatch: String?) async throws(SignallingError) -> (body: String?, etag: String) {
        let parsed: TrickleFragment
        do { parsed = try TrickleFragment(parsing: fragment) } catch {
            throw .badRequest("unparsable sdpfrag: \(error.reason)")
        }
        let result: Result<(String?, String), SignallingError> = (try? await eventLoop.submit { [self] in
            guard let call = sessions[id] else { return .failure(.notFound("no session \(id)")) }
            return call.applyTrickle(parsed, ifMatch: ifMatch)
        }.get()) ?? .failure(.unavailable("shutting down"))
        return try result.get()
    }

    /// Ends a live session; false when there is none with that id.
    public func end(id: String, reason: EndReason) async -> Bool {
        (try? await eventLoop.submit { [self] in
            guard let call = sessions[id] else { return false }
            call.end(reason, now: NIODeadline.now().uptimeNanoseconds)
            return true
        }.get()) ?? false
    }

    /// Every live session, then the most recent ended ones.
    public func list() async -> [SessionSummary] {
        (try? await eventLoop.submit { [self] in
            sessions.values.sorted { $0.createdAt < $1.createdAt }.map { $0.summary(includeEvents: false) } + ended.reversed()
        }.get()) ?? []
    }

    public func summary(id: String) async -> SessionSummary? {
        try? await eventLoop.submit { [self] in
            sessions[id]?.summary(includeEvents: true) ?? ended.last { $0.id == id }
        }.get()
    }

    /// Stops taking sessions and ends every live one with `shutdown`.
    public func shutdown() async {
        _ = try? await eventLoop.submit { [self] in
            acceptingNewSessions = false
            let now = NIODeadline.now().uptimeNanoseconds
            for call in sessions.values { call.end(.shutdown, now: now) }
        }.get()
    }

    /// Live session count.
    public func liveCount() async -> Int {
        (try? await eventLoop.submit { [self] in sessions.count }.get()) ?? 0
    }

    /// Why a new session from `requester` is refused, or nil: shutting down
    /// or `maxSessions` (503), `maxSessionsPerAddress` or
    /// `maxSessionsPerToken` (429). On the loop.
    func admissionRefusal(for requester: Requester) -> SignallingError? {
        eventLoop.preconditionInEventLoop()
        guard acceptingNewSessions else { return .unavailable("shutting down") }
        guard sessions.count < configuration.maxSessions else {
            return .unavailable("session limit reached (\(configuration.maxSessions))")
        }
        let perAddress = configuration.maxSessionsPerAddress
        if perAddress > 0, let address = requester.address,
           sessions.values.count(where: { $0.requester.address == address }) >= perAddress {
            metrics.refusedForCap(kind: "address")
            return .tooManyRequests("\(address) holds \(perAddress) live sessions (maxSessionsPerAddress)")
        }
        let perToken = configuration.maxSessionsPerToken
        if perToken > 0, requester.grant != .anonymous,
           sessions.values.count(where: { $0.requester.grant == requester.grant }) >= perToken {
            metrics.refusedForCap(kind: "token")
            return .tooManyRequests("the \(requester.grant.rawValue) token holds \(perToken) live sessions (maxSessionsPerToken)")
        }
        return nil
    }

    /// A new call for a signaller with a channel (WebSocket); on the loop.
    func startCall(signaller: String, channel: WebSocketChannel, mode: CapstanConfiguration.Mode, now: UInt64) -> CallSession {
        eventLoop.preconditionInEventLoop()
        let call = CallSession(id: Self.makeSessionID(), signaller: signaller, mode: mode.rawValue,
                               channel: channel, requester: channel.requester, owner: self, now: now)
        sessions[call.id] = call
        metrics.sessionStarted(signaller: signaller)
        return call
    }

    /// The live calls a signalling channel carries; on the loop.
    func liveCalls(of channel: SignallingChannel) -> [CallSession] {
        sessions.values.filter { $0.channel === channel && $0.state.isLive }
    }

    /// Session timers (negotiation, maximum duration); on the loop.
    func tickCalls(now: UInt64) {
        eventLoop.preconditionInEventLoop()
        for call in Array(sessions.values) { call.tick(now: now) }
    }

    // MARK: - CallOwner: what a CallSession asks of its owner, on the loop

    func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    func register(_ transport: TransportSession) { port.register(transport) }

    func unregister(_ transport: TransportSession) { port.unregister(transport) }

    func rekey(_ transport: TransportSession, oldUfrag: String) { port.rekey(transport, oldUfrag: oldUfrag) }

    func callDidEnd(_ call: CallSession) {
        eventLoop.preconditionInEventLoop()
        if let transport = call.transport { port.unregister(transport) }
        sessions[call.id] = nil
        ended.append(call.summary(includeEvents: true))
        if ended.count > Self.endedKept { ended.removeFirst(ended.count - Self.endedKept) }
        metrics.sessionEnded(reason: call.endReason?.name ?? "unknown")
        logger.info("session ended", metadata: [
            "session.id": .string(call.id), "session.end_reason": .string(call.endReason?.name ?? "unknown"),
            "session.end_detail": .string(call.endReason?.detail ?? ""),
        ])
        flushCounters(of: call)
        reportedCounters[call.id] = nil
    }

    /// A recording was finalized (its sidecar written).
    func recordingFinalized(_ sidecar: RecordingSidecar) {
        metrics.recordingFinalized(container: sidecar.container)
        if sidecar.writeError != nil { metrics.recordingStorageFailed() }
        if let ms = sidecar.timeToFirstKeyframeMs { metrics.timeToFirstKeyframe(seconds: Double(ms) / 1000) }
        if let ms = sidecar.finalizeMs { metrics.recordingFinalizeTime(seconds: ms / 1000) }
        for track in sidecar.tracks { metrics.recovery(of: track) }
    }

    /// The free bytes of the recordings file system when below
    /// `minFreeDiskBytes` (new recording sessions are refused), else nil.
    func lowDiskSpace() -> Int? {
        guard configuration.minFreeDiskBytes > 0, configuration.mode != .loopback,
              let free = RecordingStore(directory: configuration.recordings).freeBytes() else { return nil }
        guard free < UInt64(configuration.minFreeDiskBytes) else { return nil }
        metrics.refusedForDiskSpace()
        return Int(free)
    }

    static func makeSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<16).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// What a signaller maps onto a status code.
public enum SignallingError: Error, Sendable, Equatable {
    case badRequest(String)
    case notFound(String)
    case preconditionFailed(String)
    case conflict(String)
    case unavailable(String)
    /// A per-address or per-token session cap.
    case tooManyRequests(String)
    /// The offer has no codec Capstan records (WHIP `400`, WebSocket
    /// `call:reject`); the reason names the codecs offered and recorded.
    case unsupportedCodecs(String)

    public var status: Int {
        switch self {
        case .badRequest, .unsupportedCodecs: 400
        case .notFound: 404
        case .preconditionFailed: 412
        case .conflict: 409
        case .unavailable: 503
        case .tooManyRequests: 429
        }
    }

    public var reason: String {
        switch self {
        case .badRequest(let r), .notFound(let r), .preconditionFailed(let r), .conflict(let r), .unavailable(let r),
             .tooManyRequests(let r), .unsupportedCodecs(let r): r
        }
    }
}
