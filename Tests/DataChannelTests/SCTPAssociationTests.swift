import Testing
@testable import DataChannel

/// Two usrsctp associations joined in memory: what one sends, the other
/// receives — after the call that produced it returned (never from inside
/// usrsctp), as the DTLS path does.
final class SCTPPair {
    var toSession: [[UInt8]] = []
    var toPeer: [[UInt8]] = []
    var peerEvents: [SCTPAssociation.Event] = []
    var sessionEvents: [DataChannelEvent] = []
    var session: DataChannelSession!
    var peer: SCTPAssociation!
    var now: UInt64 = 1_000_000_000

    init(limits: DataChannelLimits = DataChannelLimits(), echo: Bool = false) throws {
        session = try DataChannelSession(limits: limits, eventLoop: nil,
                                         output: { [unowned self] in toPeer.append(Array($0)) },
                                         onEvent: { [unowned self] event in
                                             sessionEvents.append(event)
                                             if echo, case .message(let channel, let payload) = event {
                                                 session.send(payload, on: channel.id)
                                             }
                                         })
        var configuration = SCTPAssociation.Configuration()
        configuration.maxMessageSize = 1 << 20
        peer = try SCTPAssociation(configuration: configuration, eventLoop: nil,
                                   output: { [unowned self] in toSession.append(Array($0)) },
                                   onEvent: { [unowned self] in peerEvents.append($0) })
    }

    /// Delivers queued packets both ways until both queues are empty (bounded).
    func pump(rounds: Int = 200) {
        for _ in 0..<rounds {
            if toSession.isEmpty && toPeer.isEmpty { return }
            let a = toSession, b = toPeer
            toSession = []
            toPeer = []
            for packet in a { packet.withUnsafeBytes { session.receive($0, now: now) } }
            for packet in b { packet.withUnsafeBytes { peer.receive($0) } }
        }
    }

    /// Advances time and both timers (retransmissions, delayed SACKs).
    func advance(ms: UInt64) {
        now += ms * 1_000_000
        session.tick(now: now)
        peer.tick(now: now)
        pump()
    }

    func connect() {
        for _ in 0..<50 where !(peer.isUp && session.isUp) {
            pump()
            advance(ms: 20)
        }
    }

    func open(stream: UInt16, label: String, protocol proto: String = "") {
        let open = DCEPMessage.open(DataChannelOpen(label: label, protocol: proto)).serialized
        _ = open.withUnsafeBytes { peer.send($0, stream: stream, ppid: DataChannelPPID.dcep.rawValue) }
        pump()
    }

    @discardableResult
    func send(_ text: String, stream: UInt16) -> Bool {
        let sent = Array(text.utf8).withUnsafeBytes { peer.send($0, stream: stream, ppid: DataChannelPPID.string.rawValue) }
        pump()
        return sent
    }

    var messages: [(String, DataChannelPayload)] {
        sessionEvents.compactMap { if case .message(let c, let p) = $0 { (c.label, p) } else { nil } }
    }
}

