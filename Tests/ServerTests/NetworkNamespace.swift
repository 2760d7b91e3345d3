import CapstanTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A network namespace a test makes for itself (`ip netns add`, root only), with only `lo`
/// up: the daemon and Chromium run inside it (`ip netns exec`), so its nftables rules touch
/// nothing outside, and the test reaches it from threads that entered it (`setns`).
final class NetworkNamespace: @unchecked Sendable {
    static let ip = "/usr/sbin/ip"
    static let nft = "/usr/sbin/nft"
    /// Root, `ip` and `nft` (nftables, from `scripts/setup --test`).
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: ip)
            && FileManager.default.isExecutableFile(atPath: nft)
    }

    let name: String

    init() throws {
        name = "capstan-test-\(UInt32.random(in: 0...UInt32.max))"
        try Self.check(ExternalProcess.run(Self.ip, ["netns", "add", name], timeout: 30), "ip netns add")
        do {
            try Self.check(ExternalProcess.run(Self.ip, ["netns", "exec", name, Self.ip, "link", "set", "lo", "up"],
                                               timeout: 30), "lo up")
        } catch {
            remove()
            throw error
        }
    }

    /// How to run a program inside: prepend to its command line.
    var launcher: [String] { [Self.ip, "netns", "exec", name] }

    /// Loads an nftables ruleset into the namespace.
    func nft(_ ruleset: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).nft")
        try ruleset.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.check(ExternalProcess.run(Self.ip, ["netns", "exec", name, Self.nft, "-f", file.path], timeout: 30), "nft -f")
    }

    /// `nft list ...` inside the namespace.
    func nftList(_ arguments: [String]) throws -> String {
        let output = try ExternalProcess.run(Self.ip, ["netns", "exec", name, Self.nft, "list"] + arguments, timeout: 30)
        try Self.check(output, "nft list")
        return output.stdoutText
    }

    /// Runs blocking `body` on a thread of its own that entered the namespace, so the
    /// sockets it creates live there (they keep working from any thread afterwards).
    func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(name)"
        return try await onOwnThread {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw NamespaceError.enter("open \(path): errno \(errno)") }
            defer { close(fd) }
            guard let setns = Self.setns else { throw NamespaceError.enter("no setns in libc") }
            // CLONE_NEWNET: this thread only (a thread's network namespace is its own).
            guard setns(fd, 0x4000_0000) == 0 else { throw NamespaceError.enter("setns: errno \(errno)") }
            return try body()
        }
    }

    /// glibc's `setns(2)` wrapper; Swift's Glibc module does not import it.
    nonisolated(unsafe) private static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }   // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    func remove() {
        _ = try? ExternalProcess.run(Self.ip, ["netns", "del", name], timeout: 30)
    }

    private static func check(_ output: ProcessOutput, _ what: String) throws {
        guard output.succeeded else { throw NamespaceError.command("\(what): exit \(output.status) \(output.stderr)") }
    }
}

enum NamespaceError: Error { case command(String), enter(String) }
