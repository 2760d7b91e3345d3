// capstan-bench-receive: the receive-path benchmark of issue 3.
//
// Set-up (not measured): an answerer TransportSession (ICE-lite, DTLS server)
// registered on a real MediaPort bound to 127.0.0.1, and an offerer
// TransportSession (controlling ICE, DTLS client) wired to it in memory. Every
// datagram the offerer sends enters the answerer through
// `MediaPort.receive(_:from:now:)`: the ICE check, the DTLS handshake and the
// key export are the real ones. The offerer then protects
// `warmup + 2 × packets` realistic RTP packets (distinct sequence numbers)
// through `sendRTP`.
//
// `warmup` packets go through the full path first (libsrtp creates its
// per-SSRC stream on the first one). Then the measured regions run, each
// bracketed by callgrind client requests (CCallgrind): a profile dump at its
// start and one at its end, so the part callgrind writes at its end (trigger
// "Client Request: full" or "…: floor") holds exactly the region's
// instructions and call counts:
//   full:   MediaPort.receive → RFC 7983 demux → route by address →
//           copy into the port's scratch → SRTPSession.unprotectRTP →
//           TransportMediaReceiver → RTPHeader parse, header-extension walk,
//           payload touch.
//   floor:  the raw C call `srtp_unprotect` on the answerer's own inbound
//           libsrtp context (same keys, same stream), in place on pre-copied
//           buffers: the next `packets` packets, of the same shape and size.
// Both run in one process by default (`--mode both`): the keys come from a
// fresh handshake, and libsrtp's cost moves by ~2% from one key to another,
// so the ratio is taken on one context.
//
// `--mode control` measures the per-session work beside the SRTP receive
// path instead, on the same connected answerer, its sink now the real port
// (datagrams go out of the socket to a UDP socket nobody reads):
//   tick:   TransportSession.poll, as the port's 10 ms tick calls it for
//           every session (ICE consent clock, DTLS timer, media tick);
//   stun:   a valid ICE consent check from the selected address through
//           MediaPort.receive → demux by ufrag → ICE-lite agent → Binding
//           success response → MediaPort.send;
//   send:   TransportSession.sendRTP → SRTP protect → MediaPort.send to the
//           selected address (the loopback and RTCP feedback path).

import CCallgrind
import CSRTP
import DTLS
import NIOCore
import NIOPosix
import RTP
@_spi(Benchmarks) import SRTP
import STUN
@_spi(Benchmarks) import Transport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Options

struct Options: Sendable {
    enum Mode: String, Sendable { case both, full, floor, control }
    var mode: Mode = .both
    var profile: SRTPProfile = .aeadAES128GCM
    var payload = 1100
    var packets = 2000
    var warmup = 64
    /// Sanity check of the allocation count: the receiver copies every
    /// packet into a fresh Array (expect one malloc per packet more).
    var allocateInReceiver = false
}

func usage() -> Never {
    print("""
    usage: capstan-bench-receive [--mode both|full|floor|control] [--profile gcm|cm] [--payload BYTES]
                                 [--packets N] [--warmup N] [--allocate-in-receiver]
    """)
    exit(2)
}

func required<T>(_ value: T?) -> T {
    guard let value else { usage() }
    return value
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    func value() -> String {
        guard let next = arguments.popFirst() else { usage() }
        return next
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--mode": options.mode = required(Options.Mode(rawValue: value()))
        case "--profile":
            switch value() {
            case "gcm": options.profile = .aeadAES128GCM
            case "cm": options.profile = .aes128CMHMACSHA1_80
            default: usage()
            }
        case "--payload": options.payload = required(Int(value()))
        case "--packets": options.packets = required(Int(value()))
        case "--warmup": options.warmup = required(Int(value()))
        case "--allocate-in-receiver": options.allocateInReceiver = true
        default: usage()
        }
    }
    guard options.packets >= 0, options.warmup >= 1, 2 * options.packets + options.warmup < 30_000,
          (16...1200).contains(options.payload) else { usage() }
    return options
}

// MARK: - Packets

/// Deterministic filler (xorshift64*), so every run sees the same bytes.
struct Filler {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt8 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
    }
}