@Suite(.serialized)
struct SCTPAssociationTests {
    @Test("usrsctp associations connect over AF_CONN, DCEP opens a channel and messages arrive with their labels")
    func openAndMessage() throws {
        let pair = try SCTPPair()
        pair.connect()
        #expect(pair.peer.isUp)
        #expect(pair.session.isUp)
        pair.open(stream: 1, label: "chat", protocol: "text/plain")
        // The DATA_CHANNEL_ACK came back on the same stream with PPID 50.
        #expect(pair.peerEvents.contains(.message(stream: 1, ppid: 50, bytes: [0x02])))
        #expect(pair.sessionEvents.first == .opened(DataChannelInfo(id: 1, label: "chat", protocol: "text/plain")))
        pair.send("hello", stream: 1)
        let binary: [UInt8] = [0, 1, 2, 255]
        _ = binary.withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 53) }
        _ = [UInt8(0)].withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 56) }
        pair.pump()
        let messages = pair.messages
        #expect(messages.count == 3)
        #expect(messages.map(\.0) == ["chat", "chat", "chat"])
        #expect(messages.map(\.1) == [.text("hello"), .binary(binary), .text("")])
        #expect(pair.session.counters.messages == 3)
        #expect(pair.session.counters.bytes == 9)
    }

    @Test("a large message arrives whole (usrsctp's partial deliveries reassembled)")
    func largeMessage() throws {
        var limits = DataChannelLimits()
        limits.maxMessageSize = 200_000
        let pair = try SCTPPair(limits: limits)
        pair.connect()
        pair.open(stream: 3, label: "files")
        let big = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(big.withUnsafeBytes { pair.peer.send($0, stream: 3, ppid: 53) })
        for _ in 0..<200 where pair.messages.isEmpty { pair.advance(ms: 10) }
        #expect(pair.messages.map(\.1) == [.binary(big)])
    }

    @Test("limits: oversize, rate and session bytes are dropped and counted; the association keeps going")
    func limits() throws {
        var limits = DataChannelLimits()
        limits.maxMessageSize = 1_000
        limits.messagesPerSecond = 10
        limits.maxBytesPerSession = 40
        let pair = try SCTPPair(limits: limits)
        pair.connect()
        pair.open(stream: 1, label: "l")
        // Oversize: dropped while reassembling, not kept.
        let big = [UInt8](repeating: 7, count: 5_000)
        #expect(big.withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 53) })
        for _ in 0..<100 where pair.session.counters.droppedOversize == 0 { pair.advance(ms: 10) }
        #expect(pair.session.counters.droppedOversize == 1)
        // Rate: 30 messages at once, 10 tokens in the bucket.
        for i in 0..<30 { pair.send("m\(i)", stream: 1) }
        #expect(pair.session.counters.messages == 10)
        #expect(pair.session.counters.droppedRate == 20)
        // A second later the bucket is full again; session bytes (40) stop it.
        pair.advance(ms: 1_000)
        for _ in 0..<10 { pair.send("0123456789", stream: 1) }
        #expect(pair.session.counters.droppedSessionBytes > 0)
        #expect(pair.session.counters.bytes <= 40)
        // Still alive: a message within every bound gets through.
        #expect(pair.session.isUp)
    }

    @Test("malformed DCEP, unknown PPIDs and an ACK we never asked for are counted; too many channels refused")
    func hostile() throws {
        var limits = DataChannelLimits()
        limits.maxChannels = 2
        let pair = try SCTPPair(limits: limits)
        pair.connect()
        _ = [UInt8]([0x03, 0x00]).withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 50) }
        _ = [UInt8]([0x02]).withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 50) }
        _ = [UInt8]([1, 2, 3]).withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 99) }
        _ = [UInt8]([0xFF, 0xFE]).withUnsafeBytes { pair.peer.send($0, stream: 1, ppid: 51) }
        pair.pump()
        #expect(pair.session.counters.droppedMalformed == 4)
        pair.open(stream: 1, label: "a")
        pair.open(stream: 3, label: "b")
        pair.open(stream: 5, label: "c")
        pair.open(stream: 1, label: "again")
        #expect(pair.session.channels.count == 2)
        #expect(pair.session.counters.channelsRefused == 2)
    }

    @Test("echo: a message comes back on its channel")
    func echo() throws {
        let pair = try SCTPPair(echo: true)
        pair.connect()
        pair.open(stream: 1, label: "echo")
        pair.send("ping", stream: 1)
        pair.pump()
        #expect(pair.peerEvents.contains(.message(stream: 1, ppid: 51, bytes: Array("ping".utf8))))
    }

    @Test("the peer closing a channel (stream reset) closes it here too")
    func streamReset() throws {
        let pair = try SCTPPair()
        pair.connect()
        pair.open(stream: 1, label: "bye")
        pair.peer.resetStream(1)
        for _ in 0..<50 where pair.session.channels[1] != nil { pair.advance(ms: 10) }
        #expect(pair.session.channels[1] == nil)
        #expect(pair.sessionEvents.contains(.closed(DataChannelInfo(id: 1, label: "bye", protocol: ""))))
    }
}
