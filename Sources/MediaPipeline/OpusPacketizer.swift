import Codecs
import RTP

/// Puts Opus packets into RTP packets (RFC 7587 §4.2): one Opus packet per RTP
/// payload, as is; the RTP clock runs at 48 kHz whatever the coded bandwidth
/// (RFC 7587 §4.1), so the timestamp advances by the packet's duration in 48 kHz
/// samples (RFC 6716 §3 framing, read with `OpusPacketInfo`).
///
/// The marker bit marks the first packet of a talkspurt (RFC 7587 §4.1, RFC 3551
/// §4.1): the caller passes `startOfTalkspurt` after DTX.
public struct OpusPacketizer: Sendable {
    /// Numbers the packets.
    public var sequencer: RTPSequencer
    /// The RTP timestamp of the next packet.
    public private(set) var nextTimestamp: UInt32

    /// Creates a packetizer; `initialTimestamp` should be random (RFC 3550 §5.1).
    public init(sequencer: RTPSequencer, initialTimestamp: UInt32) {
        self.sequencer = sequencer
        self.nextTimestamp = initialTimestamp
    }

    /// Wraps one Opus packet and advances the timestamp by its duration.
    ///
    /// - Throws: `MediaPipelineError.malformedOpusPayload` when `opusPacket` breaks
    ///   RFC 6716 §3 framing.
    public mutating func packetize(_ opusPacket: [UInt8], startOfTalkspurt: Bool = false) throws(MediaPipelineError)
        -> RTPPacket
    {
        let samples = try OpusDepacketizer.duration(of: opusPacket)
        let packet = sequencer.makePacket(payload: opusPacket, timestamp: nextTimestamp, marker: startOfTalkspurt)
        nextTimestamp &+= UInt32(samples)
        return packet
    }

    /// Skips `samples` of RTP time without sending (DTX, RFC 7587 §3.1.3): the next
    /// packet's timestamp jumps while sequence numbers stay contiguous.
    public mutating func skip(samples: Int) {
        nextTimestamp &+= UInt32(truncatingIfNeeded: samples)
    }
}