/// An RTP packet shaped like what Chromium sends: one-byte header extensions
/// (RFC 8285) and a VP8 payload descriptor (RFC 7741 §4.2) for video, an
/// audio-level extension (RFC 6464) and an Opus TOC byte for audio.
func makePacket(index: Int, payloadSize: Int, filler: inout Filler) -> [UInt8] {
    let video = payloadSize >= 300
    let sequence = UInt16(truncatingIfNeeded: 1000 + index)
    var extensions: [RTPHeaderExtension] = [
        RTPHeaderExtension(id: 2, data: [0x12, 0x34, UInt8(truncatingIfNeeded: index)]),      // abs-send-time
        RTPHeaderExtension(id: 3, data: [UInt8(truncatingIfNeeded: index >> 8),
                                         UInt8(truncatingIfNeeded: index)]),                  // transport-wide-cc
        RTPHeaderExtension(id: 4, data: video ? [0x31] : [0x30]),                             // mid
    ]
    var payload = [UInt8]()
    payload.reserveCapacity(payloadSize)
    if video {
        // X=1 S=1 PID=0, I=1, 15-bit picture id, then the VP8 payload header.
        payload += [0x90, 0x80, 0x80 | UInt8((index >> 8) & 0x7F), UInt8(truncatingIfNeeded: index)]
    } else {
        extensions.insert(RTPHeaderExtension(id: 1, data: [0x80 | 30]), at: 0)                // ssrc-audio-level
        payload.append(0x78)                                                                  // Opus TOC: SILK WB 20 ms
    }
    while payload.count < payloadSize { payload.append(filler.next()) }
    let packet = RTPPacket(
        marker: video ? index % 8 == 7 : false,
        payloadType: video ? 96 : 111,
        sequenceNumber: sequence,
        timestamp: UInt32(truncatingIfNeeded: video ? index / 8 * 3000 : index * 960),
        ssrc: video ? 0x1EAF_0001 : 0x1EAF_0002,
        headerExtension: .oneByte(extensions),
        payload: payload)
    return packet.bytes
}

// MARK: - In-memory wire for the set-up

/// Collects what a session sends; the driver below delivers it.
final class Wire: DatagramSink {
    let from: IPEndpoint
    let hub: Hub
    init(from: IPEndpoint, hub: Hub) { self.from = from; self.hub = hub }
    func send(_ datagram: UnsafeRawBufferPointer, to remote: IPEndpoint) {
        hub.queue.append((Array(datagram), remote, from))
    }
}

final class Hub {
    var queue: [(bytes: [UInt8], to: IPEndpoint, from: IPEndpoint)] = []
}

final class Events: TransportEventHandler {
    var events: [TransportEvent] = []
    func transport(_ session: TransportSession, didEmit event: TransportEvent) { events.append(event) }
}

// MARK: - Receiver

/// What the pipeline's first stage does with a packet: parse the header,
/// walk the header extensions (to find the mid, as routing will), touch the
/// payload.
final class Receiver: TransportMediaReceiver {
    var packets = 0
    var malformed = 0
    var checksum: UInt64 = 0
    var allocate = false
    var kept: [UInt8] = []

    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        let header: RTPHeader
        do { header = try RTPHeader(parsing: packet) } catch { malformed += 1; return }
        packets += 1
        var sum = UInt64(header.sequenceNumber) &+ UInt64(header.ssrc) &+ UInt64(header.timestamp)
        for element in header.extensions(in: packet) where element.id == 4 && !element.range.isEmpty {
            sum &+= UInt64(packet[element.range.lowerBound])
        }
        let payload = header.payloadRange
        if !payload.isEmpty {
            sum &+= UInt64(packet[payload.lowerBound]) &+ UInt64(packet[payload.upperBound - 1])
        }
        checksum &+= sum
        if allocate {
            // Exactly one allocation (and one free of the previous array).
            kept = [UInt8](unsafeUninitializedCapacity: payload.count) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[payload]))
                count = payload.count
            }
        }
    }

    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {}
    func transportTick(now: UInt64) {}
    func nextTickDeadline(now: UInt64) -> UInt64? { nil }
}

// MARK: - Measured regions

/// Region A: the full receive path for every datagram.
@inline(never)
func measureFullPath(port: MediaPort, datagrams: [ByteBuffer], from remote: IPEndpoint, now: UInt64) {
    capstan_callgrind_begin_region()
    for datagram in datagrams {
        port.receive(datagram, from: remote, now: now)
    }
    capstan_callgrind_end_region("full")
}

/// Region B: libsrtp's `srtp_unprotect` alone, in place, on packets laid out
/// at `stride` in `storage`. Returns the number of failed calls.
@inline(never)
func measureLibsrtp(context: srtp_t, storage: UnsafeMutableRawPointer, stride: Int,
                    lengths: UnsafeMutablePointer<Int32>, count: Int) -> Int {
    var failures = 0
    capstan_callgrind_begin_region()
    for index in 0..<count {
        if srtp_unprotect(context, storage + index * stride, lengths + index) != srtp_err_status_ok {
            failures &+= 1
        }
    }
    capstan_callgrind_end_region("floor")
    return failures
}

