#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A blocking TCP client socket, plain POSIX, for playing an ICE-TCP peer (or an attacker)
/// against the daemon. Use it from `onOwnThread`: every call blocks.
public final class LoopbackTCPSocket: @unchecked Sendable {
    public let fd: Int32
    /// The local port the kernel gave the connection.
    public let localPort: UInt16

    /// Connects to `host` (IPv4 literal) : `port`, from `source` (another loopback address,
    /// `127.0.0.2`, plays a second client); throws when the connection is refused.
    public init(host: String = "127.0.0.1", port: UInt16, source: String? = nil) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { Glibc.close(fd); throw POSIXError(.EADDRNOTAVAIL) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        localPort = UInt16(bigEndian: local.sin_port)
    }

    deinit { Glibc.close(fd) }

    /// Writes all of `bytes`; false when the peer closed or reset the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { b in
                Glibc.send(fd, b.baseAddress! + offset, b.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends `packet` as one RFC 4571 frame.
    @discardableResult
    public func sendFrame(_ packet: [UInt8]) -> Bool {
        send([UInt8(packet.count >> 8), UInt8(packet.count & 0xff)] + packet)
    }

    public enum ReadResult: Equatable, Sendable {
        case data([UInt8])
        /// The peer closed (FIN) or reset the connection.
        case closed
        case timedOut
    }

    /// Waits up to `timeoutMilliseconds` for bytes.
    public func read(timeoutMilliseconds: Int32) -> ReadResult {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? .data(Array(buffer[0..<count])) : .closed
    }

    /// Reads one RFC 4571 frame (bounded by `timeoutMilliseconds` in all); nil on timeout or close.
    public func readFrame(timeoutMilliseconds: Int32) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while true {
            if pending.count >= 2 {
                let length = Int(pending[0]) << 8 | Int(pending[1])
                if pending.count >= 2 + length {
                    let frame = Array(pending[2..<(2 + length)])
                    pending.removeFirst(2 + length)
                    return frame
                }
            }
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard left > 0, case .data(let bytes) = read(timeoutMilliseconds: left) else { return nil }
            pending += bytes
        }
    }

    private var pending: [UInt8] = []

    /// Waits (bounded) until the peer closes the connection, reading and discarding what
    /// it sends; true when it closed in time.
    public func waitForClose(timeoutMilliseconds: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while true {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard left > 0 else { return false }
            switch read(timeoutMilliseconds: left) {
            case .closed: return true
            case .timedOut: return false
            case .data: continue
            }
        }
    }
}
