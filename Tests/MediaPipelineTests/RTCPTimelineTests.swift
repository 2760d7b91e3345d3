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
    @Test func mapsThroughSenderReportsAcrossTheWrap() {
        var clock = SenderReportClock(clockRate: 90_000)
        let unix0: UInt64 = 1_700_000_000 * 1_000_000_000
        // Before any SR: the first packet's arrival is the anchor.
        let m0 = clock.map(rtpTimestamp: 0xFFFF_0000, arrivalUnixNs: unix0)
        #expect(m0 == Int64(unix0))
        let m1 = clock.map(rtpTimestamp: 0xFFFF_0000 &+ 90_000, arrivalUnixNs: unix0 + 999 * ms)
        #expect(m1 == Int64(unix0) + 1_000_000_000)
        #expect(!clock.isSynchronized)
        // SR: RTP 0xFFFF_0000 + 180 000 (past the wrap) was NTP unix0 + 2.5 s.
        let srRTP = 0xFFFF_0000 &+ UInt32(180_000)
        #expect(srRTP < 0xFFFF_0000, "the SR's timestamp has wrapped")
        clock.handleSenderReport(ntpTimestamp: NTPTimestamp(unixNanoseconds: unix0 + 2_500 * ms), rtpTimestamp: srRTP)
        #expect(clock.isSynchronized)
        // 45 000 ticks (0.5 s) after the SR.
        let m2 = clock.map(rtpTimestamp: srRTP &+ 45_000, arrivalUnixNs: 0)
        #expect(m2 == Int64(unix0 + 3_000 * ms))
        // 1 tick before the SR: 11 111.1 ns earlier, truncated toward zero.
        #expect(clock.unixNanoseconds(of: srRTP &- 1) == Int64(unix0 + 2_500 * ms) - 11_111)
        // A packet from before the wrap still maps before the SR.
        #expect(clock.unixNanoseconds(of: 0xFFFF_0000) == Int64(unix0 + 500 * ms))
    }

    @Test func jumpBeyondTheBoundReanchorsOnArrival() {
        var clock = SenderReportClock(clockRate: 48_000, maxJumpSeconds: 10)
        let unix0: Int64 = 1_000 * 1_000_000_000
        _ = clock.map(rtpTimestamp: 1_000, arrivalUnixNs: UInt64(unix0))
        // 9 s of RTP time: trusted.
        let m1 = clock.map(rtpTimestamp: 1_000 + 9 * 48_000, arrivalUnixNs: UInt64(unix0) + 20 * 1_000_000_000)
        #expect(m1 == unix0 + 9_000_000_000)
        // A 1 000 s jump: not trusted, mapped to its arrival.
        let arrival = UInt64(unix0) + 21 * 1_000_000_000
        let m2 = clock.map(rtpTimestamp: 1_000 + 1_000 * 48_000, arrivalUnixNs: arrival)
        #expect(m2 == Int64(arrival))
        #expect(clock.jumps == 1)
        let m3 = clock.map(rtpTimestamp: 1_000 + 1_000 * 48_000 + 960, arrivalUnixNs: 0)
        #expect(m3 == Int64(arrival) + 20_000_000)
    }
}