/// Control regions: the same operation `count` times between two dumps.
@inline(never)
func measurePolls(session: TransportSession, start: UInt64, count: Int) {
    capstan_callgrind_begin_region()
    for index in 0..<count {
        session.poll(now: start &+ UInt64(index) &* 1_000_000)
    }
    capstan_callgrind_end_region("tick")
}

@inline(never)
func measureChecks(port: MediaPort, checks: [ByteBuffer], from remote: IPEndpoint, now: UInt64) {
    capstan_callgrind_begin_region()
    for check in checks {
        port.receive(check, from: remote, now: now)
    }
    capstan_callgrind_end_region("stun")
}

@inline(never)
func measureSends(session: TransportSession, packets: ArraySlice<[UInt8]>) -> Int {
    var failures = 0
    capstan_callgrind_begin_region()
    for packet in packets {
        if !packet.withUnsafeBytes({ session.sendRTP($0) }) { failures &+= 1 }
    }
    capstan_callgrind_end_region("send")
    return failures
}

/// A UDP socket on 127.0.0.1 that nobody reads: where the control regions'
/// datagrams go (the kernel drops them once its buffer is full).
func bindSilentSocket() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError.setup("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { close(fd); throw BenchError.setup("bind: errno \(errno)") }
    return (fd, UInt16(bigEndian: address.sin_port))
}

// MARK: - Run

struct Result: Sendable {
    var description: String
    var ok: Bool
}

enum BenchError: Error { case setup(String) }

