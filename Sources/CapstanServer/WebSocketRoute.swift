import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging

/// `GET /ws`: the WebSocket JSON signaller (DESIGN §3). Transport only:
/// it parses frames into `SignallingMessage`s and hands them to the
/// SessionManager, and writes the manager's messages back.
enum WebSocketRoute {
    /// Frames up to this size are read; anything over the configured message
    /// limit gets an `error` message and the socket stays open.
    static let maxFrameSize = 1 << 20

    static func router(manager: SessionManager) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let token = manager.configuration.token
        router.ws("ws") { request, _ in
            // Browsers cannot set headers on a WebSocket: `?token=` also works.
            guard let token else { return .upgrade([:]) }
            let header = request.headers[.authorization] == "Bearer \(token)"
            let query = request.uri.queryParameters.get("token") == token
            return header || query ? .upgrade([:]) : .dontUpgrade
        } onUpgrade: { inbound, outbound, context in
            try await WebSocketConnection(manager: manager, logger: context.logger)
                .run(inbound: inbound, outbound: outbound)
        }
        return router
    }
}

/// One client connection: registration, then messages both ways.
struct WebSocketConnection {
    let manager: SessionManager
    let logger: Logger

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let limit = manager.configuration.maxSignallingMessageBytes
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
                    await manager.handle(parsed, from: channel)
                    continue
                }
                // The first message names the peer: `register`, or a `call:init` with `from`.
                guard let name = parsed.registeringPeerID else {
                    writer.yield(.error("register first: {\"type\":\"register\",\"peerId\":\"…\"} (1–64 letters, digits, - _ .)"))
                    continue
                }
                let registered = WebSocketChannel(peerID: name, continuation: writer)
                guard await manager.register(registered) else {
                    writer.yield(.error("peer id \"\(name)\" is already registered"))
                    continue
                }
                channel = registered
                if parsed.type == .register {
                    writer.yield(SignallingMessage(type: .register, peerId: name))
                } else {
                    await manager.handle(parsed, from: registered)
                }
            }
            if let channel { await manager.unregister(channel) }
            writer.finish()
            try await group.waitForAll()
        }
    }
}
