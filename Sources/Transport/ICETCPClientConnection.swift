import RTP
import NIOCore
import NIOPosix
import STUN

/// The active side of ICE over TCP (RFC 6544) for Capstan's own peer: one TCP connection
/// from a `MediaPort`'s event loop to a `tcptype passive` candidate, framed by RFC 4571.
///
/// Frames that arrive go through the port's demux as if they were datagrams from `remote`
/// (the port's default session gets them); set it as that session's `sink` and everything
/// the session sends goes out framed on the connection, whatever address it names.
///
/// Confined to the port's event loop (hence `@unchecked Sendable`); `connectTCP` and
/// `close` may be called from anywhere.
public final class ICETCPClientConnection: DatagramSink, @unchecked Sendable {
    public let remote: IPEndpoint
    let channel: Channel
    private weak var port: MediaPort?
    private var deframer = RFC4571Deframer(maxFrameBytes: MediaPort.maxReceiveDatagram)
    /// Frames received and sent; frames not sent (send buffer full or closed); oversize frames.
    public private(set) var framesIn: UInt64 = 0
    public private(set) var framesOut: UInt64 = 0
    public private(set) var sendDropped: UInt64 = 0
    public private(set) var malformed = false

    init(channel: Channel, remote: IPEndpoint, port: MediaPort) {
        self.channel = channel
        self.remote = remote
        self.port = port
    }

    func received(_ buffer: ByteBuffer) {
        guard let port else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let remote = self.remote
        var frames: UInt64 = 0
        let outcome = buffer.withUnsafeReadableBytes { bytes in
            deframer.feed(bytes) { frame in
                frames &+= 1
                port.receive(frame, from: remote, now: now)
                return true
            }
        }
        framesIn &+= frames
        if case .oversize = outcome {
            malformed = true
            channel.close(promise: nil)
        }
    }

    public func send(_ datagram: UnsafeRawBufferPointer, to remote: IPEndpoint) {
        guard channel.isActive, channel.isWritable, datagram.count <= 65_535 else {
            sendDropped &+= 1
            return
        }
        var buffer = channel.allocator.buffer(capacity: datagram.count + 2)
        buffer.writeInteger(UInt16(datagram.count))
        buffer.writeBytes(datagram)
        framesOut &+= 1
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }
}

private final class ICETCPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var connection: ICETCPClientConnection?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension MediaPort {
    /// Opens an ICE-TCP connection (the active side) to `remote` on this port's event loop.
    public func connectTCP(to remote: IPEndpoint, timeout: TimeAmount = .seconds(10),
                           maxSendBufferBytes: Int = 1 << 20) async throws -> ICETCPClientConnection {
        let handlerBox = ClientHandlerBox()
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: maxSendBufferBytes / 2, high: maxSendBufferBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handlerBox.handler)
                }
            }
            .connect(to: SocketAddress(remote)).get()
        return try await eventLoop.submit {
            let connection = ICETCPClientConnection(channel: channel, remote: remote, port: self)
            handlerBox.handler.connection = connection
            return connection
        }.get()
    }
}

private final class ClientHandlerBox: @unchecked Sendable {
    let handler = ICETCPClientHandler()
}
