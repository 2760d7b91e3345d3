import Foundation
import NIOCore

/// The WebSocket signaller (DESIGN §2, beside WHIP): a directory of
/// registered peers and the translation of their JSON messages into call
/// events, and of calls' messages back. Transport only: admission, call
/// state and media are the SessionManager's and the CallSession's. Its
/// state lives on the media loop, like every call.
final class WebSocketSignaller: @unchecked Sendable {
    let manager: SessionManager
    /// Registered WebSocket peers by peer id.
    private var peers: [String: WebSocketChannel] = [:]

    init(manager: SessionManager) {
        self.manager = manager
    }

    private var eventLoop: EventLoop { manager.eventLoop }

    /// Registers `channel` under its peer id; false when the id is taken.
    func register(_ channel: WebSocketChannel) async -> Bool {
        (try? await eventLoop.submit { [self] in
            if let existing = peers[channel.peerID], existing !== channel { return false }
            peers[channel.peerID] = channel
            return true
        }.get()) ?? false
    }

    /// The connection closed: its live calls end `remote-hangup`.
    func unregister(_ channel: WebSocketChannel) async {
        _ = try? await eventLoop.submit { [self] in
            if peers[channel.peerID] === channel { peers[channel.peerID] = nil }
            let now = manager.now()
            for call in manager.liveCalls(of: channel) { call.end(.remoteHangup, now: now) }
        }.get()
    }

    /// One message from a registered peer.
    func handle(_ message: SignallingMessage, from channel: WebSocketChannel) async {
        _ = try? await eventLoop.submit { [self] in
            let now = manager.now()
            do throws(SignallingError) {
                try dispatch(message, from: channel, now: now)
            } catch {
                channel.send(.error(error.reason))
            }
        }.get()
    }

    private func dispatch(_ message: SignallingMessage, from channel: WebSocketChannel, now: UInt64) throws(SignallingError) {
        let call = manager.liveCalls(of: channel).first
        switch message.type {
        case .register:
            throw .badRequest("already registered as \(channel.peerID)")
        case .callStatus:
            throw .badRequest("call:status is sent by the daemon, not to it")
        case .callInit:
            if let to = message.to, to != SignallingMessage.daemonPeerID {
                throw .badRequest("call:init to \"\(to)\": only \"\(SignallingMessage.daemonPeerID)\" can be called here")
            }
            let mode = try manager.sessionMode(requested: message.mode)
            guard call == nil, manager.admissionRefusal(for: channel.requester) == nil else {
                channel.send(.init(type: .callReject, to: channel.peerID, from: SignallingMessage.daemonPeerID, reason: "busy"))
                manager.metrics.sessionEnded(reason: "busy")
                return
            }
            if mode != .loopback, manager.lowDiskSpace() != nil {
                channel.send(.init(type: .callReject, to: channel.peerID, from: SignallingMessage.daemonPeerID, reason: "storage"))
                return
            }
            let created = manager.startCall(signaller: "websocket", channel: channel, mode: mode, now: now)
            created.receiveCallInit(accept: manager.configuration.callPolicy == .accept, now: now)
        case .callAccept:
            guard let call else { throw .notFound("no call to accept") }
            try call.receiveCallAccept(now: now)
        case .callReject:
            guard let call else { throw .notFound("no call to reject") }
            call.receiveCallReject(reason: message.reason, now: now)
        case .callHangup:
            guard let call else { throw .notFound("no call to hang up") }
            call.end(.remoteHangup, now: now)
        case .offer:
            guard let call else { throw .notFound("offer without a call: send call:init first") }
            guard let sdp = message.sdp else { throw .badRequest("offer without sdp") }
            try call.receiveOffer(sdp: sdp, now: now)
        case .answer:
            guard let call else { throw .notFound("answer without a call") }
            guard let sdp = message.sdp else { throw .badRequest("answer without sdp") }
            try call.receiveAnswer(sdp: sdp, now: now)
        case .candidate:
            guard let call else { throw .notFound("candidate without a call") }
            guard let candidate = message.candidate else { throw .badRequest("candidate without candidate") }
            if candidate.isEmpty { return } // browsers' end-of-candidates
            try call.receiveCandidate(candidate, now: now)
        case .error:
            manager.logger.info("peer reported an error", metadata: ["peer.id": .string(channel.peerID),
                                                             "reason": .string(message.reason ?? "")])
        }
    }

    /// `POST /api/calls`: the daemon calls a registered peer. Returns the session id.
    public func call(peerID: String) async throws(SignallingError) -> String {
        let result: Result<String, SignallingError> = (try? await eventLoop.submit { [self] () -> Result<String, SignallingError> in
            guard let channel = peers[peerID] else { return .failure(.notFound("no registered peer \(peerID)")) }
            guard manager.liveCalls(of: channel).isEmpty else { return .failure(.conflict("peer \(peerID) is busy")) }
            if let refusal = manager.admissionRefusal(for: channel.requester) { return .failure(refusal) }
            if let free = manager.lowDiskSpace() {
                return .failure(.unavailable("recordings disk has \(free) bytes free, below minFreeDiskBytes"))
            }
            let now = manager.now()
            let call = manager.startCall(signaller: "websocket", channel: channel, mode: manager.configuration.mode, now: now)
            call.placeCall(now: now)
            return .success(call.id)
        }.get()) ?? .failure(.unavailable("shutting down"))
        return try result.get()
    }

}

/// One WebSocket connection's outgoing side: messages from the media loop
/// are queued in the connection's AsyncStream, which its task writes out.
final class WebSocketChannel: SignallingChannel, @unchecked Sendable {
    let peerID: String
    /// The connection's address and token, for the session caps.
    let requester: Requester
    private let continuation: AsyncStream<SignallingMessage>.Continuation

    init(peerID: String, requester: Requester, continuation: AsyncStream<SignallingMessage>.Continuation) {
        self.peerID = peerID
        self.requester = requester
        self.continuation = continuation
    }

    func send(_ message: SignallingMessage) {
        continuation.yield(message)
    }
}
