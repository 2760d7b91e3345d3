import Codecs

/// Typed errors of the `MediaPipeline` module. Parsers and depacketizers never
/// trap on malformed input; they throw (or report) one of these instead.
public enum MediaPipelineError: Error, Equatable, Sendable {
    /// The VP8 payload descriptor (RFC 7741 §4.2) claims an optional field
    /// (extension byte, PictureID, TL0PICIDX, TID/Y/KEYIDX) that the payload
    /// does not hold; also an empty payload.
    case truncatedVP8Descriptor
    /// The RTP payload holds a VP8 payload descriptor but no VP8 data after it
    /// (RFC 7741 §4.1: every packet carries at least one octet of the frame).
    case emptyVP8Payload
    /// The assembled frame does not start with a valid VP8 payload header
    /// (RFC 7741 §4.3, RFC 6386 §9.1).
    case malformedVP8PayloadHeader(VP8FrameFault)
    /// A frame grew past the depacketizer's `maxFrameSize`.
    case vp8FrameTooLarge(limit: Int)
    /// An H.264 RTP payload breaks RFC 6184 §5 (or uses a structure Capstan
    /// does not take: interleaved mode's STAP-B, MTAP, FU-B).
    case malformedH264Payload(H264PayloadFault)
    /// An H.264 access unit grew past the depacketizer's `maxFrameSize`.
    case h264FrameTooLarge(limit: Int)
    /// The RTP payload is not one valid Opus packet (RFC 7587 §4.2, RFC 6716 §3.4).
    case malformedOpusPayload(OpusPacketFault)
    /// An argument is outside what the component supports.
    case invalidArgument(String)
}

/// Which rule of RFC 6184 §5 an H.264 RTP payload breaks.
public enum H264PayloadFault: Equatable, Sendable {
    /// An empty payload (no NAL unit header).
    case empty
    /// NAL unit type 0 or 30-31, or one of interleaved mode (STAP-B 25,
    /// MTAP16/24 26-27, FU-B 29), which packetization-mode 0 and 1 never use.
    case unsupportedType(UInt8)
    /// A STAP-A (§5.7.1) whose NAL unit sizes run past the payload, that holds
    /// no NAL unit, or that aggregates a NAL unit of type 0 or 24-31.
    case badAggregation
    /// An FU-A (§5.8) with fewer than 3 bytes, with both S and E set, of a
    /// fragmented type that is not a NAL unit, or that does not continue the
    /// fragmented NAL unit (other type, S while one is open, no S while none is).
    case badFragment
    /// The marker bit or a new timestamp came while an FU-A NAL unit was open.
    case unfinishedFragment
    /// An SPS that does not parse (ITU-T H.264 §7.3.2.1), or an SPS or PPS
    /// larger than `H264Depacketizer.maxParameterSetSize`.
    case badParameterSet
}
