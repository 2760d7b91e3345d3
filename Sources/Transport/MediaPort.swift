import NIOCore
import NIOPosix
import STUN
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one UDP port every session shares (DESIGN.md §1). Classifies each
/// datagram by its first byte (RFC 7983), routes STUN by the USERNAME ufrag
/// and everything else by source address, and drives every session's timers
/// from one timer armed at the earliest deadline any session has.
///
/// All state is confined to `eventLoop`: call `register`, `unregister` and
/// read `counters` only on it (use `eventLoop.execute`/`submit` from
/// elsewhere). That confinement is why the class is `@unchecked Sendable`,
/// and why the properties the per-packet path reads are
/// `@exclusivity(unchecked)`: no access to them overlaps another, and the
/// runtime check costs ~300 instructions per packet (scripts/bench-receive).
public final class MediaPort: @unchecked Sendable {
    public let eventLoop: EventLoop
    public let localAddress: IPEndpoint
    private let channel: Channel

    private var sessionsByUfrag: [String: TransportSession] = [:]
    @exclusivity(unchecked) private var sessionsByAddress: [IPEndpoint: TransportSession] = [:]
    /// The last address `sessionsByAddress` resolved and its session: a peer's
    /// datagrams come in runs, and this spares each one the dictionary's
    /// SipHash (~350 instructions per packet, scripts/bench-receive). Cleared
    /// whenever `sessionsByAddress` changes.
    @exclusivity(unchecked) private var lastRoute: (address: IPEndpoint, session: TransportSession)?
    /// A client port (the sample peer) has one session that owns everything.
    @exclusivity(unchecked) private weak var defaultSession: TransportSession?
    private var sessions: [ObjectIdentifier: TransportSession] = [:]
    /// The ICE-TCP listener beside this port, once `listenTCP` bound it.
    var tcp: ICETCPListener?
    /// The one timer: armed at the earliest deadline of any session (a jitter-buffer wait,
    /// a NACK retry, an RTCP report, consent, a DTLS retransmission), not a tick that
    /// visits every session every 10 ms (issue 13). A session is polled only when its own
    /// deadline is due — or by the sweep, at most `sweepIntervalNs` apart, which polls every
    /// session so that a timer some component forgot to report is late, not lost.
    private var wakeTask: Scheduled<Void>?
    /// When `wakeTask` fires (`.max`: not armed).
    @exclusivity(unchecked) private var wakeAt: UInt64 = .max
    private var nextSweepAt: UInt64 = 0
    /// Deadlines closer than this to the armed wake-up share it; a wake-up is never armed
    /// closer than this to now (a deadline in the past cannot make the loop spin).
    static let timerSlackNs: UInt64 = 1_000_000
    /// The longest the timer sleeps while a session is registered, and the sweep's period.
    let sweepIntervalNs: UInt64
    /// Wake-ups of the timer so far (what an idle session costs; tests and benchmarks).
    public private(set) var wakeUps: UInt64 = 0
    /// Sessions polled so far.
    public private(set) var sessionPolls: UInt64 = 0

    /// Reused for every inbound SRTP datagram: unprotect happens in place here.
    private let receiveScratch: UnsafeMutableRawBufferPointer

    public struct Counters: Sendable, Equatable {
        public var datagramsIn: UInt64 = 0
        public var bytesIn: UInt64 = 0
        public var datagramsOut: UInt64 = 0
        public var drops = TransportDropCounters()
    }

    /// Port-level counters (drops before any session is found).
    public private(set) var counters = Counters()

    /// The ICE-TCP listener's counters (zero without one). On the event loop.
    public var tcpCounters: ICETCPCounters { tcp?.counters ?? ICETCPCounters() }

    /// Where the ICE-TCP listener is bound; nil without one.
    public private(set) var tcpLocalAddress: IPEndpoint?

    /// Datagrams read per system call (recvmmsg).
    static let vectorReadCount = 32
    /// Receive slot size: larger than any datagram a WebRTC peer sends, so a
    /// datagram that fills it is known to be oversized and dropped.
    static let maxReceiveDatagram = 2048

