import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A user-space impairment on loopback (kernel netem is not available here,
/// DESIGN.md §5): a UDP relay between a WebRTC peer and the daemon's media
/// port. The peer is given the relay's port in the answer's candidates; the
/// relay forwards both ways from its own sockets (the daemon, ICE-lite, sees
/// the relay's back socket as the peer) and drops a share of the peer's RTP
/// packets of the chosen payload types — the RTP header is in the clear in
/// SRTP (RFC 3711 §3.1). Deterministic: every `dropEvery`-th matching packet.
final class LossyUDPRelay: @unchecked Sendable {
    let port: UInt16
    private let front: Int32
    private let back: Int32
    private var _dropPayloadTypes: Set<UInt8>
    /// The payload types dropped from (settable once the answer names them).
    var dropPayloadTypes: Set<UInt8> {
        get { lock.withLock { _dropPayloadTypes } }
        set { lock.withLock { _dropPayloadTypes = newValue } }
    }
    private let dropEvery: Int
    private let lock = NSLock()
    private var running = true
    private var thread: Thread?
    private var _matched = 0, _dropped = 0, _forwarded = 0
    private var _droppedByType: [UInt8: Int] = [:]
    /// Packets dropped, by payload type.
    var droppedByType: [UInt8: Int] { lock.withLock { _droppedByType } }
    var dropped: Int { lock.withLock { _dropped } }
    var matched: Int { lock.withLock { _matched } }
    var forwarded: Int { lock.withLock { _forwarded } }

    init(target: UInt16, dropPayloadTypes: Set<UInt8>, dropEvery: Int) throws {
        _dropPayloadTypes = dropPayloadTypes
        self.dropEvery = max(1, dropEvery)
        let front = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let back = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard front >= 0, back >= 0 else { throw RelayError.socket(errno) }
        try Self.bind(front, port: 0)
        try Self.bind(back, port: 0)
        var target = Self.loopback(port: target)
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(back, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RelayError.socket(errno) }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(front, $0, &length) }
        }
        self.front = front
        self.back = back
        port = UInt16(bigEndian: bound.sin_port)
        let thread = Thread { [unowned self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.withLock { running = false }
        // The loop wakes at least every 100 ms; its sockets close after it ends.
        let deadline = Date().addingTimeInterval(2)
        while !(thread?.isFinished ?? true) && Date() < deadline { usleep(10_000) }
        close(front)
        close(back)
    }

    private func loop() {
        var peer = sockaddr_in()
        var havePeer = false
        var buffer = [UInt8](repeating: 0, count: 2048)
        var fds = [pollfd(fd: front, events: Int16(POLLIN), revents: 0), pollfd(fd: back, events: Int16(POLLIN), revents: 0)]
        while lock.withLock({ running }) {
            guard poll(&fds, 2, 100) > 0 else { continue }
            if fds[0].revents & Int16(POLLIN) != 0 {
                var from = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let got = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(front, raw.baseAddress, raw.count, 0, $0, &length) }
                    }
                }
                if got > 0 {
                    peer = from
                    havePeer = true
                    if !drop(buffer, count: got) {
                        _ = buffer.withUnsafeBytes { send(back, $0.baseAddress, got, 0) }
                        lock.withLock { _forwarded += 1 }
                    }
                }
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let got = buffer.withUnsafeMutableBytes { recv(back, $0.baseAddress, $0.count, 0) }
                if got > 0, havePeer {
                    _ = buffer.withUnsafeBytes { raw in
                        withUnsafePointer(to: &peer) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                sendto(front, raw.baseAddress, got, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                            }
                        }
                    }
                }
            }
        }
    }

    /// RTP (RFC 7983: first octet 128-191; RFC 5761 §4: second octet not an
    /// RTCP type 192-223) of a chosen payload type, every `dropEvery`-th.
    private func drop(_ bytes: [UInt8], count: Int) -> Bool {
        guard count >= 12, (128...191).contains(bytes[0]), !(192...223).contains(bytes[1]) else { return false }
        return lock.withLock {
            let type = bytes[1] & 0x7F
            guard _dropPayloadTypes.contains(type) else { return false }
            _matched += 1
            guard _matched % dropEvery == 0 else { return false }
            _dropped += 1
            _droppedByType[type, default: 0] += 1
            return true
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        return address
    }

    private static func bind(_ fd: Int32, port: UInt16) throws {
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw RelayError.socket(errno) }
    }

    enum RelayError: Error { case socket(Int32) }
}
