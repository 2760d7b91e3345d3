import RTP
import Testing
@testable import MediaPipeline

@Suite struct RTCPReceiverTests {
    /// 100 packets expected from 65 500 across the wrap, 10 lost; one packet 10 ms
    /// late; an SR received 500 ms before the report.
    @Test func receiverReportMatchesHandComputedValues() throws {
        var rx = RTCPReceiver(localSSRC: 0xCAFE, cname: "capstan@test")
        let lost: Set<Int> = [3, 17, 18, 40, 41, 42, 60, 77, 88, 95]
        let base: UInt64 = 5_000 * ms
        for i in 0..<100 where !lost.contains(i) {
            let seq = UInt16(truncatingIfNeeded: 65_500 + i)
            let ts = UInt32(1_000 + i * 960)  // 20 ms at 48 kHz
            var arrival = base + UInt64(i) * 20 * ms
            if i == 50 { arrival += 10 * ms }
            rx.receivedRTP(ssrc: 0xA0D1, sequenceNumber: seq, timestamp: ts, clockRate: 48_000, arrivalNs: arrival)
        }
        let sr = SenderInfo(ssrc: 0xA0D1, ntpTimestamp: NTPTimestamp(seconds: 0x1234_5678, fraction: 0x9ABC_DEF0),
                            rtpTimestamp: 0, packetCount: 0, octetCount: 0)
        rx.receivedSenderReport(sr, arrivalNs: 6_500 * ms)
        #expect(rx.nextDeadline == base + 500 * ms)
        let early = rx.poll(now: base + 499 * ms)
        #expect(early == nil)
        let now: UInt64 = 7_000 * ms
        let polled = rx.poll(now: now)
        let packets = try #require(polled)
        #expect(rx.nextDeadline == now + 1_000 * ms)
        guard packets.count == 2, case .receiverReport(let rr) = packets[0],
              case .sourceDescription(let sdes) = packets[1] else {
            Issue.record("expected RR + SDES, got \(packets)")
            return
        }
        #expect(rr.ssrc == 0xCAFE)
        #expect(sdes.chunks == [SourceDescription.Chunk(source: 0xCAFE, items: [.cname("capstan@test")])])
        let block = try #require(rr.reportBlocks.first)
        #expect(rr.reportBlocks.count == 1)
        #expect(block.ssrc == 0xA0D1)
        #expect(block.cumulativeLost == 10)
        #expect(block.fractionLost == 25)  // floor(10 * 256 / 100)
        #expect(block.extendedHighestSequenceNumber == 65_536 + 63)  // 65 500 + 99 - 65 536
        // Jitter (RFC 3550 A.8): transit is constant except packet 50, 10 ms = 480
        // units late, so D = 480 for packets 50 and 51 and 0 for the others.
        // J = 480/16 = 30 after 50, 30 + (480 - 30)/16 = 58.125 after 51, then × 15/16
        // for each of the 44 packets received after 51: 58.125 × (15/16)^44 = 3.397 → 3.
        var expected = 0.0
        for i in 1..<100 where !lost.contains(i) {
            let d: Double = (i == 50 || i == 51) ? 480 : 0
            expected += (d - expected) / 16
        }
        #expect(abs(expected - 3.3970) < 0.0001)
        #expect(block.jitter == 3)
        #expect(block.lastSenderReport == 0x5678_9ABC)
        #expect(block.delaySinceLastSenderReport == 32_768)  // 0.5 s in 1/65536 s
        // The compound serializes and parses back.
        let wire = RTCPCompoundPacket.serialize(packets)
        #expect(try RTCPCompoundPacket.parse(wire) == packets)
    }

    /// The in-place report (what MediaBridge sends every second) is byte for
    /// byte the compound packet `poll(now:)` builds, for 1 and for 40 sources
    /// (two RRs), report after report, and waits for its deadline the same way.
    @Test(arguments: [1, 40]) func inPlaceReportEqualsBuiltReport(sources: Int) throws {
        var built = RTCPReceiver(localSSRC: 0xCAFE, cname: "capstan@test")
        var inPlace = built
        var bytes: [UInt8] = [0xFF, 0xFF]  // replaced, not appended to
        for report in 0..<3 {
            for i in 0..<50 where i % 7 != report {
                for s in 0..<sources {
                    let arrival = UInt64(report * 1_000 + i * 20) * ms
                    let seq = UInt16(truncatingIfNeeded: report * 50 + i)
                    built.receivedRTP(ssrc: UInt32(0x100 + s), sequenceNumber: seq, timestamp: UInt32(i * 960),
                                      clockRate: 48_000, arrivalNs: arrival)
                    inPlace.receivedRTP(ssrc: UInt32(0x100 + s), sequenceNumber: seq, timestamp: UInt32(i * 960),
                                        clockRate: 48_000, arrivalNs: arrival)
                }
            }
            let now = UInt64(report * 1_000 + 999) * ms
            let early = inPlace.poll(now: 1, into: &bytes)
            #expect(early == false)
            let polled = built.poll(now: now)
            let packets = try #require(polled)
            let wrote = inPlace.poll(now: now, into: &bytes)
            #expect(wrote)
            #expect(bytes == RTCPCompoundPacket.serialize(packets))
            #expect(packets.count == (sources > 31 ? 3 : 2))
            #expect(inPlace.nextDeadline == built.nextDeadline)
        }
    }

