import Codecs
import RTP

/// Fills the holes in an Opus stream with packet-loss packets so the audio lasts
/// as long as its RTP time, and so wall-clock time (DESIGN.md §4 "Gaps").
///
/// Feed it each packet handed on by the jitter buffer (in order): its RTP timestamp
/// (48 kHz, RFC 7587 §4.1) and duration. When the timestamp is later than where the
/// previous packet ended — packets lost, or DTX silence (RFC 7587 §3.1.3) — it
/// returns lost-frame packets (`OpusPacketInfo.lostFramePackets`) that cover the
/// hole, to be written first. A remainder below 2.5 ms cannot be expressed and is
/// counted in `unfilledSamples`.
///
/// Timestamps are unwrapped. Fill never exceeds the wall-clock time that
/// elapsed: a forward jump beyond `maxGapSamples` (default 10 s), beyond the
/// arrival-time step plus `wallClockSlackSamples`, or a backward step larger
/// than one packet (120 ms) is a discontinuity. It is reported, the hole that
/// the arrival times show (not the timestamps) is filled, and the caller
/// re-bases its timeline at the packet. A hostile sender that steps its
/// timestamps by 10 s a packet therefore adds nothing but its own packets.
public struct AudioGapFiller: Sendable {
    /// The largest hole filled, in 48 kHz samples.
    public let maxGapSamples: Int
    /// The stream is stereo (the TOC s bit of the fill packets).
    public let stereo: Bool
    /// Samples filled with loss packets.
    public private(set) var filledSamples: Int64 = 0
    /// Loss packets made.
    public private(set) var fillPacketCount = 0
    /// Remainders too short to fill (under 2.5 ms each).
    public private(set) var unfilledSamples: Int64 = 0
    /// Samples by which packets overlapped the previous one (timestamp earlier
    /// than the previous end by less than a packet).
    public private(set) var overlapSamples: Int64 = 0
    /// Discontinuities seen.
    public private(set) var discontinuities = 0

    private var unwrapper = TimestampUnwrapper()
    private var expectedNext: Int64?

    /// The RTP timestamp where the previous packet ended (where the next
    /// one is expected), nil before the first packet. A packet recovered
    /// from redundancy (RFC 2198) fits the hole from here to the next one.
    public var nextTimestamp: UInt32? { expectedNext.map { UInt32(truncatingIfNeeded: $0) } }

    /// Creates a filler.
    public init(maxGapSamples: Int = 10 * 48_000, wallClockSlackSamples: Int = 12_000, stereo: Bool = false) {
        self.maxGapSamples = max(0, maxGapSamples)
        self.wallClockSlackSamples = max(0, wallClockSlackSamples)
        self.stereo = stereo
    }

    /// How much longer than the arrival-time step a hole may be and still be
    /// filled from the timestamps (jitter-buffer wait plus network jitter);
    /// default 250 ms.
    public let wallClockSlackSamples: Int
    private var lastSamples: Int64 = 0

    /// Takes one received packet.
    ///
    /// - Parameters:
    ///   - timestamp: its RTP timestamp.
    ///   - samples: its duration in 48 kHz samples (`OpusDepacketizer`).
    ///   - elapsedSamples: the arrival-time step since the previous packet, in
    ///     48 kHz samples; nil if unknown (then only `maxGapSamples` bounds a fill).
    public mutating func push(timestamp: UInt32, samples: Int, elapsedSamples: Int64? = nil) -> AudioGapFill {
        let u = unwrapper.unwrap(timestamp)
        let previousSamples = lastSamples
        lastSamples = Int64(samples)
        defer { expectedNext = u &+ Int64(samples) }
        guard let expected = expectedNext else {
            return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false)
        }
        let gap = u.subtractingSaturating(expected)
        let beyondWallClock = elapsedSamples.map { gap > max(0, $0).addingSaturating(Int64(wallClockSlackSamples)) } ?? false
        if gap > Int64(maxGapSamples) || gap < -Int64(OpusPacketInfo.maxSamplesPerPacket) || beyondWallClock {
            discontinuities += 1
            // Fill what the wall clock says was missing, never more.
            let hole = min(Int64(maxGapSamples), max(0, (elapsedSamples ?? 0).subtractingSaturating(previousSamples)))
            let fills = makeFill(from: 0, covering: hole)
            return AudioGapFill(fillPackets: fills, timestamp: u, isDiscontinuity: true)
        }
        if gap < 0 {
            overlapSamples += -gap
            return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false)
        }
        guard gap > 0 else { return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false) }
        let fills = makeFill(from: expected, covering: gap)
        unfilledSamples += gap - fills.reduce(0) { $0 + Int64($1.samples) }
        return AudioGapFill(fillPackets: fills, timestamp: u, isDiscontinuity: false)
    }

    /// Loss packets covering `gap` samples from `start` (what a remainder under
    /// 2.5 ms leaves is not covered).
    private mutating func makeFill(from start: Int64, covering gap: Int64) -> [OpusFillPacket] {
        guard gap > 0 else { return [] }
        var fills: [OpusFillPacket] = []
        var position = start
        for data in OpusPacketInfo.lostFramePackets(covering: Int(gap), stereo: stereo) {
            // The packets come from the Codecs helper and are valid by construction.
            let duration = (try? OpusPacketInfo(parsing: data).totalSamples) ?? 0
            fills.append(OpusFillPacket(data: data, timestamp: position, samples: duration))
            position += Int64(duration)
        }
        filledSamples += position - start
        fillPacketCount += fills.count
        return fills
    }
}
