import CSCTPShim
import NIOConcurrencyHelpers
import NIOCore

/// One SCTP association over a DTLS connection (RFC 8261), run by usrsctp in
/// its AF_CONN mode without threads: inbound packets are fed with `receive`,
/// outbound packets come back through `output` (for DTLS to encrypt), and
/// timers advance when any association is ticked. Nothing runs on a usrsctp
/// thread: every callback happens inside one of this type's calls.
///
/// usrsctp keeps one stack per process. Its callbacks name a connection by an
/// integer id (never a pointer to this object), resolved through a locked
/// table of weak references, so a late callback can never reach a freed
/// association. Timers are the stack's: they fire inside whichever
/// association's `tick` advances them; a callback for an association
/// confined to another event loop is carried there (copied) instead of
/// running on the caller's thread.
///
/// Not thread-safe otherwise: use it on its `eventLoop`.
public final class SCTPAssociation {
    public enum Event: Sendable, Equatable {
        /// The association is established (COMMUNICATION UP).
        case up
        /// The association is gone (lost, shut down or never established).
        case down
        /// A complete message on `stream` with `ppid`.
        case message(stream: UInt16, ppid: UInt32, bytes: [UInt8])
        /// A message larger than `maxMessageSize` was received and dropped.
        case oversized(stream: UInt16, ppid: UInt32)
        /// The peer reset its outgoing `stream` (closed the data channel).
        case streamReset(UInt16)
    }

    public struct Configuration: Sendable {
        public var localPort: UInt16 = 5000
        public var remotePort: UInt16 = 5000
        /// Messages above this size are dropped while being reassembled.
        public var maxMessageSize = 65_536
        /// usrsctp's receive and send buffers (memory per association).
        public var receiveBuffer: UInt32 = 256 * 1024
        public var sendBuffer: UInt32 = 256 * 1024
        /// Streams offered and accepted each way (channel ids).
        public var streams: UInt16 = 1024
        public init() {}
    }

    public let configuration: Configuration
    public let eventLoop: EventLoop?
    public private(set) var isUp = false
    public private(set) var isClosed = false
    /// Counters: packets in and out, messages dropped as oversized.
    public private(set) var packetsIn: UInt64 = 0
    public private(set) var packetsOut: UInt64 = 0
    public private(set) var oversizedMessages: UInt64 = 0

    private let id: UInt
    private var socket: UnsafeMutableRawPointer?
    private let output: (UnsafeRawBufferPointer) -> Void
    private let onEvent: (Event) -> Void
    /// The message being reassembled (usrsctp hands large messages over in
    /// parts): its stream, PPID and bytes so far; `discarding` once it grew
    /// past `maxMessageSize` (its remaining parts are skipped).
    private var partial: (stream: UInt16, ppid: UInt32, bytes: [UInt8], discarding: Bool)?
    /// Events raised inside a usrsctp call, handed to `onEvent` once that call
    /// returned: the owner may then call back into usrsctp (send, reset,
    /// close) without re-entering it. Bounded by what one call can raise
    /// (the receive buffer's worth of messages).
    private var pendingEvents: [Event] = []
    private var flushing = false

