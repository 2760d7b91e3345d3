/// Reception statistics of one RTP source, kept as in RFC 3550 Appendix A.1
/// (sequence number tracking), A.3 (expected and lost packets) and A.8
/// (interarrival jitter), and turned into a report block as in §6.4.1.
///
/// Sequence tracking follows A.1 without the probation step (in WebRTC a source is
/// signalled and authenticated by SRTP before its packets get here): a step of less
/// than `maxDropout` ahead advances the highest sequence number (counting a cycle
/// on wrap); a jump further ahead than that, and more than `maxMisorder` behind, is
/// dropped unless the next packet follows it, in which case the source is taken to
/// have restarted and the statistics start over; anything else is a duplicate or a
/// late packet and is only counted as received.
///
/// Sans-I/O: arrival times come from the caller's clock in nanoseconds.
public struct RTPReceptionStatistics: Sendable {
    /// A.1 `MAX_DROPOUT`.
    public static let maxDropout: UInt16 = 3000
    /// A.1 `MAX_MISORDER`.
    public static let maxMisorder: UInt16 = 100

    private var started = false
    private var baseSequence: UInt32 = 0
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var badSequence: UInt32 = 0x1_0001
    /// Packets counted as received since the (re)start, duplicates included (A.1).
    public private(set) var received: Int64 = 0
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0

    private var previousArrivalNs: UInt64 = 0
    private var previousTimestamp: UInt32 = 0
    /// Interarrival jitter in RTP timestamp units, unrounded (A.8).
    public private(set) var jitter: Double = 0

    /// Empty statistics.
    public init() {}

    /// Records one received packet.
    ///
    /// - Parameters:
    ///   - sequence: the packet's RTP sequence number.
    ///   - rtpTimestamp: the packet's RTP timestamp.
    ///   - arrivalNs: the arrival time in nanoseconds on any monotonic clock.
    ///   - clockRate: the RTP clock rate of the payload format in Hz (e.g. 90000, 48000).
    public mutating func record(sequence: UInt16, rtpTimestamp: UInt32, arrivalNs: UInt64, clockRate: Int) {
        guard started else {
            restart(at: sequence)
            received = 1
            previousArrivalNs = arrivalNs
            previousTimestamp = rtpTimestamp
            return
        }
        let delta = sequence &- maxSequence
        if delta < Self.maxDropout {
            if sequence < maxSequence { cycles &+= 0x1_0000 }
            maxSequence = sequence
        } else if delta <= UInt16.max - Self.maxMisorder + 1 {  // RTP_SEQ_MOD - MAX_MISORDER
            if UInt32(sequence) == badSequence {
                restart(at: sequence)
                received = 1
                previousArrivalNs = arrivalNs
                previousTimestamp = rtpTimestamp
                jitter = 0
                return
            }
            badSequence = (UInt32(sequence) + 1) & 0xFFFF
            return
        }
        // else: duplicate or reordered packet (A.1)
        received += 1
        updateJitter(rtpTimestamp: rtpTimestamp, arrivalNs: arrivalNs, clockRate: clockRate)
    }

    /// A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si) in timestamp units; J += (|D| - J) / 16.
    private mutating func updateJitter(rtpTimestamp: UInt32, arrivalNs: UInt64, clockRate: Int) {
        let arrivalDeltaNs = Int64(bitPattern: arrivalNs &- previousArrivalNs)
        let arrivalDelta = Double(arrivalDeltaNs) * Double(clockRate) / 1e9
        let timestampDelta = Double(Int32(bitPattern: rtpTimestamp &- previousTimestamp))
        let d = abs(arrivalDelta - timestampDelta)
        jitter += (d - jitter) / 16
        previousArrivalNs = arrivalNs
        previousTimestamp = rtpTimestamp
    }

    private mutating func restart(at sequence: UInt16) {
        started = true
        baseSequence = UInt32(sequence)
        maxSequence = sequence
        badSequence = 0x1_0001
        cycles = 0
        received = 0
        receivedPrior = 0
        expectedPrior = 0
    }

    /// The extended highest sequence number received: wrap cycles << 16 | highest.
    public var extendedHighestSequenceNumber: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Packets expected since the (re)start: extended highest - base + 1 (A.3).
    public var expected: Int64 {
        started ? Int64(extendedHighestSequenceNumber) - Int64(baseSequence) + 1 : 0
    }

    /// Packets lost since the (re)start: expected - received; negative with duplicates (A.3).
    public var lost: Int64 { expected - received }

    /// `lost` clamped to the signed 24-bit range of a report block (A.3).
    public var cumulativeLost: Int32 { Int32(min(max(lost, -0x80_0000), 0x7F_FFFF)) }

    /// Makes the report block for this source and starts a new reporting interval
    /// for the fraction lost (A.3).
    ///
    /// - Parameters:
    ///   - ssrc: the source this block reports on.
    ///   - lastSR: the compact NTP time (middle 32 bits) of the last SR received from
    ///     the source and its arrival time in nanoseconds; nil when none arrived.
    ///   - now: the current time in nanoseconds on the same clock as `lastSR.receivedAtNs`.
    /// - Returns: a block with LSR and DLSR (units of 1/65536 s) set from `lastSR`.
    public mutating func makeReportBlock(
        ssrc: UInt32, lastSR: (compactNTP: UInt32, receivedAtNs: UInt64)?, now: UInt64
    ) -> ReportBlock {
        let expectedNow = expected
        let expectedInterval = expectedNow - expectedPrior
        expectedPrior = expectedNow
        let receivedInterval = received - receivedPrior
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 = expectedInterval == 0 || lostInterval <= 0
            ? 0 : UInt8(min((lostInterval << 8) / expectedInterval, 255))

        var lsr: UInt32 = 0
        var dlsr: UInt32 = 0
        if let lastSR {
            lsr = lastSR.compactNTP
            if now > lastSR.receivedAtNs {
                let elapsed = now - lastSR.receivedAtNs
                let units = elapsed >= 1 << 47 ? UInt64(UInt32.max) : (elapsed << 16) / 1_000_000_000
                dlsr = UInt32(min(units, UInt64(UInt32.max)))
            }
        }
        return ReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: cumulativeLost,
            extendedHighestSequenceNumber: extendedHighestSequenceNumber, jitter: UInt32(min(max(jitter, 0), Double(UInt32.max))),
            lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }
}
