import Testing
@testable import MediaPipeline

/// Drives a JitterBuffer with payloads that encode their own sequence number.
struct JitterHarness {
    var buffer: JitterBuffer
    var emitted: [UInt16] = []
    var payloadsMatch = true
    var gaps: [ClosedRange<Int>] = []
    var nacks: [[UInt16]] = []
    var restarts: [UInt16] = []
    /// Every sequence number handed out or given up, in the order reported.
    var covered: [UInt16] = []

    /// Tests hand out at once unless they test the start-up hold.
    init(_ configuration: JitterBufferConfiguration, startupDelayNs: UInt64 = 0) {
        var configuration = configuration
        configuration.startupDelayNs = startupDelayNs
        buffer = JitterBuffer(configuration: configuration)
    }

    static func payload(_ seq: UInt16) -> [UInt8] {
        [UInt8(seq >> 8), UInt8(seq & 0xFF)] + Array(repeating: UInt8(seq % 251), count: Int(seq % 40))
    }

    mutating func insert(_ seq: UInt16, at now: UInt64, timestamp: UInt32 = 0, marker: Bool = false) {
        let actions = buffer.insert(sequenceNumber: seq, timestamp: timestamp, marker: marker, payloadType: 96,
                                    payload: Self.payload(seq), now: now)
        handle(actions)
    }

    mutating func poll(at now: UInt64) { handle(buffer.poll(now: now)) }

    mutating func handle(_ actions: [JitterBufferAction]) {
        for action in actions {
            switch action {
            case .packet(let p):
                emitted.append(p.sequenceNumber)
                covered.append(p.sequenceNumber)
                if buffer.payload(of: p) != Self.payload(p.sequenceNumber) { payloadsMatch = false }
            case .gap(let from, let to):
                gaps.append(Int(from)...Int(from) + Int(to &- from))
                var s = from
                while true {
                    covered.append(s)
                    if s == to { break }
                    s &+= 1
                }
            case .sendNACK(let list):
                nacks.append(list)
            case .restart(let seq):
                restarts.append(seq)
            }
        }
    }
}

@Suite struct JitterBufferTests {
    @Test func inOrderPacketsPassAtOnce() {
        var h = JitterHarness(.video)
        for s in UInt16(10)..<20 {
            h.insert(s, at: UInt64(s) * ms)
            #expect(h.emitted.last == s)
        }
        #expect(h.payloadsMatch)
        #expect(h.buffer.statistics.emitted == 10 && h.buffer.statistics.received == 10)
        #expect(h.nacks.isEmpty && h.gaps.isEmpty)
        #expect(h.buffer.nextDeadline == nil)
    }

    @Test func reordersAcrossTheWrap() {
        var h = JitterHarness(.video)
        let order: [UInt16] = [65_533, 65_535, 65_534, 1, 0, 2, 4, 3]
        for (i, s) in order.enumerated() { h.insert(s, at: UInt64(i) * ms) }
        #expect(h.emitted == [65_533, 65_534, 65_535, 0, 1, 2, 3, 4])
        #expect(h.payloadsMatch)
        #expect(h.nacks.isEmpty, "reordered by less than the initial NACK delay")
        #expect(h.buffer.statistics.lost == 0)
    }

    @Test func startupHoldTakesPacketsSentBeforeTheFirstArrival() {
        var h = JitterHarness(.video, startupDelayNs: 50 * ms)
        h.insert(12, at: 0)
        h.insert(10, at: 5 * ms)
        h.insert(13, at: 6 * ms)
        #expect(h.emitted.isEmpty)
        #expect(h.buffer.nextDeadline == 50 * ms)
        h.insert(11, at: 20 * ms)
        h.poll(at: 49 * ms)
        #expect(h.emitted.isEmpty)
        h.poll(at: 50 * ms)
        #expect(h.emitted == [10, 11, 12, 13])
        h.insert(9, at: 60 * ms)  // after the hold: late
        #expect(h.buffer.statistics.late == 1)
        #expect(h.nacks.isEmpty, "11 came within the initial NACK delay")
    }

    @Test func duplicatesAreDroppedAndCounted() {
        var h = JitterHarness(.video)
        h.insert(1, at: 0)
        h.insert(3, at: 1 * ms)
        h.insert(3, at: 2 * ms)  // duplicate while buffered
        h.insert(1, at: 3 * ms)  // duplicate of one handed out
        h.insert(2, at: 4 * ms)
        #expect(h.emitted == [1, 2, 3])
        #expect(h.buffer.statistics.duplicates == 2)
    }

