import RTP
import NIOCore
import NIOPosix
import STUN

/// The passive side of ICE over TCP (RFC 6544) beside the shared UDP port: one listening
/// socket on the media port's event loop, each accepted connection framed by RFC 4571.
///
/// Capstan is ICE-lite, so the peer (the controlling agent) is the active side: it
/// connects to the `tcptype passive` candidate of the answer and sends its checks on the
/// connection. The first frame must be a STUN Binding request; the USERNAME's first part
/// names the session (as it routes UDP STUN), and from then on the connection is a path
/// of that session only: STUN, DTLS and SRTP on it are demultiplexed exactly as on UDP
/// (RFC 7983), and whatever the session answers or, once ICE selected it, sends goes back
/// framed on it.
///
/// All state is confined to the port's event loop (hence `@unchecked Sendable`).
final class ICETCPListener: @unchecked Sendable {
    unowned let port: MediaPort
    let limits: ICETCPLimits
    var serverChannel: Channel?
    var counters = ICETCPCounters()
    /// Every open connection.
    private var connections: [ObjectIdentifier: ICETCPConnection] = [:]
    /// Open connections per source IP address (the port is zeroed).
    private var perAddress: [IPEndpoint: Int] = [:]
    private(set) var closing = false

    init(port: MediaPort, limits: ICETCPLimits) {
        self.port = port
        self.limits = limits
    }

    /// A connection the listener accepted: kept, or refused by a limit.
    func accepted(_ connection: ICETCPConnection) {
        port.eventLoop.preconditionInEventLoop()
        let key = connection.remote.withPort(0)
        if closing {
            connection.close(.shutdown)
        } else if connections.count >= limits.maxConnections {
            connection.close(.limitTotal)
        } else if limits.maxConnectionsPerAddress > 0, perAddress[key, default: 0] >= limits.maxConnectionsPerAddress {
            connection.close(.limitAddress)
        } else {
            counters.accepted &+= 1
            connections[ObjectIdentifier(connection)] = connection
            perAddress[key, default: 0] += 1
            counters.open = connections.count
            connection.startHandshakeTimer(limits.handshakeTimeout)
        }
    }

    /// The open connections (tests read their send queues).
    var openConnections: [ICETCPConnection] { Array(connections.values) }

    /// Called once per connection when it closes, whoever closed it.
    func closed(_ connection: ICETCPConnection, reason: ICETCPCloseReason) {
        counters.closed[reason.rawValue] &+= 1
        guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        let key = connection.remote.withPort(0)
        if let count = perAddress[key], count > 1 { perAddress[key] = count - 1 } else { perAddress[key] = nil }
        counters.open = connections.count
    }

    /// Closes the connections of a session that ended.
    func closeConnections(of session: TransportSession) {
        for connection in connections.values where connection.session === session {
            connection.close(.sessionEnded)
        }
    }

    /// Stops accepting and closes every connection.
    func shutdown() {
        closing = true
        for connection in Array(connections.values) { connection.close(.shutdown) }
        serverChannel?.close(promise: nil)
    }
}

/// One ICE-TCP connection: its deframer, the session its first check named, and whether a
/// check on it has succeeded yet. Confined to the media port's event loop.
final class ICETCPConnection: StreamLink, @unchecked Sendable {
    let channel: Channel
    let remote: IPEndpoint
    unowned let listener: ICETCPListener
    /// The session the first STUN request named; nil until then.
    var session: TransportSession?
    /// A check on this connection was answered with success: DTLS and SRTP are taken from now on.
    private(set) var validated = false
    private(set) var isOpen = true
    private var deframer: RFC4571Deframer
    private var handshakeTimer: Scheduled<Void>?

    init(channel: Channel, remote: IPEndpoint, listener: ICETCPListener) {
        self.channel = channel
        self.remote = remote
        self.listener = listener
        deframer = RFC4571Deframer(maxFrameBytes: listener.limits.maxFrameBytes)
    }

    func startHandshakeTimer(_ timeout: TimeAmount) {
        handshakeTimer = channel.eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let self, self.isOpen, !self.validated else { return }
            self.close(.handshakeTimeout)
        }
    }

    /// A check on this connection succeeded (the session's ICE agent answered it).
    func markValidated() {
        guard !validated else { return }
        validated = true
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    /// One read from the socket: every complete frame goes to the port's demux.
    func received(_ buffer: ByteBuffer) {
        guard isOpen else { return }
        let port = listener.port
        let now = NIODeadline.now().uptimeNanoseconds
        let outcome = buffer.withUnsafeReadableBytes { bytes in
            deframer.feed(bytes) { frame in
                port.receiveFrame(frame, on: self, now: now)
                return self.isOpen
            }
        }
        if case .oversize = outcome { close(.oversizeFrame) }
    }

    func sendFrame(_ datagram: UnsafeRawBufferPointer) {
        guard isOpen, channel.isWritable, datagram.count <= 65_535 else {
            listener.counters.sendDropped &+= 1
            return
        }
        var buffer = channel.allocator.buffer(capacity: datagram.count + 2)
        buffer.writeInteger(UInt16(datagram.count))
        buffer.writeBytes(datagram)
        listener.counters.framesOut &+= 1
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Closes the connection (once) and tells the listener why.
    func close(_ reason: ICETCPCloseReason) {
        guard isOpen else { return }
        isOpen = false
        handshakeTimer?.cancel()
        handshakeTimer = nil
        session = nil
        listener.closed(self, reason: reason)
        channel.close(promise: nil)
    }
}

/// The child channel's handler: reads to the connection, close and errors to the listener.
final class ICETCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let listener: ICETCPListener
    private var connection: ICETCPConnection?

    init(listener: ICETCPListener) {
        self.listener = listener
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let address = context.remoteAddress, let remote = IPEndpoint(address)?.unmappingIPv4 else {
            context.close(promise: nil)
            return
        }
        let connection = ICETCPConnection(channel: context.channel, remote: remote, listener: listener)
        self.connection = connection
        listener.accepted(connection)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.received(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.close(.peerClosed)
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or another socket error: the peer is gone.
        connection?.close(.peerClosed)
    }
}

extension IPEndpoint {
    /// The same address with another port.
    func withPort(_ port: UInt16) -> IPEndpoint {
        var copy = self
        copy.port = port
        return copy
    }
}