    @Test func fractionLostIsPerInterval() throws {
        var rx = RTCPReceiver(localSSRC: 1, cname: "c")
        for i in 0..<50 { rx.receivedRTP(ssrc: 7, sequenceNumber: UInt16(i), timestamp: 0, clockRate: 90_000, arrivalNs: 0) }
        _ = rx.makeReport(now: 0)
        for i in 50..<100 where i % 2 == 0 {
            rx.receivedRTP(ssrc: 7, sequenceNumber: UInt16(i), timestamp: 0, clockRate: 90_000, arrivalNs: 0)
        }
        guard case .receiverReport(let rr) = rx.makeReport(now: 0)[0] else { Issue.record("no RR"); return }
        // Interval: expected 99 - 50 = 49 (seq 50...98), received 25, lost 24 → 24 × 256 / 49 = 125.
        #expect(rr.reportBlocks[0].fractionLost == 125)
        #expect(rr.reportBlocks[0].cumulativeLost == 24)
    }
}

@Suite struct SenderReportClockTests {
    @Test func oneMappingFromTheRTPClockThatReportsNeverMove() {
        var clock = SenderReportClock(clockRate: 90_000)
        let unix0: Int64 = 1_700_000_000 * 1_000_000_000
        let ms64 = Int64(ms)
        // The first packet's arrival anchors the mapping, across the wrap.
        #expect(clock.map(rtpTimestamp: 0xFFFF_0000, arrivalUnixNs: unix0).unixNs == unix0)
        #expect(clock.map(rtpTimestamp: 0xFFFF_0000 &+ 90_000, arrivalUnixNs: unix0 + 1_030 * ms64).unixNs == unix0 + 1_000 * ms64)
        #expect(!clock.isSynchronized)
        #expect(clock.senderOffsetNs == nil)
        // Reports whose NTP/RTP pairs disagree by tens of ms (aiortc) only add samples.
        let srRTP = 0xFFFF_0000 &+ UInt32(180_000)
        #expect(srRTP < 0xFFFF_0000, "the SR's timestamp has wrapped")
        let ntpBase: Int64 = 1_900_000_000 * 1_000_000_000  // another clock altogether
        for (i, jitterMs) in [25, -12, 40, 3].enumerated() {
            let ntp = NTPTimestamp(unixNanoseconds: UInt64(ntpBase + 2_000 * ms64 + Int64(i) * 1_000 * ms64 + Int64(jitterMs) * ms64))
            clock.handleSenderReport(ntpTimestamp: ntp, rtpTimestamp: srRTP &+ UInt32(i * 90_000), arrivalUnixNs: 0)
        }
        #expect(clock.isSynchronized)
        #expect(clock.senderReports == 4)
        // The offset is the least-delayed sample: NTP − mapped = ntpBase − unix0 − 12 ms.
        let offset = try! #require(clock.senderOffsetNs)
        #expect(abs(offset - (ntpBase - unix0 - 12 * ms64)) < 1_000)
        // The mapping did not move: 0.5 s after the SR is 2.5 s after the anchor.
        #expect(clock.map(rtpTimestamp: srRTP &+ 45_000, arrivalUnixNs: unix0 + 2_520 * ms64).unixNs == unix0 + 2_500 * ms64)
        // 1 tick before the SR: 179 999 ticks after the anchor, 1.999 988 888 9 s, truncated.
        #expect(clock.unixNanoseconds(ofUnwrapped: clock.unwrapped(srRTP &- 1)) == unix0 + 1_999_988_888)
    }

    @Test func offsetFollowsTheWindowAndDrift() {
        var clock = SenderReportClock(clockRate: 48_000, window: 4)
        _ = clock.map(rtpTimestamp: 0, arrivalUnixNs: 0)
        // Drift: the sender's NTP clock gains 1 ms a second on its RTP clock.
        for second in 0..<10 {
            let ntp = NTPTimestamp(unixNanoseconds: UInt64(second) * 1_001 * ms)
            clock.handleSenderReport(ntpTimestamp: ntp, rtpTimestamp: UInt32(second * 48_000), arrivalUnixNs: 0)
        }
        // The window holds seconds 6...9: the smallest offset is second 6's.
        #expect(clock.senderOffsetNs == 6 * Int64(ms))
    }