func run(_ options: Options, port: MediaPort) throws -> Result {
    let silent = try bindSilentSocket()
    defer { close(silent.fd) }
    let offererAddress = IPEndpoint(ipv4: 0x7F00_0001, port: silent.port)
    let answererAddress = port.localAddress
    let answererCert = try DTLSCertificate.generateECDSA()
    let offererCert = try DTLSCertificate.generateECDSA()
    let answerer = try TransportSession(
        id: "answerer", localUfrag: "ansr", localPassword: "answerer-password-000000",
        remoteUfrag: "offr", remotePassword: "offerer-password-0000000", iceMode: .lite,
        dtlsRole: .server, certificate: answererCert,
        remoteFingerprints: [(algorithm: "sha-256", value: offererCert.sha256Fingerprint)],
        profiles: [options.profile])
    let offerer = try TransportSession(
        id: "offerer", localUfrag: "offr", localPassword: "offerer-password-0000000",
        remoteUfrag: "ansr", remotePassword: "answerer-password-000000",
        iceMode: .controlling(remoteCandidates: [answererAddress], tieBreaker: 7),
        dtlsRole: .client, certificate: offererCert,
        remoteFingerprints: [(algorithm: "sha-256", value: answererCert.sha256Fingerprint)],
        profiles: [options.profile])

    let hub = Hub()
    port.register(answerer)
    // Replies from the answerer go to the offerer in memory instead of the socket.
    let answererWire = Wire(from: answererAddress, hub: hub)
    let offererWire = Wire(from: offererAddress, hub: hub)
    answerer.sink = answererWire
    offerer.sink = offererWire
    let answererEvents = Events(), offererEvents = Events()
    answerer.eventHandler = answererEvents
    offerer.eventHandler = offererEvents
    let receiver = Receiver()
    answerer.mediaReceiver = receiver

    var now: UInt64 = 1_000_000_000
    func deliver() {
        var steps = 0
        while !hub.queue.isEmpty && steps < 1000 {
            steps += 1
            let (bytes, to, from) = hub.queue.removeFirst()
            if to == answererAddress {
                port.receive(ByteBuffer(bytes: bytes), from: from, now: now)
            } else if to == offererAddress {
                bytes.withUnsafeBytes { raw in
                    switch DatagramClass.classify(raw) {
                    case .stun: offerer.receiveSTUN(raw, from: from, now: now)
                    case .dtls: offerer.receiveDTLS(raw, from: from, now: now)
                    default: break
                    }
                }
            }
            now += 100_000
        }
    }
    offerer.start(now: now)
    deliver()
    guard answerer.state == .connected, offerer.state == .connected, answerer.profile == options.profile,
          let srtp = answerer.srtpSession else {
        throw BenchError.setup("handshake did not complete: answerer \(answerer.state) \(answererEvents.events), "
                               + "offerer \(offerer.state) \(offererEvents.events)")
    }

    // Protect warmup + 2 × packets through the offerer's real send path.
    var filler = Filler()
    var protected: [[UInt8]] = []
    protected.reserveCapacity(options.warmup + 2 * options.packets)
    for index in 0..<(options.warmup + 2 * options.packets) {
        let plain = makePacket(index: index, payloadSize: options.payload, filler: &filler)
        let sent = plain.withUnsafeBytes { offerer.sendRTP($0) }
        guard sent, let datagram = hub.queue.popLast(), hub.queue.isEmpty, datagram.to == answererAddress else {
            throw BenchError.setup("offerer could not protect packet \(index)")
        }
        protected.append(datagram.bytes)
    }
    let datagramSize = protected.last?.count ?? 0

    // Warm-up through the full path (creates libsrtp's stream for the SSRC).
    for datagram in protected[0..<options.warmup] {
        port.receive(ByteBuffer(bytes: datagram), from: offererAddress, now: now)
    }
    guard receiver.packets == options.warmup, receiver.malformed == 0 else {
        throw BenchError.setup("warm-up: \(receiver.packets) of \(options.warmup) received, "
                               + "counters \(answerer.counters)")
    }
    let fullPackets = protected[options.warmup..<(options.warmup + options.packets)]
    let floorPackets = protected[(options.warmup + options.packets)...]
    receiver.allocate = options.allocateInReceiver

    var failures = 0
    if options.mode == .control {
        let before = answerer.counters
        answerer.sink = port
        let stunKey = Array("answerer-password-000000".utf8)
        let checks = (0..<options.packets).map { index in
            ByteBuffer(bytes: STUNMessage(
                type: .bindingRequest,
                transactionID: STUNTransactionID.random(),
                attributes: [.username("ansr:offr"), .priority(0x6E00_1EFF), .iceControlling(7)])
                .serialize(integrityKey: stunKey, fingerprint: true))
        }
        measurePolls(session: answerer, start: now, count: options.packets)
        now &+= UInt64(options.packets) &* 1_000_000
        measureChecks(port: port, checks: checks, from: offererAddress, now: now)
        var plain: [[UInt8]] = []
        for index in 0..<options.packets {
            plain.append(makePacket(index: 100_000 + index, payloadSize: options.payload, filler: &filler))
        }
        failures += measureSends(session: answerer, packets: plain[...])
        let after = answerer.counters
        if after.stunIn - before.stunIn != UInt64(options.packets) { failures += 1 }
        if after.rtpPacketsOut - before.rtpPacketsOut != UInt64(options.packets) { failures += 1 }
        if after.drops != before.drops || answerer.state != .connected { failures += 1 }
    }
    if options.mode == .full || options.mode == .both {
        let datagrams = fullPackets.map { ByteBuffer(bytes: $0) }
        let before = answerer.counters
        measureFullPath(port: port, datagrams: datagrams, from: offererAddress, now: now)
        let received = receiver.packets - options.warmup
        failures += options.packets - received
        if answerer.counters.drops != before.drops { failures += 1 }
    }
    if options.mode == .floor || options.mode == .both {
        let stride = 2048
        let storage = UnsafeMutableRawPointer.allocate(byteCount: stride * max(1, floorPackets.count), alignment: 16)
        let lengths = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, floorPackets.count))
        defer { storage.deallocate(); lengths.deallocate() }
        for (offset, datagram) in floorPackets.enumerated() {
            datagram.withUnsafeBytes { (storage + offset * stride).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            lengths[offset] = Int32(datagram.count)
        }
        failures += measureLibsrtp(context: srtp.inboundContext, storage: storage, stride: stride,
                                   lengths: lengths, count: floorPackets.count)
    }
    port.unregister(answerer)
    let line = "mode=\(options.mode.rawValue) profile=\(options.profile) payload=\(options.payload) "
        + "datagram=\(datagramSize) packets=\(options.packets) warmup=\(options.warmup) "
        + "failures=\(failures) checksum=\(receiver.checksum) valgrind=\(capstan_running_on_valgrind())"
    return Result(description: line, ok: failures == 0)
}

func main(group: MultiThreadedEventLoopGroup) async throws -> Bool {
    let options = parseOptions()
    // A long tick: nothing periodic runs during the benchmark.
    let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group, sweepInterval: .seconds(3600))
    let result = try await port.eventLoop.submit { try run(options, port: port) }.get()
    print(result.description)
    try await port.close()
    return result.ok
}

// No top-level `await`: an async main parks the main thread in libdispatch's
// sigsuspend loop, which valgrind 3.19 does not survive. The main thread
// blocks on a future instead.
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let promise = group.next().makePromise(of: Bool.self)
promise.completeWithTask { try await main(group: group) }
let ok = try promise.futureResult.wait()
try group.syncShutdownGracefully()
exit(ok ? 0 : 1)
