import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal RFC 6455 client for tests: one blocking TCP socket, the HTTP
/// upgrade, masked text frames out, unfragmented frames in (answering pings).
/// Enough to drive the daemon's `/ws` without pulling a TLS stack into the build.
final class MiniWebSocket: @unchecked Sendable {
    private let fd: Int32
    private let writeLock = NSLock()
    private var reader: Thread?

    /// Connects and upgrades; `onText` is called on a reader thread.
    init(host: String, port: Int, path: String, headers: [String: String] = [:],
         onText: @escaping @Sendable (String) -> Void) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw MiniWebSocketError.connect(errno) }
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        try writeAll(Array(request.utf8))
        var response: [UInt8] = []
        while !response.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard let byte = try readExactly(1).first, response.count < 16_384 else { throw MiniWebSocketError.handshake("") }
            response.append(byte)
        }
        let head = String(decoding: response, as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 101") else { throw MiniWebSocketError.handshake(head) }
        let thread = Thread { [self] in readLoop(onText) }
        reader = thread
        thread.start()
    }

    func sendText(_ text: String) throws {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Sends a close frame and shuts the socket.
    func close() {
        try? sendFrame(opcode: 0x8, payload: [])
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Also runs when `init` throws after `fd` is set (Swift runs deinit for a
    /// class whose stored properties were all initialised), so error paths
    /// leave closing to it.
    deinit { Glibc.close(fd) }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        switch payload.count {
        case ..<126: frame.append(0x80 | UInt8(payload.count))
        case ..<65_536: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: frame.append(0x80 | 127); frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try writeLock.withLock { try writeAll(frame) }
    }

    private func readLoop(_ onText: @Sendable (String) -> Void) {
        while let header = try? readExactly(2) {
            let opcode = header[0] & 0x0F
            var length = Int(header[1] & 0x7F)
            if length == 126, let ext = try? readExactly(2) { length = Int(ext[0]) << 8 | Int(ext[1]) }
            else if length == 127, let ext = try? readExactly(8) { length = ext.reduce(0) { $0 << 8 | Int($1) } }
            guard let payload = try? readExactly(length) else { return }
            switch opcode {
            case 0x1: onText(String(decoding: payload, as: UTF8.self))
            case 0x8: return
            case 0x9: try? sendFrame(opcode: 0xA, payload: payload)
            default: break
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw MiniWebSocketError.io(errno) }
            offset += written
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { throw MiniWebSocketError.io(errno) }
            offset += got
        }
        return buffer
    }
}

enum MiniWebSocketError: Error {
    case connect(Int32), handshake(String), io(Int32)
}