    @Test func aJumpTheArrivalTimesDoNotShowReanchorsFromThePreviousPacket() {
        var clock = SenderReportClock(clockRate: 48_000, maxJumpSeconds: 3)
        let unix0: Int64 = 1_000 * 1_000_000_000
        let ms64 = Int64(ms)
        _ = clock.map(rtpTimestamp: 1_000, arrivalUnixNs: unix0)
        // 9 s of RTP time that also took 9 s to arrive (an outage): trusted.
        #expect(clock.map(rtpTimestamp: 1_000 + 9 * 48_000, arrivalUnixNs: unix0 + 9_010 * ms64).unixNs == unix0 + 9_000 * ms64)
        clock.handleSenderReport(ntpTimestamp: NTPTimestamp(unixNanoseconds: 5), rtpTimestamp: 1_000, arrivalUnixNs: 0)
        #expect(clock.isSynchronized)
        // 1 000 s of RTP time 20 ms later: lands 20 ms after the previous packet.
        let m2 = clock.map(rtpTimestamp: 1_000 + 1_009 * 48_000, arrivalUnixNs: unix0 + 9_030 * ms64)
        #expect(m2.unixNs == unix0 + 9_020 * ms64)
        #expect(clock.jumps == 1)
        #expect(!clock.isSynchronized, "reports before the jump say nothing about the new timestamps")
        #expect(clock.map(rtpTimestamp: 1_000 + 1_009 * 48_000 + 960, arrivalUnixNs: unix0 + 9_050 * ms64).unixNs == unix0 + 9_040 * ms64)
        // Backward by an hour: also a jump, and time still goes forward.
        let m4 = clock.map(rtpTimestamp: 1_000 + 9 * 48_000, arrivalUnixNs: unix0 + 9_070 * ms64)
        #expect(m4.unixNs == unix0 + 9_060 * ms64)
        #expect(clock.jumps == 2)
    }

    @Test func hostileValuesSaturateInsteadOfTrapping() {
        var clock = SenderReportClock(clockRate: 0)  // clamped to 1 Hz
        #expect(clock.clockRate == 1)
        _ = clock.map(rtpTimestamp: 0, arrivalUnixNs: .max - 5)
        for step in 0..<1_000 {
            _ = clock.map(rtpTimestamp: UInt32(truncatingIfNeeded: step &* 0x7FFF_FFFF), arrivalUnixNs: .max)
            clock.handleSenderReport(ntpTimestamp: NTPTimestamp(rawValue: .max), rtpTimestamp: UInt32(truncatingIfNeeded: step), arrivalUnixNs: .min)
        }
        #expect(SenderReportClock.nanoseconds(ticks: .max, rate: 1) == .max)
        #expect(SenderReportClock.nanoseconds(ticks: .min, rate: 1) == .min)
    }
}

@Suite struct SlewedCorrectionTests {
    @Test func movesAtMostTheSlewPerMediaTimeAndNeverSteps() {
        var c = SlewedCorrection(maxSlewPerMillion: 20_000)  // 2 %
        c.fastThresholdNs = .max
        #expect(c.advance(toMediaNs: 0) == 0)
        c.targetNs = 100 * Int64(ms)
        // 33.3 ms of media: at most 0.667 ms closer.
        #expect(c.advance(toMediaNs: 33_333_333) == 666_666)
        // Time going back moves nothing.
        #expect(c.advance(toMediaNs: 20_000_000) == 666_666)
        // 10 s later: arrived, not beyond.
        #expect(c.advance(toMediaNs: 10_020_000_000) == 100 * Int64(ms))
        c.targetNs = -5 * Int64(ms)
        #expect(c.advance(toMediaNs: 10_120_000_000) == 98 * Int64(ms))
        c.settle()
        #expect(c.valueNs == -5 * Int64(ms))
        // A gross misalignment closes at the fast rate (5 %) until within 30 ms.
        var fast = SlewedCorrection()
        _ = fast.advance(toMediaNs: 0)
        fast.targetNs = 100 * Int64(ms)
        var frame = fast
        #expect(frame.advance(toMediaNs: 33_333_333) == 1_666_666, "1.7 ms on a 33 ms frame")
        #expect(fast.advance(toMediaNs: 1_000_000_000) == 50_000_000)
        #expect(fast.advance(toMediaNs: 1_200_000_000) == 60_000_000)
        #expect(fast.advance(toMediaNs: 1_400_000_000) == 70_000_000)
        #expect(fast.advance(toMediaNs: 2_400_000_000) == 80_000_000, "within 30 ms: back to 1 %")
        // Aiming inside a deadband moves nothing; outside it, to its edge.
        var aimed = SlewedCorrection()
        aimed.aim(at: 8 * Int64(ms), deadbandNs: 10 * Int64(ms))
        #expect(aimed.targetNs == 0)
        aimed.aim(at: 25 * Int64(ms), deadbandNs: 10 * Int64(ms))
        #expect(aimed.targetNs == 15 * Int64(ms))
        // Extreme values from a hostile peer saturate; nothing traps.
        c.targetNs = .max
        #expect(c.advance(toMediaNs: .max) > 0)
        c.targetNs = .min
        #expect(c.advance(toMediaNs: .min) > 0, "time going back moves nothing")
    }
}
