import CapstanTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// coturn (Debian's `coturn`, `scripts/setup --test`) started by a test on
/// 127.0.0.1 with the TURN REST API (`use-auth-secret`), everything it
/// writes in a temporary directory, UDP only, relaying on loopback. Stopped
/// (SIGTERM, then SIGKILL) by `stop()`.
final class TURNServer: @unchecked Sendable {
    static let binary = "/usr/bin/turnserver"
    static let client = "/usr/bin/turnutils_uclient"

    let secret: String
    let realm = "capstan.test"
    let port: Int
    /// Relayed addresses come from this range.
    let relayPorts: ClosedRange<Int>
    let directory: TemporaryDirectory
    private let process = Process()

    var url: String { "turn:127.0.0.1:\(port)?transport=udp" }
    var log: String { (try? String(contentsOf: directory.url.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? "" }

    init(secret: String) throws {
        self.secret = secret
        directory = try TemporaryDirectory(prefix: "capstan-coturn")
        port = try Self.freeUDPPort()
        let base = Int.random(in: 40_000...59_000)
        relayPorts = base...(base + 199)
    }

    func start() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary),
                     "no \(Self.binary): run scripts/setup --test (it installs coturn)")
        let logURL = directory.url.appendingPathComponent("turnserver.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "-n", "--no-cli", "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=\(realm)",
            "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(port)",
            "--min-port=\(relayPorts.lowerBound)", "--max-port=\(relayPorts.upperBound)",
            "--allow-loopback-peers", "--no-tcp", "--no-tls", "--no-dtls", "--no-tcp-relay",
            "--userdb=\(directory.path)/turndb.sqlite", "--pidfile=\(directory.path)/turnserver.pid",
            "--log-file=stdout", "--simple-log", "--no-stun-backward-compatibility",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        // Ready when its UDP socket on 127.0.0.1:port is bound (/proc/net/udp).
        let hex = String(port, radix: 16, uppercase: true)
        let needle = "0100007F:" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let ready = await eventually(timeout: .seconds(20)) {
            guard process.isRunning else { return false }
            let table = (try? String(contentsOfFile: "/proc/net/udp", encoding: .utf8)) ?? ""
            return table.contains(needle)
        }
        try #require(ready, "coturn did not bind 127.0.0.1:\(port)\n\(log.suffix(3000))")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        directory.remove()
    }

    /// A TURN Allocate (and a few relayed packets) with `username` and
    /// `credential`, by coturn's own `turnutils_uclient`: true when it
    /// allocated (exit 0), false when the server refused.
    func allocate(username: String, credential: String) async throws -> (ok: Bool, output: String) {
        let result = try await onOwnThread { [port] in
            try ExternalProcess.run(Self.client, ["-y", "-c", "-n", "1", "-m", "1", "-u", username, "-w", credential,
                                                  "-p", "\(port)", "127.0.0.1"], timeout: 60)
        }
        return (result.status == 0 && !result.timedOut, result.stdoutText + result.stderr)
    }

    /// A UDP port free on 127.0.0.1 now (bound and closed; coturn takes it next).
    static func freeUDPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