    /// Kernel receive buffer asked for on the socket. Every session's media
    /// arrives on this one socket, and peers send a frame's packets in a burst
    /// (a load generator sends the same frame to every session at once): with
    /// Linux's default 208 KiB (~90 datagrams of skb overhead included), 80
    /// sessions at 500 kbit/s already overflowed it (scripts/load: 9 % of
    /// packets lost at 7 % CPU). 4 MiB (~1,800 full-size datagrams) still
    /// overflowed at 200 sessions when a sender started a keyframe to all of
    /// them at once (~4,000–6,000 datagrams; scripts/compare-janus, 43,580
    /// drops): 16 MiB holds ~7,000. The kernel charges only what is queued.
    public static let defaultReceiveBufferBytes = 16 << 20

    /// What the kernel granted for the socket's receive buffer (as SO_RCVBUF
    /// reads back: Linux doubles the request for its own bookkeeping).
    public private(set) var receiveBufferBytes = 0

    /// Binds a UDP socket on `host:port` (port 0 picks a free one).
    /// - Parameter receiveBufferBytes: asked for with SO_RCVBUFFORCE (when the
    ///   process may exceed `net.core.rmem_max`), else SO_RCVBUF (capped there).
    /// - Parameter sweepInterval: the longest the timer sleeps while a session is
    ///   registered; every session is polled at least this often.
    /// - Parameter readInterval: while datagrams flow, read the socket at most this often,
    ///   taking everything that arrived since in one pass (`.zero`: each readable event, as
    ///   it comes). See `drain()`.
    public static func bind(host: String, port: Int, group: EventLoopGroup,
                            sweepInterval: TimeAmount = .seconds(1),
                            receiveBufferBytes: Int = defaultReceiveBufferBytes,
                            readInterval: TimeAmount = .zero) async throws -> MediaPort {
        let holder = HandlerHolder()
        let paced = readInterval > .zero
        // The socket is ours to make so that the paced reads know its descriptor; the
        // channel owns it from here (and closes it).
        let descriptor = try openSocket(try SocketAddress.makeAddressResolvingHost(host, port: port),
                                        reuseAddress: port != 0)
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
            // Paced: NIO reads only when asked, to learn that datagrams flow again after a pause.
            .channelOption(.autoRead, value: !paced)
            // One recvmmsg per readable event. NIO reads until EAGAIN otherwise:
            // at a few hundred packets a second every wake-up made a second
            // recvmmsg that found nothing. Its epoll is level-triggered, so
            // whatever a burst leaves in the socket wakes the loop again at once.
            .channelOption(.maxMessagesPerRead, value: 1)
            // NIO splits one receive buffer evenly across the vector-read
            // slots, so it must hold `vectorReadCount` full-size datagrams.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(
                capacity: vectorReadCount * maxReceiveDatagram))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(holder.handler)
                }
            }
            .withBoundSocket(descriptor).get()
        let port = try MediaPort(channel: channel, sweepIntervalNs: UInt64(max(sweepInterval.nanoseconds, 2_000_000)),
                                 reader: paced ? DatagramReader(descriptor: descriptor, slots: vectorReadCount,
                                                                slotBytes: maxReceiveDatagram) : nil,
                                 readIntervalNs: UInt64(max(readInterval.nanoseconds, 0)))
        port.receiveBufferBytes = try await setReceiveBuffer(of: channel, to: receiveBufferBytes)
        try await channel.eventLoop.submit {
            holder.handler.port = port
            if paced { channel.read() }
        }.get()
        return port
    }

    /// A non-blocking UDP socket bound to `address`. SO_REUSEADDR only for a fixed port (a
    /// restarted daemon rebinds it). With port 0 it lets Linux hand the same ephemeral port
    /// to two sockets that both set it: two sample-peer sessions then share one source
    /// address, and the daemon, which routes by address, mixes their packets (scripts/load
    /// at 160 sessions: SRTP auth drops).
    private static func openSocket(_ address: SocketAddress, reuseAddress: Bool) throws -> CInt {
        let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, CInt(bitPattern: SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw TransportError.socket("socket: \(String(cString: strerror(errno)))") }
        var one: CInt = 1
        if reuseAddress {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        }
        let bound = address.withSockAddr { pointer, length in
            Glibc.bind(descriptor, pointer, socklen_t(length))
        }
        guard bound == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw TransportError.socket("bind \(address): \(String(cString: strerror(error)))")
        }
        return descriptor
    }

    /// Sets the socket's receive buffer; returns what the kernel granted.
    private static func setReceiveBuffer(of channel: Channel, to bytes: Int) async throws -> Int {
        let value = SocketOptionValue(clamping: bytes)
        // SO_RCVBUFFORCE (Linux): needs CAP_NET_ADMIN; without it, SO_RCVBUF.
        let force = ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: 33))
        do {
            try await channel.setOption(force, value: value).get()
        } catch {
            try await channel.setOption(.socketOption(.so_rcvbuf), value: value).get()
        }
        return Int(try await channel.getOption(.socketOption(.so_rcvbuf)).get())
    }

    private init(channel: Channel, sweepIntervalNs: UInt64, reader: DatagramReader?, readIntervalNs: UInt64) throws {
        self.channel = channel
        self.sweepIntervalNs = sweepIntervalNs
        self.reader = reader
        self.readIntervalNs = readIntervalNs
        self.eventLoop = channel.eventLoop
        guard let address = channel.localAddress, let endpoint = IPEndpoint(address) else {
            throw TransportError.unsupportedAddress(String(describing: channel.localAddress))
        }
        self.localAddress = endpoint
        receiveScratch = .allocate(byteCount: TransportSession.maxDatagram + 64, alignment: 16)
    }

    deinit {
        receiveScratch.deallocate()
    }

    /// Adds a session: STUN for its ufrag reaches it; addresses it validates
    /// are routed to it. With `asDefault`, every datagram no other session
    /// claims goes to it (a client port with a single session).
    public func register(_ session: TransportSession, asDefault: Bool = false) {
        eventLoop.preconditionInEventLoop()
        sessions[ObjectIdentifier(session)] = session
        sessionsByUfrag[session.localUfrag] = session
        if asDefault { defaultSession = session }
        session.sink = self
        session.addressValidated = { [unowned self, unowned session] address, link in
            if let link {
                // An ICE-TCP connection proved itself: it is this session's path already;
                // nothing about it goes into the datagram routes.
                (link as? ICETCPConnection)?.markValidated()
            } else {
                self.sessionsByAddress[address] = session
                self.lastRoute = nil
            }
        }
        session.deadlineMayHaveMoved = { [unowned self, unowned session] in
            self.noteDeadline(of: session, now: NIODeadline.now().uptimeNanoseconds)
        }
        // Polled at once (a controlling agent sends its first checks), then at its deadlines.
        arm(at: NIODeadline.now().uptimeNanoseconds)
    }

    /// Call after an ICE restart changed the session's local ufrag.
    public func rekey(_ session: TransportSession, oldUfrag: String) {
        eventLoop.preconditionInEventLoop()
        if sessionsByUfrag[oldUfrag] === session { sessionsByUfrag[oldUfrag] = nil }
        sessionsByUfrag[session.localUfrag] = session
    }

    /// Removes a session and every route to it.
    public func unregister(_ session: TransportSession) {
        eventLoop.preconditionInEventLoop()
        sessions[ObjectIdentifier(session)] = nil
        sessionsByUfrag = sessionsByUfrag.filter { $0.value !== session }
        sessionsByAddress = sessionsByAddress.filter { $0.value !== session }
        lastRoute = nil
        if defaultSession === session { defaultSession = nil }
        tcp?.closeConnections(of: session)
        session.addressValidated = nil
        session.deadlineMayHaveMoved = nil
        session.sink = nil
        if sessions.isEmpty { disarm() }
    }

    /// Closes the socket (and the ICE-TCP listener with its connections) and stops the tick.
    public func close() async throws {
        try await eventLoop.submit {
            self.disarm()
            self.drainTask?.cancel()
            self.drainTask = nil
            self.closed = true
            self.tcp?.shutdown()
        }.get()
        try await channel.close()
    }

    private var closed = false

    // MARK: - Timer

    /// Arms the timer for `deadline` unless it is already armed for about then or earlier.
    private func arm(at deadline: UInt64) {
        guard !closed, !sessions.isEmpty, deadline &+ Self.timerSlackNs < wakeAt else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let at = max(deadline, now &+ Self.timerSlackNs)
        guard at < wakeAt else { return }
        wakeTask?.cancel()
        wakeTask = nil
        wakeAt = at
        // While paced reads flow, the next drain (at most one interval away) polls what is
        // due: the deadline is late by less than an interval, as the datagrams are, and the
        // loop wakes once per interval for both.
        if !flowing { scheduleWake(at: at) }
    }

    private func scheduleWake(at deadline: UInt64) {
        wakeTask = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [weak self] in self?.wake() }
    }

    private func disarm() {
        wakeTask?.cancel()
        wakeTask = nil
        wakeAt = .max
    }

    /// A session's deadline may have come closer (a packet, a state change): re-arm if so.
    @inline(__always)
    private func noteDeadline(of session: TransportSession, now: UInt64) {
        if let deadline = session.nextDeadline(now: now), deadline &+ Self.timerSlackNs < wakeAt {
            arm(at: deadline)
        }
    }

    /// The timer fired: polls the sessions whose deadline is due (every session on a
    /// sweep), then re-arms for the earliest deadline left.
    private func wake() {
        wakeTask = nil
        wakeAt = .max
        wakeUps &+= 1
        let now = NIODeadline.now().uptimeNanoseconds
        let sweep = now >= nextSweepAt
        if sweep { nextSweepAt = now &+ sweepIntervalNs }
        var next = nextSweepAt
        // A copy: a poll can end a session, and its owner unregisters it.
        for session in sessions.values {
            var deadline = session.nextDeadline(now: now)
            if sweep || (deadline.map { $0 <= now &+ Self.timerSlackNs } ?? false) {
                sessionPolls &+= 1
                session.poll(now: now)
                deadline = session.nextDeadline(now: now)  // the poll moved it
            }
            if let deadline, deadline < next { next = deadline }
        }
        arm(at: next)
    }

    // MARK: - Paced reads

    /// Reads the socket directly in paced mode (nil: NIO reads every readable event).
    private let reader: DatagramReader?
    /// The least time between two paced reads.
    let readIntervalNs: UInt64
    private var drainTask: Scheduled<Void>?
    /// Paced reads are under way (from the NIO read that found datagrams flowing again to the
    /// drain that finds none): session deadlines wait for the drains.
    private var flowing = false
    /// Paced reads so far, and those that found the socket empty (tests and benchmarks).
    public private(set) var drains: UInt64 = 0
    public private(set) var idleDrains: UInt64 = 0
    /// `recvmmsg` calls one drain may make before it yields the loop (32 datagrams each).
    static let maxReadsPerDrain = 64

    /// NIO delivered a read: in paced mode, datagrams flow again after a pause. The next
    /// read is a drain, one interval from now.
    func nioReadComplete() {
        guard reader != nil, !closed, drainTask == nil else { return }
        flowing = true
        scheduleDrain(at: NIODeadline.now().uptimeNanoseconds &+ readIntervalNs)
    }

    private func scheduleDrain(at deadline: UInt64) {
        drainTask = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [weak self] in self?.drain() }
    }

    /// One paced read: every datagram that arrived since the last one, with `recvmmsg` on the
    /// socket, then the next drain one interval after this one started. While media flows the
    /// loop wakes once per interval for every session's datagrams together, instead of once
    /// per datagram (most senders pace their packets: aiortc and browsers spread a frame's
    /// packets over milliseconds), and no datagram goes through NIO's per-datagram address
    /// text, envelope and pipeline. A drain that finds nothing hands reading back to NIO, so
    /// an idle port does not wake at all.
    ///
    /// The cost is latency: a datagram waits at most one interval before it is handled (STUN,
    /// DTLS, RTP alike). `now` for each is the drain's time, so interarrival jitter reads up
    /// to an interval high; sends are not delayed.
    private func drain() {
        drainTask = nil
        guard let reader, !closed else { return }
        drains &+= 1
        let start = NIODeadline.now().uptimeNanoseconds
        var total = 0, reads = 0
        while reads < Self.maxReadsPerDrain {
            reads += 1
            let count = reader.read { bytes, source, truncated in
                receiveDatagram(bytes, from: source, truncated: truncated, now: start)
            }
            if count > 0 { total += count }
            if count < reader.slots { break }
            if closed { return }
        }
        if total == 0 {
            idleDrains &+= 1
            flowing = false
            channel.read()  // nothing came for an interval: NIO tells us when something does
        } else if reads == Self.maxReadsPerDrain {
            scheduleDrain(at: start)  // more waiting: go on after what else the loop has to do
        } else {
            scheduleDrain(at: start &+ readIntervalNs)
        }
        // Session deadlines deferred to the drains: poll what is due; once reads stop, the
        // timer of its own takes the earliest deadline again.
        if wakeTask == nil, wakeAt != .max {
            if wakeAt <= NIODeadline.now().uptimeNanoseconds &+ Self.timerSlackNs {
                wake()
            } else if !flowing {
                scheduleWake(at: wakeAt)
            }
        }
    }

    // MARK: - Inbound

    /// Entry point for every datagram NIO read from the socket.
    func receive(_ data: ByteBuffer, from address: SocketAddress) {
        data.withUnsafeReadableBytes { raw in
            receiveDatagram(raw, from: IPEndpoint(address)?.unmappingIPv4, truncated: false,
                            now: NIODeadline.now().uptimeNanoseconds)
        }
    }

    /// Every datagram from the socket, read by NIO or by a drain: counted, then routed unless
    /// its source is not an IP address or it did not fit the receive slot.
    @inline(__always)
    private func receiveDatagram(_ raw: UnsafeRawBufferPointer, from source: IPEndpoint?, truncated: Bool, now: UInt64) {
        counters.datagramsIn &+= 1
        counters.bytesIn &+= UInt64(raw.count)
        guard let source else { counters.drops.increment(.unknownSource); return }
        guard !truncated else { counters.drops.increment(.tooLarge); return }
        receive(raw, from: source, now: now)
    }

    /// Routes one datagram; exposed to tests and benchmarks that feed bytes
    /// without a socket.
    public func receive(_ data: ByteBuffer, from remote: IPEndpoint, now: UInt64) {
        data.withUnsafeReadableBytes { raw in receive(raw, from: remote, now: now) }
    }

    /// Routes one datagram given as raw bytes (a frame of a client's ICE-TCP connection).
    public func receive(_ raw: UnsafeRawBufferPointer, from remote: IPEndpoint, now: UInt64) {
        switch DatagramClass.classify(raw) {
        case .stun:
            if let session = stunOwner(raw, from: remote) {
                session.receiveSTUN(raw, from: remote, now: now)
                noteDeadline(of: session, now: now)
            } else {
                counters.drops.increment(.unknownSource)
            }
        case .dtls:
            guard let session = addressOwner(remote) else {
                counters.drops.increment(.unknownSource); return
            }
            session.receiveDTLS(raw, from: remote, now: now)
            noteDeadline(of: session, now: now)
        case .rtp, .rtcp:
            guard let session = addressOwner(remote) else {
                counters.drops.increment(.unknownSource); return
            }
            guard raw.count <= receiveScratch.count else {
                counters.drops.increment(.tooLarge); return
            }
            receiveScratch.copyMemory(from: raw)
            session.receiveSRTP(receiveScratch, length: raw.count,
                                isRTCP: raw[1] >= 192 && raw[1] <= 223, now: now)
            noteDeadline(of: session, now: now)
        case .unknown:
            counters.drops.increment(.unknownClass)
        }
    }

    /// The session a STUN datagram belongs to. Only a *request* is routed by its USERNAME,
    /// whose first part is the receiver's ufrag (RFC 8445 §7.2.2). Responses and indications
    /// go by address: some agents echo the request's USERNAME in their success responses
    /// (libnice, so Janus, does), and that USERNAME starts with the *remote's* ufrag. Routed
    /// by it, the response to every check of the sample peer was dropped as `unknownSource`:
    /// ICE never selected a pair while DTLS (Janus's ClientHello) still completed (issue 13).
    private func stunOwner(_ raw: UnsafeRawBufferPointer, from remote: IPEndpoint) -> TransportSession? {
        // The class bits of the message type (RFC 8489 §5): C1 is 0x0100, C0 0x0010.
        let isRequest = raw.count >= 2 && raw[0] & 0x01 == 0 && raw[1] & 0x10 == 0
        if isRequest, let range = STUNMessage.peekUsername(raw) {
            let ufrag = String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
            if let session = sessionsByUfrag[ufrag] { return session }
            return nil
        }
        // Responses, indications and requests without USERNAME: by address.
        return addressOwner(remote)
    }

    /// One RFC 4571 frame from an ICE-TCP connection. Until the connection belongs to a
    /// session, the frame must be a STUN request whose USERNAME names one (else the
    /// connection is closed); after that, frames are demultiplexed as datagrams are, but
    /// every one goes to the connection's session, and DTLS and SRTP only once a check
    /// on the connection succeeded.
    func receiveFrame(_ raw: UnsafeRawBufferPointer, on connection: ICETCPConnection, now: UInt64) {
        tcp?.counters.framesIn &+= 1
        tcp?.counters.bytesIn &+= UInt64(raw.count)
        let session: TransportSession
        if let bound = connection.session {
            session = bound
        } else {
            let isRequest = raw.count >= 2 && raw[0] & 0x01 == 0 && raw[1] & 0x10 == 0
            guard DatagramClass.classify(raw) == .stun, isRequest, let range = STUNMessage.peekUsername(raw) else {
                connection.close(.notSTUN)
                return
            }
            let ufrag = String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
            guard let owner = sessionsByUfrag[ufrag] else {
                connection.close(.unknownUfrag)
                return
            }
            connection.session = owner
            session = owner
        }
        switch DatagramClass.classify(raw) {
        case .stun:
            session.receiveSTUN(raw, from: connection.remote, via: connection, now: now)
        case .dtls:
            guard connection.validated else { counters.drops.increment(.unknownSource); return }
            session.receiveDTLS(raw, from: connection.remote, via: connection, now: now)
        case .rtp, .rtcp:
            guard connection.validated else { counters.drops.increment(.unknownSource); return }
            guard raw.count <= receiveScratch.count else { counters.drops.increment(.tooLarge); return }
            receiveScratch.copyMemory(from: raw)
            session.receiveSRTP(receiveScratch, length: raw.count,
                                isRTCP: raw[1] >= 192 && raw[1] <= 223, now: now)
        case .unknown:
            counters.drops.increment(.unknownClass)
        }
        noteDeadline(of: session, now: now)
    }

    /// Listens for ICE-TCP (RFC 6544, passive) on `host:port` beside this port, on its
    /// event loop; returns the bound address (port 0 picks a free one).
    @discardableResult
    public func listenTCP(host: String, port: Int, limits: ICETCPLimits = ICETCPLimits()) async throws -> IPEndpoint {
        let listener = try await eventLoop.submit { () -> ICETCPListener in
            precondition(self.tcp == nil, "one ICE-TCP listener per port")
            let listener = ICETCPListener(port: self, limits: limits)
            return listener
        }.get()
        let channel = try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(
                minimum: 64, initial: 2048, maximum: ICETCPLimits.maxReadBytes))
            .childChannelOption(.writeBufferWaterMark, value: .init(
                low: limits.maxSendBufferBytes / 2, high: limits.maxSendBufferBytes))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ICETCPHandler(listener: listener))
                }
            }
            .bind(host: host, port: port).get()
        guard let address = channel.localAddress, let endpoint = IPEndpoint(address) else {
            try? await channel.close()
            throw TransportError.unsupportedAddress(String(describing: channel.localAddress))
        }
        try await eventLoop.submit {
            listener.serverChannel = channel
            self.tcp = listener
            self.tcpLocalAddress = endpoint
            if self.closed { listener.shutdown() }
        }.get()
        return endpoint
    }

    @inline(__always)
    private func addressOwner(_ remote: IPEndpoint) -> TransportSession? {
        if let route = lastRoute, route.address == remote { return route.session }
        if let session = sessionsByAddress[remote] {
            lastRoute = (remote, session)
            return session
        }
        return defaultSession
    }
}

extension MediaPort: DatagramSink {
    public func send(_ datagram: UnsafeRawBufferPointer, to remote: IPEndpoint) {
        write(datagram, to: SocketAddress(remote))
    }

    /// The per-packet send path: the session's selected address, converted
    /// to NIO's form once when ICE selected it.
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: DatagramDestination) {
        write(datagram, to: destination.socketAddress)
    }

    private func write(_ datagram: UnsafeRawBufferPointer, to address: SocketAddress) {
        var buffer = channel.allocator.buffer(capacity: datagram.count)
        buffer.writeBytes(datagram)
        counters.datagramsOut &+= 1
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }
}

/// Lets the channel initializer (a `@Sendable` closure) create the handler
/// before the port exists; the port is attached on the loop right after bind.
private final class HandlerHolder: @unchecked Sendable {
    let handler = MediaPortHandler()
}

final class MediaPortHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    weak var port: MediaPort?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        port?.receive(envelope.data, from: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        port?.nioReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port-unreachable and similar surface here on UDP; they must
        // never close the shared port.
    }
}
