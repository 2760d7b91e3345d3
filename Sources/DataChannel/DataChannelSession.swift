import NIOCore

/// Bounds on what one peer may put through its data channels (DESIGN.md §8).
public struct DataChannelLimits: Sendable, Equatable {
    /// Largest message accepted (and advertised as `a=max-message-size`).
    public var maxMessageSize = 65_536
    /// Messages accepted per second (a token bucket holding one second's worth).
    public var messagesPerSecond = 1_000
    /// Message bytes accepted over the session's life; 0: no bound.
    public var maxBytesPerSession: UInt64 = 64 << 20
    /// Channels open at once.
    public var maxChannels = 64
    public init() {}
}

/// One open data channel, as its DATA_CHANNEL_OPEN described it (RFC 8832),
/// or with an empty label for a channel negotiated out of band.
public struct DataChannelInfo: Sendable, Equatable {
    /// The SCTP stream id (the channel's `id` in the W3C API).
    public var id: UInt16
    public var label: String
    public var `protocol`: String
    public var type: DataChannelType
    public var reliabilityParameter: UInt32
    /// True when data came on the stream without a DATA_CHANNEL_OPEN
    /// (`negotiated: true` on the peer).
    public var negotiated: Bool

    public init(id: UInt16, label: String, protocol: String, type: DataChannelType = .reliable,
                reliabilityParameter: UInt32 = 0, negotiated: Bool = false) {
        self.id = id
        self.label = label
        self.protocol = `protocol`
        self.type = type
        self.reliabilityParameter = reliabilityParameter
        self.negotiated = negotiated
    }
}

/// A data channel message's content.
public enum DataChannelPayload: Sendable, Equatable {
    case text(String)
    case binary([UInt8])

    public var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}

/// What the peer did on its data channels.
public enum DataChannelEvent: Sendable, Equatable {
    case opened(DataChannelInfo)
    case message(DataChannelInfo, DataChannelPayload)
    case closed(DataChannelInfo)
    /// The SCTP association ended.
    case down
}

/// Messages and channels counted, accepted and dropped.
public struct DataChannelCounters: Sendable, Equatable {
    public var channelsOpened = 0
    public var messages = 0
    public var bytes: UInt64 = 0
    public var messagesSent = 0
    /// Dropped: larger than `maxMessageSize`.
    public var droppedOversize = 0
    /// Dropped: over `messagesPerSecond`.
    public var droppedRate = 0
    /// Dropped: over `maxBytesPerSession`.
    public var droppedSessionBytes = 0
    /// Dropped: malformed DCEP, text that is not UTF-8, unknown or deprecated PPIDs.
    public var droppedMalformed = 0
    /// Channels refused: over `maxChannels`, or a stream already open.
    public var channelsRefused = 0
    /// Messages we could not send (the peer's window and our send buffer full).
    public var sendFailures = 0
    public init() {}

    /// The drop counters by name (only non-zero ones), for the sidecar and the API.
    public var dropped: [String: Int] {
        var out: [String: Int] = [:]
        if droppedOversize > 0 { out["oversize"] = droppedOversize }
        if droppedRate > 0 { out["rate"] = droppedRate }
        if droppedSessionBytes > 0 { out["sessionBytes"] = droppedSessionBytes }
        if droppedMalformed > 0 { out["malformed"] = droppedMalformed }
        if channelsRefused > 0 { out["channelsRefused"] = channelsRefused }
        return out
    }
}

/// The data channels of one session (RFC 8831): an SCTP association over the
/// session's DTLS, with DCEP (RFC 8832) answering the peer's channels, and
/// the session's limits applied to every message. The peer opens channels;
/// Capstan acknowledges them and can send on them (loopback echo).
///
/// Confined to the session's event loop; `now` is that loop's monotonic ns.
public final class DataChannelSession {
    public let limits: DataChannelLimits
    public private(set) var counters = DataChannelCounters()
    public private(set) var channels: [UInt16: DataChannelInfo] = [:]
    public var isUp: Bool { association?.isUp ?? false }

    private var association: SCTPAssociation?
    private let onEvent: (DataChannelEvent) -> Void
    private var tokens: Double
    private var lastRefillNs: UInt64?
    private var now: UInt64 = 0

    /// - Parameters:
    ///   - localPort/remotePort: `a=sctp-port` of the answer and the offer (RFC 8841 §5).
    ///   - output: sends one SCTP packet through DTLS.
    public init(localPort: UInt16 = 5000, remotePort: UInt16 = 5000, limits: DataChannelLimits,
                eventLoop: EventLoop?, output: @escaping (UnsafeRawBufferPointer) -> Void,
                onEvent: @escaping (DataChannelEvent) -> Void) throws(SCTPError) {
        self.limits = limits
        self.onEvent = onEvent
        tokens = Double(max(1, limits.messagesPerSecond))
        var configuration = SCTPAssociation.Configuration()
        configuration.localPort = localPort
        configuration.remotePort = remotePort
        configuration.maxMessageSize = limits.maxMessageSize
        // Room for a few maximal messages in flight, never less than usrsctp's usual window.
        let buffer = UInt32(clamping: max(256 * 1024, min(4 << 20, 4 * limits.maxMessageSize)))
        configuration.receiveBuffer = buffer
        configuration.sendBuffer = buffer
        let box = WeakSession()
        association = try SCTPAssociation(configuration: configuration, eventLoop: eventLoop, output: output,
                                          onEvent: { event in box.session?.handle(event) })
        box.session = self
    }

    private final class WeakSession {
        weak var session: DataChannelSession?
    }

    /// One inbound SCTP packet (decrypted DTLS application data).
    public func receive(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        self.now = now
        association?.receive(packet)
    }

