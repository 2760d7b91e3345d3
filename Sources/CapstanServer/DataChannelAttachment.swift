import DataChannel
import MediaBridge
import NIOCore
import Transport

/// A session's data channels, attached on `active` beside the media and
/// closed on `ended`: DTLS application data goes to SCTP, SCTP's packets go
/// out through DTLS; each message is recorded (`{id}.data.jsonl`, through the
/// bridge) and, in loopback modes, sent back on its channel.
/// Confined to the media port's event loop.
final class DataChannelAttachment: TransportApplicationDataReceiver {
    private var session: DataChannelSession?
    private weak var bridge: MediaBridge?
    private let echo: Bool
    private var now: UInt64

    init(negotiated: NegotiatedDataChannelSettings, limits: DataChannelLimits, eventLoop: EventLoop,
         transport: TransportSession, bridge: MediaBridge?, echo: Bool, now: UInt64) throws(SCTPError) {
        self.bridge = bridge
        self.echo = echo
        self.now = now
        let box = WeakBox()
        session = try DataChannelSession(
            localPort: negotiated.localPort, remotePort: negotiated.remotePort, limits: limits, eventLoop: eventLoop,
            output: { [weak transport] packet in transport?.sendApplicationData(packet) },
            onEvent: { event in box.value?.handle(event) })
        box.value = self
    }

    private final class WeakBox {
        weak var value: DataChannelAttachment?
    }

    struct NegotiatedDataChannelSettings {
        var localPort: UInt16
        var remotePort: UInt16
    }

    var counters: DataChannelCounters { session?.counters ?? DataChannelCounters() }
    var openChannels: [DataChannelInfo] { session.map { $0.channels.values.sorted { $0.id < $1.id } } ?? [] }

    func transportDidReceiveApplicationData(_ data: UnsafeRawBufferPointer, now: UInt64) {
        self.now = now
        session?.receive(data, now: now)
    }

    func transportTick(now: UInt64) {
        self.now = now
        nextTickNs = now &+ Self.sctpTickNs
        session?.tick(now: now)
    }

    /// usrsctp keeps its timers (retransmission, delayed SACK, heartbeat) on a 10 ms
    /// clock and has no call that says when the next one is due: while the channels
    /// are open the session is ticked every 10 ms (sessions without data channels
    /// are not).
    static let sctpTickNs: UInt64 = 10_000_000
    private var nextTickNs: UInt64 = 0

    func nextTickDeadline(now: UInt64) -> UInt64? { session == nil ? nil : nextTickNs }

    private func handle(_ event: DataChannelEvent) {
        switch event {
        case .opened(let channel):
            bridge?.recordDataChannelOpened(id: channel.id, label: channel.label, protocol: channel.protocol, now: now)
        case .closed(let channel):
            bridge?.recordDataChannelClosed(id: channel.id, label: channel.label, protocol: channel.protocol, now: now)
        case .message(let channel, let payload):
            let content: DataChannelLog.Content
            switch payload {
            case .text(let text): content = .text(text)
            case .binary(let bytes): content = .binary(bytes)
            }
            bridge?.recordDataMessage(id: channel.id, label: channel.label, protocol: channel.protocol,
                                      content: content, now: now)
            if echo { session?.send(payload, on: channel.id) }
        case .down:
            break
        }
    }

    /// Aborts the association; the counters stay readable.
    func close() -> DataChannelCounters {
        let final = counters
        session?.close()
        session = nil
        return final
    }
}
