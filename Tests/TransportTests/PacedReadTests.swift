import CapstanTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import Transport

/// The media port's paced reads (issue 13): while datagrams flow it reads the socket once
/// per interval, everything that arrived since; an idle port hands reading back to NIO and
/// does not wake.
@Suite("media port: paced reads", .serialized)
struct PacedReadTests {
    struct Snapshot: Sendable { var datagrams: UInt64; var drains: UInt64; var idle: UInt64; var tooLarge: UInt64 }

    static func snapshot(_ port: MediaPort) async throws -> Snapshot {
        try await port.eventLoop.submit {
            Snapshot(datagrams: port.counters.datagramsIn, drains: port.drains, idle: port.idleDrains,
                     tooLarge: port.counters.drops[.tooLarge])
        }.get()
    }

    @Test("2,000 datagrams paced over ~1 s arrive in far fewer reads than datagrams; an oversize one is dropped and counted; idle stops the reads; a later datagram is read again")
    func pacedReads() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group, readInterval: .milliseconds(10))
        let sender = try LoopbackUDPSocket()
        sender.setPeer(port: port.localAddress.port)
        let clock = ContinuousClock()
        let started = clock.now
        // One datagram every 0.5 ms (as a paced sender spreads its packets), 100 bytes each.
        let total = 2_000
        try await onOwnThread {
            var next = clock.now
            for index in 0..<total {
                sender.send([0x80, 96] + Array(repeating: UInt8(index & 0xff), count: 98))
                if index == 1_000 { sender.send(Array(repeating: 0x80, count: 3_000)) }  // over the 2,048-byte slot
                next = next.advanced(by: .microseconds(500))
                if next > clock.now { Thread.sleep(forTimeInterval: Double((next - clock.now).components.attoseconds) / 1e18) }
            }
        }
        let elapsed = clock.now - started
        #expect(await eventually(timeout: .seconds(10)) { (try? await Self.snapshot(port).datagrams) == UInt64(total + 1) })
        let busy = try await Self.snapshot(port)
        #expect(busy.tooLarge == 1, "\(busy)")
        // About one read per 10 ms of sending, not one per datagram.
        let intervals = Int(elapsed / .milliseconds(10))
        #expect(busy.drains >= 10 && busy.drains <= UInt64(intervals + 20), "\(busy.drains) drains for \(intervals) intervals of sending")
        // Idle: a drain finds nothing and NIO is asked to wait; no further drains.
        #expect(await eventually(timeout: .seconds(5)) { (try? await Self.snapshot(port).idle) ?? 0 >= 1 })
        let idle = try await Self.snapshot(port)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.snapshot(port).drains == idle.drains, "an idle port kept reading")
        // Flowing again: NIO's read wakes it and the drains resume.
        for _ in 0..<50 { sender.send([0x80, 96, 1, 2]) }
        #expect(await eventually(timeout: .seconds(5)) { (try? await Self.snapshot(port).datagrams) == UInt64(total + 51) })
        #expect(await eventually(timeout: .seconds(5)) { (try? await Self.snapshot(port).idle) ?? 0 > idle.idle })
        print("paced reads: \(total) datagrams over \(elapsed) in \(busy.drains) drains (\(busy.idle) found the socket empty)")
        try await port.close()
        try await group.shutdownGracefully()
    }

    @Test("unpaced (readInterval 0): NIO reads every readable event, no drains")
    func unpaced() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let sender = try LoopbackUDPSocket()
        sender.setPeer(port: port.localAddress.port)
        for _ in 0..<100 { sender.send([0x80, 96, 0, 0]) }
        #expect(await eventually(timeout: .seconds(5)) { (try? await Self.snapshot(port).datagrams) == 100 })
        #expect(try await Self.snapshot(port).drains == 0)
        try await port.close()
        try await group.shutdownGracefully()
    }
}
