import CapstanServer
import CapstanTestSupport
import DTLS
import Foundation
import ICE
import NIOCore
import NIOPosix
import SDP
import STUN
import Transport

/// A WebSocket signalling client driving Capstan's own WebRTC stack as the
/// remote peer (controlling ICE against the daemon's lite agent).
final class WebSocketTestPeer: TransportEventHandler, @unchecked Sendable {
    private let socket: MiniWebSocket
    private let lock = NSLock()
    private var events: [TransportEvent] = []
    private(set) var port: MediaPort?
    private(set) var transport: TransportSession?
    static let certificate = try! DTLSCertificate.generateECDSA()
    private let box: InboxBox

    private init(socket: MiniWebSocket, box: InboxBox) {
        self.socket = socket
        self.box = box
    }

    /// Connects to `127.0.0.1:port` on a thread of its own (the handshake
    /// blocks; an in-process server needs the cooperative threads), with
    /// extra request headers (`Authorization`).
    static func connect(port: Int, path: String = "/ws", headers: [String: String] = [:]) async throws -> WebSocketTestPeer {
        let box = InboxBox()
        let socket = try await onOwnThread {
            try MiniWebSocket(host: "127.0.0.1", port: port, path: path, headers: headers) { text in
                if let decoded = try? JSONDecoder().decode(SignallingMessage.self, from: Data(text.utf8)) {
                    box.append(decoded)
                }
            }
        }
        return WebSocketTestPeer(socket: socket, box: box)
    }

    func send(_ message: SignallingMessage) throws {
        try socket.sendText(String(decoding: try JSONEncoder().encode(message), as: UTF8.self))
    }

    func sendRaw(_ text: String) { try? socket.sendText(text) }

    /// The next message, skipping none; nil after `timeout`.
    func next(timeout: Duration = .seconds(5)) async -> SignallingMessage? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let message = box.take() { return message }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return box.take()
    }

    /// The `call:status` messages received so far, in order.
    var statuses: [SignallingMessage] { box.statuses }

    func register(_ peerID: String) async throws -> SignallingMessage? {
        try send(SignallingMessage(type: .register, peerId: peerID))
        return await next()
    }

    var isConnected: Bool { lock.withLock { events.contains { if case .connected = $0 { true } else { false } } } }

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        lock.withLock { events.append(event) }
    }

    /// Brings up our transport toward the daemon once SDP is settled.
    func startTransport(local credentials: ICECredentials, negotiated: NegotiatedSession) async throws {
        let candidates = negotiated.remoteCandidates.compactMap { IPEndpoint(address: $0.address, port: $0.port) }
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: MultiThreadedEventLoopGroup.singleton)
        let transport = try TransportSession(
            id: "ws-peer", localUfrag: credentials.ufrag, localPassword: credentials.password,
            remoteUfrag: negotiated.remoteICEUfrag, remotePassword: negotiated.remoteICEPwd,
            iceMode: .controlling(remoteCandidates: candidates, tieBreaker: 7),
            dtlsRole: negotiated.dtlsRole == .server ? .server : .client,
            certificate: Self.certificate,
            remoteFingerprints: negotiated.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) })
        self.port = port
        self.transport = transport
        try await port.eventLoop.submit {
            transport.eventHandler = self
            port.register(transport, asDefault: true)
            transport.start(now: NIODeadline.now().uptimeNanoseconds)
        }.get()
    }

    /// Our offer as the caller (we send audio and video).
    static func offer(credentials: ICECredentials) -> SessionDescription {
        SDPOfferer.offer(options: OfferOptions(
            iceUfrag: credentials.ufrag, icePwd: credentials.password,
            fingerprint: .sha256(certificate.sha256Fingerprint),
            streams: streams, sessionID: 1))
    }

    static let streams = LocalStreams(cname: "ws", streamID: "ws",
                                      audio: LocalTrack(ssrc: 31, trackID: "a"), video: LocalTrack(ssrc: 32, trackID: "v"))

    func close() async {
        socket.close()
        if let port, let transport {
            _ = try? await port.eventLoop.submit { port.unregister(transport) }.get()
            try? await port.close()
        }
    }
}

/// Messages received and not yet taken, in order.
final class InboxBox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [SignallingMessage] = []
    /// `call:status` messages, kept apart: informational, they may come
    /// between any two others, so `next()` does not return them.
    private var statusMessages: [SignallingMessage] = []

    func append(_ message: SignallingMessage) {
        lock.withLock {
            if message.type == .callStatus { statusMessages.append(message) } else { messages.append(message) }
        }
    }

    var statuses: [SignallingMessage] { lock.withLock { statusMessages } }

    func take() -> SignallingMessage? {
        lock.withLock { messages.isEmpty ? nil : messages.removeFirst() }
    }
}