    /// Opens the association and starts connecting (an INIT goes out through `output`).
    /// - Parameters:
    ///   - eventLoop: the loop the association is confined to; callbacks that
    ///     arrive elsewhere (another association's timer tick) are moved to it.
    ///   - output: sends one SCTP packet (as DTLS application data).
    ///   - onEvent: inbound messages and state changes.
    public init(configuration: Configuration, eventLoop: EventLoop?,
                output: @escaping (UnsafeRawBufferPointer) -> Void,
                onEvent: @escaping (Event) -> Void) throws(SCTPError) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.output = output
        self.onEvent = onEvent
        SCTPStack.initialize()
        id = SCTPStack.register()
        // Registered before the socket exists: connect sends the INIT at once.
        SCTPStack.attach(self, id: id)
        guard let socket = capstan_sctp_open(id, configuration.localPort, configuration.remotePort,
                                             configuration.receiveBuffer, configuration.sendBuffer,
                                             configuration.streams) else {
            SCTPStack.detach(id: id)
            throw .openFailed
        }
        self.socket = socket
    }

    deinit {
        if let socket { capstan_sctp_close(socket, id) }
        SCTPStack.detach(id: id)
    }

    /// One inbound SCTP packet (decrypted DTLS application data).
    public func receive(_ packet: UnsafeRawBufferPointer) {
        guard !isClosed, let base = packet.baseAddress, packet.count > 0 else { return }
        packetsIn &+= 1
        capstan_sctp_input(id, base, packet.count)
        flushEvents()
    }

    private func raise(_ event: Event) {
        pendingEvents.append(event)
    }

    private func flushEvents() {
        guard !flushing else { return }
        flushing = true
        defer { flushing = false }
        var index = 0
        while index < pendingEvents.count {
            let event = pendingEvents[index]
            index += 1
            onEvent(event)
        }
        pendingEvents.removeAll(keepingCapacity: pendingEvents.count <= 64)
    }

    /// Sends one message; false when it cannot be queued (closed, or the send
    /// buffer is full: the peer is not reading).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, stream: UInt16, ppid: UInt32, ordered: Bool = true,
                     prPolicy: UInt16 = 0, prValue: UInt32 = 0) -> Bool {
        guard !isClosed, isUp, let socket else { return false }
        // usrsctp refuses a zero-length message; callers send the empty PPIDs with one byte.
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        let sent = capstan_sctp_send(socket, stream, ppid, ordered ? 0 : 1, prPolicy, prValue, base, bytes.count) == 0
        flushEvents()
        return sent
    }

    /// Resets our outgoing `stream` (RFC 8831 §6.7).
    public func resetStream(_ stream: UInt16) {
        guard !isClosed, isUp, let socket else { return }
        _ = capstan_sctp_reset_stream(socket, stream)
        flushEvents()
    }

    /// Advances usrsctp's timers to `now` (ns, monotonic).
    public func tick(now: UInt64) {
        SCTPStack.advance(toNs: now)
        flushEvents()
    }

    /// Aborts the association; no event after this.
    public func close() {
        guard !isClosed else { return }
        // The ABORT usrsctp sends on close (SO_LINGER 0) still goes out through `output`.
        if let socket { capstan_sctp_close(socket, id) }
        socket = nil
        isClosed = true
        isUp = false
        partial = nil
        pendingEvents.removeAll()
        SCTPStack.detach(id: id)
    }

    // MARK: - From usrsctp (on the caller's thread, inside one of the calls above)

    fileprivate func deliverOutput(_ packet: UnsafeRawBufferPointer) {
        if let eventLoop, !eventLoop.inEventLoop {
            let copy = Array(packet)
            let bound = UnsafeTransfer(self)
            eventLoop.execute { bound.value.deliverOutputOnLoop(copy) }
            return
        }
        guard !isClosed else { return }
        packetsOut &+= 1
        output(packet)
    }

    private func deliverOutputOnLoop(_ copy: [UInt8]) {
        guard !isClosed else { return }
        packetsOut &+= 1
        copy.withUnsafeBytes { output($0) }
    }

    fileprivate func deliverEvent(kind: Int32, stream: UInt16, ppid: UInt32, data: UnsafeRawBufferPointer, endOfRecord: Bool) {
        if let eventLoop, !eventLoop.inEventLoop {
            let copy = Array(data)
            let bound = UnsafeTransfer(self)
            eventLoop.execute {
                copy.withUnsafeBytes { bound.value.handleEvent(kind: kind, stream: stream, ppid: ppid, data: $0, endOfRecord: endOfRecord) }
                bound.value.flushEvents()
            }
            return
        }
        handleEvent(kind: kind, stream: stream, ppid: ppid, data: data, endOfRecord: endOfRecord)
    }

    private func handleEvent(kind: Int32, stream: UInt16, ppid: UInt32, data: UnsafeRawBufferPointer, endOfRecord: Bool) {
        guard !isClosed else { return }
        switch kind {
        case Int32(CAPSTAN_SCTP_UP.rawValue):
            guard !isUp else { return }
            isUp = true
            raise(.up)
        case Int32(CAPSTAN_SCTP_DOWN.rawValue):
            let wasOpen = !isClosed
            isUp = false
            isClosed = true
            partial = nil
            if wasOpen { raise(.down) }
        case Int32(CAPSTAN_SCTP_STREAM_RESET.rawValue):
            raise(.streamReset(stream))
        default:
            reassemble(stream: stream, ppid: ppid, data: data, endOfRecord: endOfRecord)
        }
    }

    private func reassemble(stream: UInt16, ppid: UInt32, data: UnsafeRawBufferPointer, endOfRecord: Bool) {
        if endOfRecord, partial == nil {
            // The usual case: a whole message in one call.
            if data.count > configuration.maxMessageSize {
                oversizedMessages &+= 1
                raise(.oversized(stream: stream, ppid: ppid))
            } else {
                raise(.message(stream: stream, ppid: ppid, bytes: Array(data)))
            }
            return
        }
        if let current = partial, current.stream != stream {
            // A part of another message before the end of this one: the
            // unfinished message cannot be completed any more.
            partial = nil
            oversizedMessages &+= 1
            raise(.oversized(stream: current.stream, ppid: current.ppid))
        }
        var current = partial ?? (stream, ppid, [], false)
        if !current.discarding {
            if current.bytes.count + data.count > configuration.maxMessageSize {
                current.discarding = true
                current.bytes = []
            } else {
                current.bytes.append(contentsOf: data)
            }
        }
        if endOfRecord {
            partial = nil
            if current.discarding {
                oversizedMessages &+= 1
                raise(.oversized(stream: stream, ppid: current.ppid))
            } else {
                raise(.message(stream: stream, ppid: current.ppid, bytes: current.bytes))
            }
        } else {
            partial = current
        }
    }

    // MARK: - The process-wide usrsctp stack

    fileprivate enum SCTPStack {
        // Read only under the lock; the association is used on its own event loop.
        private struct WeakAssociation: @unchecked Sendable {
            weak var value: SCTPAssociation?
        }
        private struct State {
            var nextID: UInt = 1
            var associations: [UInt: WeakAssociation] = [:]
            var lastTimerNs: UInt64?
        }
        private static let state = NIOLockedValueBox(State())
        /// Serializes timer advances (usrsctp is thread-safe, the elapsed-time bookkeeping is not).
        private static let timerLock = NIOLock()
        private static let initialized: Bool = {
            capstan_sctp_init(outputCallback, eventCallback)
            return true
        }()

        static func initialize() { _ = initialized }

        static func register() -> UInt {
            state.withLockedValue { state in
                let id = state.nextID
                state.nextID &+= 1
                if state.nextID == 0 { state.nextID = 1 }
                return id
            }
        }

        static func attach(_ association: SCTPAssociation, id: UInt) {
            state.withLockedValue { $0.associations[id] = WeakAssociation(value: association) }
        }

        static func detach(id: UInt) {
            state.withLockedValue { _ = $0.associations.removeValue(forKey: id) }
        }

        static func lookup(_ id: UInt) -> SCTPAssociation? {
            state.withLockedValue { $0.associations[id]?.value }
        }

        /// Advances usrsctp's clock to `nowNs` in whole milliseconds.
        static func advance(toNs nowNs: UInt64) {
            timerLock.withLock {
                let elapsed: UInt64 = state.withLockedValue { state in
                    guard let last = state.lastTimerNs else {
                        state.lastTimerNs = nowNs
                        return 0
                    }
                    guard nowNs > last else { return 0 }
                    let ms = (nowNs - last) / 1_000_000
                    state.lastTimerNs = last + ms * 1_000_000
                    return ms
                }
                if elapsed > 0 { capstan_sctp_handle_timers(UInt32(min(elapsed, 60_000))) }
            }
        }

        private static let outputCallback: capstan_sctp_output_fn = { conn, packet, length in
            guard let packet, let association = SCTPStack.lookup(conn) else { return }
            association.deliverOutput(UnsafeRawBufferPointer(start: packet, count: length))
        }

        private static let eventCallback: capstan_sctp_event_fn = { conn, kind, stream, ppid, data, length, eor in
            guard let association = SCTPStack.lookup(conn) else { return }
            let bytes = data.map { UnsafeRawBufferPointer(start: $0, count: length) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            association.deliverEvent(kind: kind, stream: stream, ppid: ppid, data: bytes, endOfRecord: eor != 0)
        }
    }
}

/// Why an association could not be made.
public enum SCTPError: Error, Sendable, Equatable {
    case openFailed
}

/// Moves a reference to its own event loop (where it is confined) across a
/// `@Sendable` boundary.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
