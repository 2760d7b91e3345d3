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
/// Timestamps are unwrapped. A forward jump beyond `maxGapSamples` (default 10 s)
/// or a backward step larger than one packet (120 ms) is a discontinuity: not
/// filled, reported, and the timeline restarts at the packet.
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

    /// Creates a filler.
    public init(maxGapSamples: Int = 10 * 48_000, stereo: Bool = false) {
        self.maxGapSamples = maxGapSamples
        self.stereo = stereo
    }

    /// Takes one received packet.
    ///
    /// - Parameters:
    ///   - timestamp: its RTP timestamp.
    ///   - samples: its duration in 48 kHz samples (`OpusDepacketizer`).
    public mutating func push(timestamp: UInt32, samples: Int) -> AudioGapFill {
        let u = unwrapper.unwrap(timestamp)
        defer { expectedNext = u + Int64(samples) }
        guard let expected = expectedNext else {
            return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false)
        }
        let gap = u - expected
        if gap > Int64(maxGapSamples) || gap < -Int64(OpusPacketInfo.maxSamplesPerPacket) {
            discontinuities += 1
            return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: true)
        }
        if gap < 0 {
            overlapSamples += -gap
            return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false)
        }
        guard gap > 0 else { return AudioGapFill(fillPackets: [], timestamp: u, isDiscontinuity: false) }
        var fills: [OpusFillPacket] = []
        var position = expected
        for data in OpusPacketInfo.lostFramePackets(covering: Int(gap), stereo: stereo) {
            // The packets come from the Codecs helper and are valid by construction.
            let duration = (try? OpusPacketInfo(parsing: data).totalSamples) ?? 0
            fills.append(OpusFillPacket(data: data, timestamp: position, samples: duration))
            position += Int64(duration)
        }
        filledSamples += position - expected
        fillPacketCount += fills.count
        unfilledSamples += u - position
        return AudioGapFill(fillPackets: fills, timestamp: u, isDiscontinuity: false)
    }
}
