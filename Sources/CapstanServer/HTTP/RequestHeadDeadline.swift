import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Closes a connection that has not sent a whole request head within the
/// idle timeout of connecting (issue 11: an idle connection was kept for
/// ever). Hummingbird's own idle timer starts only after the first request
/// head on an upgradable (HTTP + WebSocket) pipeline, so a client that
/// connects and sends nothing, or drips a header a byte at a time, was
/// never closed. This handler sits first in the pipeline, looks only for the
/// blank line that ends the first head, then removes itself; from there
/// Hummingbird's timer covers the gaps between requests, and an upgraded
/// WebSocket is not touched.
final class RequestHeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The last bytes seen, to find CRLFCRLF across reads.
    private var tail: [UInt8] = []
    private var done = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !done else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if !done, Self.endsHead(tail + buffer.readableBytesView.suffix(4096)) {
            done = true
            deadline?.cancel()
            deadline = nil
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        tail = Array((tail + buffer.readableBytesView.suffix(3)).suffix(3))
        context.fireChannelRead(data)
    }

    static func endsHead(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10
            && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return true
        }
        return false
    }
}

/// The daemon's child channel: Hummingbird's HTTP/1 + WebSocket upgrade
/// channel with `RequestHeadDeadlineHandler` in front.
struct DeadlineGuardedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadlineHandler(timeout: timeout))
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrade, idle-timed from the first byte.
    static func capstan<WSRouter: HTTPResponderBuilder & _HB_SendableMetatype>(
        webSocketRouter: WSRouter, idleTimeout: TimeAmount, maxFrameSize: Int
    ) -> HTTPServerBuilder where WSRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            DeadlineGuardedChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder,
                    configuration: .init(http1: .init(idleTimeout: idleTimeout), ws: .init(maxFrameSize: maxFrameSize))),
                timeout: idleTimeout)
        }
    }
}
