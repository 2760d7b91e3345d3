#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An HTTP/1.1 response as it came off the socket.
public struct HTTPTestResponse: Sendable {
    public let status: Int
    /// In the order received; names as sent.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A small HTTP/1.1 client for tests: one request per connection
/// (`Connection: close`), blocking sockets on a thread of its own, every
/// header as given — a test can send the `Host` an attacker would. Enough
/// for a server on loopback; bodies by Content-Length, chunked or to EOF.
public struct HTTPTestClient: Sendable {
    public let host: String
    public let port: Int

    public enum Failure: Error, CustomStringConvertible {
        case connect(String), io(String), malformed(String)
        public var description: String {
            switch self {
            case .connect(let s): "connect: \(s)"
            case .io(let s): "I/O: \(s)"
            case .malformed(let s): "malformed response: \(s)"
            }
        }
    }

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Sends one request; `headers` may replace `Host`. A body gets a Content-Length.
    public func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     timeoutSeconds: Int = 30) async throws -> HTTPTestResponse {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.caseInsensitiveCompare("Host") == .orderedSame }) {
            head += host.contains(":") ? "Host: [\(host)]:\(port)\r\n" : "Host: \(host):\(port)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        let request = Array(head.utf8) + (body ?? [])
        let (host, port) = (self.host, self.port)
        let raw = try await onOwnThread { try Self.exchange(request, host: host, port: port, timeoutSeconds: timeoutSeconds) }
        return try Self.parse(raw, method: method)
    }

    static func exchange(_ request: [UInt8], host: String, port: Int, timeoutSeconds: Int) throws -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw Failure.connect("\(host) is not a numeric address")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
        guard fd >= 0 else { throw Failure.connect("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw Failure.connect("\(host):\(port): errno \(errno)")
        }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.io("send: errno \(errno)") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                // A reset after the whole answer arrived still leaves the answer.
                if errno == ECONNRESET, !response.isEmpty { break }
                throw Failure.io(errno == EAGAIN ? "no answer within \(timeoutSeconds) s" : "recv: errno \(errno)")
            }
            response.append(contentsOf: buffer[..<n])
        }
        return response
    }

    static func parse(_ raw: [UInt8], method: String) throws -> HTTPTestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else { throw Failure.malformed("\(raw.count) bytes, no end of head") }
        let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure.malformed("status line \(lines[0])")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("header line \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = HTTPTestResponse(status: status, headers: headers, body: [])
        var rest = Array(raw[end.upperBound...])
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { rest = [] }
        else if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            rest = try dechunk(rest)
        } else if let length = response.header("Content-Length").flatMap(Int.init) {
            guard rest.count >= length else { throw Failure.malformed("\(rest.count) of \(length) body bytes") }
            rest = Array(rest.prefix(length))
        }
        return HTTPTestResponse(status: status, headers: headers, body: rest)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var body: [UInt8] = [], index = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: crlf) else { throw Failure.malformed("chunk size line") }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
                .split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw Failure.malformed("chunk size \(sizeText)")
            }
            index = lineEnd.upperBound
            if size == 0 { return body }
            guard bytes.count >= index + size + 2 else { throw Failure.malformed("chunk of \(size) bytes cut short") }
            body.append(contentsOf: bytes[index..<index + size])
            index += size + 2
        }
    }
}
