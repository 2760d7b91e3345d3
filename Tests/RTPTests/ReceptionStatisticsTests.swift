import Testing
import RTP

@Suite struct ReceptionStatisticsTests {
    /// 48 kHz, 20 ms packets (960 ticks), starting at seq 65530 so the stream wraps.
    /// Arrival = nominal send time + 5 ms on every other *received* packet, so each
    /// |D| (RFC 3550 A.8) is 5 ms = 240 ticks. Sequence 65533 and 1 are lost.
    static func stream(count: Int, lost: Set<Int>, firstIndex: Int = 0, startReceived: Int = 0)
        -> [(sequence: UInt16, timestamp: UInt32, arrival: UInt64)] {
        var packets: [(UInt16, UInt32, UInt64)] = []
        var received = startReceived
        for index in firstIndex..<(firstIndex + count) where !lost.contains(index) {
            let sequence = UInt16(truncatingIfNeeded: 65530 + index)
            let timestamp = UInt32(truncatingIfNeeded: 4_294_000_000 + index * 960)  // also wraps
            let arrival = UInt64(1_000_000_000 + index * 20_000_000 + (received % 2 == 1 ? 5_000_000 : 0))
            packets.append((sequence, timestamp, arrival))
            received += 1
        }
        return packets
    }

    @Test func lossAndJitterMatchHandComputedValues() {
        var stats = RTPReceptionStatistics()
        // 20 packets: indexes 0...19 = seq 65530...13, lose index 3 (65533) and 7 (1).
        for packet in Self.stream(count: 20, lost: [3, 7]) {
            stats.record(sequence: packet.sequence, rtpTimestamp: packet.timestamp, arrivalNs: packet.arrival,
                         clockRate: 48000)
        }
        // A.1: one wrap → cycles 65536; highest seq 13 → extended 65549.
        #expect(stats.extendedHighestSequenceNumber == 65549)
        // A.3: expected = 65549 - 65530 + 1 = 20; received 18; lost 2.
        #expect(stats.expected == 20)
        #expect(stats.received == 18)
        #expect(stats.lost == 2)
        // A.8: 17 updates of J += (240 - J)/16 from 0: 240·(1 - (15/16)^17) = 159.883…
        #expect(abs(stats.jitter - 159.88332064834663) < 1e-6)

        let block = stats.makeReportBlock(ssrc: 0x1234_5678, lastSR: (compactNTP: 0xA2B3_8000, receivedAtNs: 1_000_000_000),
                                          now: 2_500_000_000)
        // fraction = (2 << 8) / 20 = 25 (A.3, integer division)
        #expect(block == ReportBlock(ssrc: 0x1234_5678, fractionLost: 25, cumulativeLost: 2,
                                     extendedHighestSequenceNumber: 65549, jitter: 159,
                                     lastSenderReport: 0xA2B3_8000, delaySinceLastSenderReport: 0x18000))  // 1.5 s

        // Second interval: 10 more packets, none lost → fraction 0, cumulative unchanged.
        for packet in Self.stream(count: 10, lost: [], firstIndex: 20, startReceived: 18) {
            stats.record(sequence: packet.sequence, rtpTimestamp: packet.timestamp, arrivalNs: packet.arrival,
                         clockRate: 48000)
        }
        let second = stats.makeReportBlock(ssrc: 0x1234_5678, lastSR: nil, now: 3_000_000_000)
        #expect(second.fractionLost == 0)
        #expect(second.cumulativeLost == 2)
        #expect(second.extendedHighestSequenceNumber == 65559)
        #expect(second.jitter == 197)  // 27 updates: 197.98…
        #expect(second.lastSenderReport == 0 && second.delaySinceLastSenderReport == 0)
    }

    @Test func fractionOfOneIntervalOnly() {
        var stats = RTPReceptionStatistics()
        // Interval 1: seq 0...9 with 5 lost; interval 2: seq 10...13 with 1 lost.
        for sequence: UInt16 in [0, 2, 4, 6, 8, 9] {
            stats.record(sequence: sequence, rtpTimestamp: UInt32(sequence) * 3000, arrivalNs: UInt64(sequence) * 33_333_333,
                         clockRate: 90000)
        }
        // expected 10, received 6, lost 4 → (4 << 8)/10 = 102
        #expect(stats.makeReportBlock(ssrc: 1, lastSR: nil, now: 0).fractionLost == 102)
        for sequence: UInt16 in [10, 12, 13] {
            stats.record(sequence: sequence, rtpTimestamp: UInt32(sequence) * 3000, arrivalNs: UInt64(sequence) * 33_333_333,
                         clockRate: 90000)
        }
        let block = stats.makeReportBlock(ssrc: 1, lastSR: nil, now: 0)
        #expect(block.fractionLost == 64)  // (1 << 8) / 4
        #expect(block.cumulativeLost == 5)
    }

    @Test func duplicatesMakeLossNegativeAndFractionZero() {
        var stats = RTPReceptionStatistics()
        for sequence: UInt16 in [0, 1, 1, 2, 2, 2] {
            stats.record(sequence: sequence, rtpTimestamp: 0, arrivalNs: 0, clockRate: 90000)
        }
        #expect(stats.lost == -3)
        let block = stats.makeReportBlock(ssrc: 1, lastSR: nil, now: 0)
        #expect(block.cumulativeLost == -3)
        #expect(block.fractionLost == 0)
    }

    @Test func largeJumpRestartsAfterTwoSequentialPackets() {
        var stats = RTPReceptionStatistics()
        for sequence: UInt16 in [100, 101, 102] {
            stats.record(sequence: sequence, rtpTimestamp: 0, arrivalNs: 0, clockRate: 90000)
        }
        stats.record(sequence: 20000, rtpTimestamp: 0, arrivalNs: 0, clockRate: 90000)  // dropped (A.1 bad_seq)
        #expect(stats.extendedHighestSequenceNumber == 102)
        #expect(stats.received == 3)
        stats.record(sequence: 20001, rtpTimestamp: 0, arrivalNs: 0, clockRate: 90000)  // restart at 20001
        #expect(stats.extendedHighestSequenceNumber == 20001)
        #expect(stats.expected == 1)
        #expect(stats.received == 1)
    }

    @Test func cumulativeLostClampsTo24Bits() {
        var stats = RTPReceptionStatistics()
        // 2999 steps forward each time; received 1 of every 2999 → loss grows beyond 2^23.
        var sequence: UInt16 = 0
        for _ in 0..<3000 {
            stats.record(sequence: sequence, rtpTimestamp: 0, arrivalNs: 0, clockRate: 90000)
            sequence &+= 2999
        }
        #expect(stats.lost > 0x7F_FFFF)
        #expect(stats.cumulativeLost == 0x7F_FFFF)
        #expect(stats.makeReportBlock(ssrc: 1, lastSR: nil, now: 0).cumulativeLost == 0x7F_FFFF)
    }
}