    /// Drives SCTP's timers.
    public func tick(now: UInt64) {
        self.now = now
        association?.tick(now: now)
    }

    /// Sends `payload` on channel `id` with that channel's ordering and reliability.
    @discardableResult
    public func send(_ payload: DataChannelPayload, on id: UInt16) -> Bool {
        guard let association, let channel = channels[id] else { return false }
        let sent: Bool
        switch payload {
        case .text(let text) where text.isEmpty:
            sent = Self.sendOneByte(association, channel, ppid: .stringEmpty)
        case .binary(let bytes) where bytes.isEmpty:
            sent = Self.sendOneByte(association, channel, ppid: .binaryEmpty)
        case .text(let text):
            var text = text
            sent = text.withUTF8 { utf8 in
                association.send(UnsafeRawBufferPointer(utf8), stream: id, ppid: DataChannelPPID.string.rawValue,
                                 ordered: channel.type.isOrdered, prPolicy: channel.type.prPolicy,
                                 prValue: channel.reliabilityParameter)
            }
        case .binary(let bytes):
            sent = bytes.withUnsafeBytes {
                association.send($0, stream: id, ppid: DataChannelPPID.binary.rawValue, ordered: channel.type.isOrdered,
                                 prPolicy: channel.type.prPolicy, prValue: channel.reliabilityParameter)
            }
        }
        if sent { counters.messagesSent += 1 } else { counters.sendFailures += 1 }
        return sent
    }

    private static func sendOneByte(_ association: SCTPAssociation, _ channel: DataChannelInfo, ppid: DataChannelPPID) -> Bool {
        withUnsafeBytes(of: UInt8(0)) {
            association.send($0, stream: channel.id, ppid: ppid.rawValue, ordered: channel.type.isOrdered,
                             prPolicy: channel.type.prPolicy, prValue: channel.reliabilityParameter)
        }
    }

    /// Closes the association (an ABORT goes to the peer). No event after this.
    public func close() {
        association?.close()
        association = nil
    }

    // MARK: - Inbound

    private func handle(_ event: SCTPAssociation.Event) {
        switch event {
        case .up:
            break
        case .down:
            channels.removeAll()
            onEvent(.down)
        case .streamReset(let stream):
            // The peer closed the channel: close our side too (RFC 8831 §6.7).
            guard let channel = channels.removeValue(forKey: stream) else { return }
            association?.resetStream(stream)
            onEvent(.closed(channel))
        case .oversized:
            counters.droppedOversize += 1
        case .message(let stream, let ppid, let bytes):
            receive(bytes, stream: stream, ppid: ppid)
        }
    }

    private func receive(_ bytes: [UInt8], stream: UInt16, ppid rawPPID: UInt32) {
        guard let ppid = DataChannelPPID(rawValue: rawPPID) else {
            counters.droppedMalformed += 1
            return
        }
        if ppid == .dcep {
            receiveControl(bytes, stream: stream)
            return
        }
        // Each data message spends a token, dropped or not: a flood is bounded by the bucket.
        guard takeToken() else {
            counters.droppedRate += 1
            return
        }
        let payload: DataChannelPayload
        switch ppid {
        case .string:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                counters.droppedMalformed += 1
                return
            }
            payload = .text(text)
        case .binary: payload = .binary(bytes)
        case .stringEmpty: payload = .text("")
        case .binaryEmpty: payload = .binary([])
        case .dcep, .stringPartial, .binaryPartial:
            counters.droppedMalformed += 1
            return
        }
        guard limits.maxBytesPerSession == 0 || counters.bytes + UInt64(payload.byteCount) <= limits.maxBytesPerSession else {
            counters.droppedSessionBytes += 1
            return
        }
        let channel: DataChannelInfo
        if let known = channels[stream] {
            channel = known
        } else {
            // Data on a stream never opened with DCEP: a channel the peer
            // negotiated out of band (`negotiated: true`), with no label.
            guard channels.count < limits.maxChannels else {
                counters.channelsRefused += 1
                return
            }
            channel = DataChannelInfo(id: stream, label: "", protocol: "", negotiated: true)
            channels[stream] = channel
            counters.channelsOpened += 1
            onEvent(.opened(channel))
        }
        counters.messages += 1
        counters.bytes += UInt64(payload.byteCount)
        onEvent(.message(channel, payload))
    }

    private func receiveControl(_ bytes: [UInt8], stream: UInt16) {
        let message: DCEPMessage
        do { message = try DCEPMessage(parsing: bytes) } catch {
            counters.droppedMalformed += 1
            return
        }
        switch message {
        case .ack:
            // We open no channels: an ACK answers nothing of ours.
            counters.droppedMalformed += 1
        case .open(let open):
            guard channels[stream] == nil else {
                counters.channelsRefused += 1
                return
            }
            guard channels.count < limits.maxChannels else {
                counters.channelsRefused += 1
                association?.resetStream(stream)
                return
            }
            let channel = DataChannelInfo(id: stream, label: open.label, protocol: open.protocol,
                                          type: open.channelType, reliabilityParameter: open.reliabilityParameter)
            channels[stream] = channel
            counters.channelsOpened += 1
            // DATA_CHANNEL_ACK, reliable and ordered on the same stream (RFC 8832 §6).
            let ack = DCEPMessage.ack.serialized
            _ = ack.withUnsafeBytes { association?.send($0, stream: stream, ppid: DataChannelPPID.dcep.rawValue) }
            onEvent(.opened(channel))
        }
    }

    private func takeToken() -> Bool {
        let rate = Double(max(1, limits.messagesPerSecond))
        if let last = lastRefillNs, now > last {
            tokens = min(rate, tokens + Double(now - last) / 1e9 * rate)
        }
        lastRefillNs = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
