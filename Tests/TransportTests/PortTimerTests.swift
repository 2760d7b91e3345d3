import CapstanTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import Transport

/// A media receiver whose only timer is the deadline the test gives it; it
/// records when it was ticked.
final class DeadlineReceiver: TransportMediaReceiver, @unchecked Sendable {
    private let lock = NSLock()
    private var _deadline: UInt64?
    private var _ticks: [UInt64] = []

    var ticks: [UInt64] { lock.withLock { _ticks } }

    /// Sets the deadline (on the port's loop, like any receiver's state).
    func schedule(at deadline: UInt64?) { lock.withLock { _deadline = deadline } }

    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {}
    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {}
    func transportTick(now: UInt64) {
        lock.withLock {
            _ticks.append(now)
            if let deadline = _deadline, now >= deadline { _deadline = nil }
        }
    }
    func nextTickDeadline(now: UInt64) -> UInt64? { lock.withLock { _deadline } }
}

/// The port's one timer (issue 13): armed at the earliest deadline any session
/// reports, so an idle session costs about nothing and a due timer still runs.
@Suite("MediaPort timer: sessions are visited when their deadlines are due")
struct PortTimerTests {
    @Test("a connected session with nothing due is not polled every 10 ms; a deadline it reports is met (reads as they come, and paced)",
          arguments: [0, 20])
    func idleSessionAndDeadline(readIntervalMs: Int64) async throws {
        let pair = try await LoopbackPair.make(sweepInterval: .seconds(30), readInterval: .milliseconds(readIntervalMs))
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })

        let receiver = DeadlineReceiver()
        let answerer = pair.answerer
        try await pair.onLoop { answerer.mediaReceiver = receiver }
        let port = pair.answererPort
        let before = try await port.eventLoop.submit { (port.wakeUps + port.drains, port.sessionPolls) }.get()
        let window = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(600))  // the scenario: 600 ms with nothing due
        let elapsed = ContinuousClock.now - window
        let after = try await port.eventLoop.submit { (port.wakeUps + port.drains, port.sessionPolls) }.get()
        // The old 10 ms tick woke 60 times here; with the sweep 30 s apart nothing
        // is due (consent runs 30 s from the last check).
        let wakes = after.0 - before.0
        #expect(wakes <= 3, "woke \(wakes) times in \(elapsed) with nothing due")
        #expect(receiver.ticks.count <= 2)

        // A deadline 150 ms out, set the way a pipeline sets one: with the state change,
        // then the port hears of it (here through the receiver being attached anew).
        let due = try await pair.onLoop { () -> UInt64 in
            let due = NIODeadline.now().uptimeNanoseconds + 150_000_000
            receiver.schedule(at: due)
            answerer.mediaReceiver = receiver
            return due
        }
        #expect(try await LoopbackPair.waitUntil(timeout: .seconds(5)) { receiver.ticks.contains { $0 >= due } })
        let tick = try #require(receiver.ticks.first { $0 >= due })
        // Not early; late by no more than a loaded machine's scheduling delay.
        #expect(tick >= due)
        #expect(tick - due < 1_000_000_000)
    }

    @Test("a packet that brings a deadline closer re-arms the timer (reads as they come, and paced)", arguments: [0, 20])
    func packetRearms(readIntervalMs: Int64) async throws {
        let pair = try await LoopbackPair.make(sweepInterval: .seconds(30), readInterval: .milliseconds(readIntervalMs))
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })
        let receiver = DeadlineReceiver()
        let answerer = pair.answerer, offerer = pair.offerer
        try await pair.onLoop { answerer.mediaReceiver = receiver }
        // Let the attach's own wake-up pass, so the armed wake-up is the far sweep.
        try await Task.sleep(for: .milliseconds(50))
        // Set silently (no notification), then let an RTP packet arrive: the port
        // must look at the session's deadline after the packet and arm for it.
        let due = try await pair.onLoop { () -> UInt64 in
            let due = NIODeadline.now().uptimeNanoseconds + 100_000_000
            receiver.schedule(at: due)
            var rtp: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x08, 0xAE]
            rtp += [UInt8](repeating: 7, count: 100)
            rtp.withUnsafeBytes { _ = offerer.sendRTP($0) }
            return due
        }
        #expect(try await LoopbackPair.waitUntil(timeout: .seconds(5)) { receiver.ticks.contains { $0 >= due } })
        let tick = try #require(receiver.ticks.first { $0 >= due })
        // The sweep is 30 s apart: only the re-arm after the packet finds it this soon.
        #expect(tick - due < 5_000_000_000, "ticked \(Double(tick - due) / 1e6) ms after the deadline")
    }

    @Test("paced reads: while datagrams flow the drains poll a due deadline (late by less than an interval, no timer of its own); once they stop, the timer takes deadlines again")
    func deadlinesRideTheDrains() async throws {
        let pair = try await LoopbackPair.make(sweepInterval: .seconds(30), readInterval: .milliseconds(20))
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })
        let receiver = DeadlineReceiver()
        let answerer = pair.answerer, offerer = pair.offerer
        try await pair.onLoop { answerer.mediaReceiver = receiver }
        let port = pair.answererPort
        // 400 ms of RTP every 4 ms, with a deadline 150 ms in.
        let due = try await pair.onLoop { () -> UInt64 in
            let due = NIODeadline.now().uptimeNanoseconds + 150_000_000
            receiver.schedule(at: due)
            answerer.mediaReceiver = receiver
            return due
        }
        let drainsBefore = try await port.eventLoop.submit { port.drains }.get()
        for sequence in 0..<100 {
            try await pair.onLoop {
                var rtp: [UInt8] = [0x80, 96, 0, UInt8(sequence), 0, 0, 0, 1, 0, 0, 0x08, 0xAE]
                rtp += [UInt8](repeating: 7, count: 100)
                rtp.withUnsafeBytes { _ = offerer.sendRTP($0) }
            }
            try await Task.sleep(for: .milliseconds(4))
        }
        let tick = try #require(receiver.ticks.first { $0 >= due }, "the deadline was not met while datagrams flowed")
        #expect(tick - due < 1_000_000_000, "ticked \(Double(tick - due) / 1e6) ms after the deadline")
        let drains = try await port.eventLoop.submit { port.drains }.get() - drainsBefore
        #expect(drains >= 5, "\(drains) drains")
        // Reads stop; a deadline set now is met by the port's own timer.
        #expect(await eventually(timeout: .seconds(5)) {
            (try? await port.eventLoop.submit { port.idleDrains }.get()) ?? 0 >= 1
        })
        let later = try await pair.onLoop { () -> UInt64 in
            let later = NIODeadline.now().uptimeNanoseconds + 100_000_000
            receiver.schedule(at: later)
            answerer.mediaReceiver = receiver
            return later
        }
        #expect(try await LoopbackPair.waitUntil(timeout: .seconds(5)) { receiver.ticks.contains { $0 >= later } })
    }
}