    @Test func missingPacketIsSkippedAfterTheBoundedWaitThenLateIsCounted() {
        var config = JitterBufferConfiguration.video
        config.nackEnabled = false
        var h = JitterHarness(config)
        h.insert(1, at: 0)
        h.insert(3, at: 10 * ms)  // 2 found missing at 10 ms
        h.insert(4, at: 20 * ms)
        #expect(h.emitted == [1])
        #expect(h.buffer.nextDeadline == 510 * ms)
        #expect(h.buffer.bufferedCount == 2)
        h.poll(at: 509 * ms)
        #expect(h.emitted == [1])
        h.poll(at: 510 * ms)
        #expect(h.emitted == [1, 3, 4])
        #expect(h.gaps == [2...2])
        #expect(h.buffer.statistics.lost == 1)
        h.insert(2, at: 600 * ms)
        #expect(h.buffer.statistics.late == 1)
        #expect(h.emitted == [1, 3, 4])
        #expect(h.buffer.nextDeadline == nil)
    }

    @Test func gapIsReportedBeforeThePacketsAfterIt() {
        var h = JitterHarness(.audio)
        var order: [String] = []
        _ = h.buffer.insert(sequenceNumber: 1, timestamp: 0, marker: false, payloadType: 111, payload: [1], now: 0)
        _ = h.buffer.insert(sequenceNumber: 5, timestamp: 0, marker: false, payloadType: 111, payload: [5], now: 0)
        for action in h.buffer.poll(now: 100 * ms) {
            switch action {
            case .packet(let p): order.append("p\(p.sequenceNumber)")
            case .gap(let a, let b): order.append("g\(a)-\(b)")
            default: order.append("other")
            }
        }
        #expect(order == ["g2-4", "p5"])
    }

    @Test func nackTimingFollowsRoundTripTimeAndAttemptLimit() {
        var config = JitterBufferConfiguration.video
        config.maxWaitNs = 2_000 * ms
        config.maxNackAttempts = 4
        var h = JitterHarness(config)
        h.buffer.updateRoundTripTime(60 * ms)  // retry every max(60, 20) * 1.5 = 90 ms
        h.insert(100, at: 0)
        h.insert(103, at: 5 * ms)  // 101, 102 missing
        #expect(h.nacks.isEmpty)
        #expect(h.buffer.nextDeadline == 15 * ms)
        var times: [UInt64] = []
        var t: UInt64 = 5 * ms
        while t < 1_000 * ms {
            let before = h.nacks.count
            h.poll(at: t)
            if h.nacks.count > before { times.append(t) }
            t += 1 * ms
        }
        #expect(times == [15 * ms, 105 * ms, 195 * ms, 285 * ms])
        #expect(h.nacks.allSatisfy { $0 == [101, 102] })
        #expect(h.buffer.statistics.nacked == 2)
        #expect(h.buffer.statistics.nackRequests == 8)
        // 101 comes back after being NACKed: recovered, flagged.
        let actions = h.buffer.insert(sequenceNumber: 101, timestamp: 0, marker: false, payloadType: 96,
                                      payload: JitterHarness.payload(101), now: 1_000 * ms)
        guard case .packet(let p) = actions.first else {
            Issue.record("expected packet 101, got \(actions)")
            return
        }
        #expect(p.sequenceNumber == 101 && p.wasRecovered)
        #expect(h.buffer.statistics.recovered == 1)
    }

    @Test func noRetryWhenTheAnswerWouldComeAfterTheDeadline() {
        var h = JitterHarness(.video)  // 500 ms wait
        h.buffer.updateRoundTripTime(300 * ms)  // retry every 450 ms; an answer takes 300 ms
        h.insert(1, at: 0)
        h.insert(3, at: 0)
        var t: UInt64 = 0
        while t <= 600 * ms {
            h.poll(at: t)
            t += 5 * ms
        }
        #expect(h.nacks == [[2]], "the retry at 460 ms could not be answered before 500 ms")
        #expect(h.gaps == [2...2])
    }

