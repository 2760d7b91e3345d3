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
    private var scanner = HeadEndScanner()
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
        let found = !done && scanner.feed(unwrapInboundIn(data).readableBytesView)
        context.fireChannelRead(data)
        if found {
            done = true
            deadline?.cancel()
            deadline = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

/// Finds the blank line (CRLFCRLF) that ends a request head, across reads,
/// without copying: it remembers how much of the pattern the last read
/// ended with. Every byte is looked at, wherever the head ends in a read.
struct HeadEndScanner {
    private var matched = 0

    /// True once the bytes fed so far contain CRLFCRLF.
    mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        for byte in bytes {
            // The pattern is CR LF CR LF: on a mismatch a CR starts it again.
            let expected: UInt8 = matched % 2 == 0 ? 13 : 10
            matched = byte == expected ? matched + 1 : (byte == 13 ? 1 : 0)
            if matched == 4 { return true }
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
