import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// `GET /ws`: the WebSocket JSON signaller's socket (DESIGN §3): it parses
/// frames into `SignallingMessage`s for the `WebSocketSignaller`, and
/// writes the calls' messages back.
enum WebSocketRoute {
    /// Frames up to this size are read; anything over the configured message
    /// limit gets an `error` message and the socket stays open.
    static let maxFrameSize = 1 << 20

    /// The upgrade is refused (a plain HTTP answer, no socket) unless the
    /// `Host` names this daemon, a browser's `Origin` is allowed (a page on
    /// any site could otherwise drive calls with the user's network
    /// position), and the publish token is presented when one is set:
    /// `Authorization: Bearer`, or `?token=` since browsers cannot set
    /// headers on a WebSocket.
    static func router(signaller: WebSocketSignaller, policy: AccessPolicy,
                       iceServers: ICEServerDirectory) -> Router<WebSocketRequestContextWithAddress> {
        let router = Router(context: WebSocketRequestContextWithAddress.self)
        router.ws("ws") { request, context in
            let host = request.head.authority
            guard policy.allowsHost(host) else {
                context.logger.notice("websocket refused: host", metadata: ["host": .string(host ?? "")])
                return .dontUpgrade
            }
            if let origin = request.headers[.origin], !policy.allowsOrigin(origin, host: host) {
                context.logger.notice("websocket refused: origin", metadata: ["origin": .string(origin)])
                return .dontUpgrade
            }
            return policy.grant(Self.presentedToken(request), for: .publish) == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let requester = Requester(address: context.requestContext.remoteAddress?.ipAddress,
                                      grant: policy.grant(Self.presentedToken(context.request), for: .publish) ?? .anonymous)
            try await WebSocketConnection(signaller: signaller, requester: requester, iceServers: iceServers,
                                          logger: context.logger)
                .run(inbound: inbound, outbound: outbound)
        }
        return router
    }

    /// The token an upgrade request presents: `Authorization: Bearer`, or
    /// `?token=` (browsers cannot set headers on a WebSocket).
    static func presentedToken(_ request: Request) -> String? {
        AccessPolicy.bearer(request.headers[.authorization]) ?? request.uri.queryParameters.get("token").map { String($0) }
    }
}

/// The WebSocket router's context: Hummingbird's, plus the client's address
/// for the per-address session cap.
struct WebSocketRequestContextWithAddress: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

/// One client connection: registration, then messages both ways.
struct WebSocketConnection {
    let signaller: WebSocketSignaller
    let requester: Requester
    /// For the `register` acknowledgement (TURN credentials for the peer id).
    let iceServers: ICEServerDirectory
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let limit = signaller.manager.configuration.maxSignallingMessageBytes
        let (outbox, writer) = AsyncStream.makeStream(of: SignallingMessage.self, bufferingPolicy: .bufferingNewest(256))
        var channel: WebSocketChannel?
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let encoder = JSONEncoder()
                for await message in outbox {
                    let data = try encoder.encode(message)
                    try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
                }
            }
            defer { writer.finish() }
            for try await message in inbound.messages(maxSize: WebSocketRoute.maxFrameSize) {
                guard case .text(let text) = message else {
                    writer.yield(.error("binary frames are not signalling messages"))
                    continue
                }
                guard text.utf8.count <= limit else {
                    writer.yield(.error("message of \(text.utf8.count) bytes exceeds the limit of \(limit)"))
                    continue
                }
                let parsed: SignallingMessage
                do throws(SignallingMessage.DecodingFailure) {
                    parsed = try SignallingMessage.decode(text)
                } catch {
                    writer.yield(.error("malformed message: \(error.description)"))
                    continue
                }
                if let channel {
                    await signaller.handle(parsed, from: channel)
                    continue
                }
                // The first message names the peer: `register`, or a `call:init` with `from`.
                guard let name = parsed.registeringPeerID else {
                    writer.yield(.error("register first: {\"type\":\"register\",\"peerId\":\"…\"} (1–64 letters, digits, - _ .)"))
                    continue
                }
                let registered = WebSocketChannel(peerID: name, requester: requester, continuation: writer)
                guard await signaller.register(registered) else {
                    writer.yield(.error("peer id \"\(name)\" is already registered"))
                    continue
                }
                channel = registered
                if parsed.type == .register {
                    let servers = iceServers.servers(for: name)
                    writer.yield(SignallingMessage(type: .register, peerId: name, iceServers: servers.isEmpty ? nil : servers))
                } else {
                    await signaller.handle(parsed, from: registered)
                }
            }
            if let channel { await signaller.unregister(channel) }
            writer.finish()
            try await group.waitForAll()
        }
    }
}