    @Test func audioModeNeverNACKsAndWaitsLessThanVideo() {
        var h = JitterHarness(.audio)
        h.insert(1, at: 0)
        h.insert(3, at: 0)
        h.poll(at: 99 * ms)
        #expect(h.emitted == [1])
        h.poll(at: 100 * ms)
        #expect(h.emitted == [1, 3])
        #expect(h.nacks.isEmpty)
        #expect(h.buffer.statistics.nacked == 0)
    }

    @Test func packetFarAheadPushesTheWindowForward() {
        var config = JitterBufferConfiguration.video
        config.capacity = 16
        config.nackEnabled = false
        var h = JitterHarness(config)
        h.insert(0, at: 0)
        h.insert(2, at: 0)
        h.insert(20, at: 0)  // needs 5...20 in a 16-slot window: 1 skipped, 2 handed out, 3, 4 skipped
        #expect(h.emitted == [0, 2])
        #expect(h.gaps == [1...1, 3...4])
        for s in UInt16(5)..<20 { h.insert(s, at: 1 * ms) }
        #expect(h.emitted == [0, 2] + Array(5...20))
        #expect(h.buffer.statistics.lost == 3)
        #expect(h.payloadsMatch)
    }

    @Test func sequenceRestartIsConfirmedByTheNextPacket() {
        var h = JitterHarness(.video)
        for s in UInt16(100)..<105 { h.insert(s, at: 0) }
        h.insert(40_000, at: 1 * ms)  // suspicious jump: held as probation, not trusted
        #expect(h.emitted == Array(100..<105))
        h.insert(40_001, at: 2 * ms)  // follows: the stream restarted
        h.insert(40_002, at: 3 * ms)
        #expect(h.restarts == [40_001])
        #expect(h.emitted == Array(100..<105) + [40_001, 40_002])
        #expect(h.buffer.statistics.restarts == 1)
        // A lone stray packet does not restart anything.
        h.insert(9, at: 4 * ms)
        h.insert(40_003, at: 5 * ms)
        #expect(h.restarts == [40_001])
        #expect(h.emitted.last == 40_003)
    }

    @Test func oversizedPayloadIsDroppedAndLaterSkipped() {
        var h = JitterHarness(.audio)
        h.insert(1, at: 0)
        let actions = h.buffer.insert(sequenceNumber: 2, timestamp: 0, marker: false, payloadType: 96,
                                      payload: [UInt8](repeating: 0, count: 1501), now: 0)
        #expect(actions.isEmpty)
        h.insert(3, at: 0)
        h.poll(at: 200 * ms)
        #expect(h.emitted == [1, 3])
        #expect(h.buffer.statistics.oversized == 1)
    }

    @Test func flushHandsOutEverythingAndGivesUpTheRest() {
        var h = JitterHarness(.video)
        h.insert(1, at: 0)
        h.insert(4, at: 0)
        h.handle(h.buffer.flush())
        #expect(h.emitted == [1, 4])
        #expect(h.gaps == [2...3])
    }

    @Test func randomArrivalsAlwaysComeOutInOrderWithoutStalling() {
        var rng = SeededGenerator(seed: 12)
        var h = JitterHarness(.video)
        var arrivals: [(UInt64, UInt16)] = []
        for i in 0..<5000 {
            if rng.unit() < 0.1 { continue }  // lost
            let seq = UInt16(truncatingIfNeeded: 60_000 + i)
            let t = UInt64(i) * 5 * ms + UInt64(rng.next() % 80) * ms
            arrivals.append((t, seq))
            if rng.unit() < 0.05 { arrivals.append((t + UInt64(rng.next() % 100) * ms, seq)) }
        }
        arrivals.sort { $0.0 < $1.0 }
        var t: UInt64 = 0
        for (at, seq) in arrivals {
            while t + 10 * ms <= at { t += 10 * ms; h.poll(at: t) }
            h.insert(seq, at: at)
        }
        h.poll(at: t + 1_000 * ms)
        // Every sequence number from the first comes out exactly once, as a packet or
        // in a gap, in order; nothing is left behind.
        let stats = h.buffer.statistics
        #expect(h.covered.count == stats.emitted + stats.lost)
        #expect(zip(h.covered, h.covered.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        #expect(h.covered.last == arrivals.map(\.1).max { Int16(bitPattern: $0 &- $1) < 0 })
        #expect(h.payloadsMatch)
        #expect(stats.duplicates > 0 && stats.lost > 0 && stats.nacked > 0)
        #expect(h.buffer.bufferedCount == 0)
    }
}
