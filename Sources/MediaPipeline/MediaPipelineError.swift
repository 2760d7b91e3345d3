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
    /// A VP9 payload descriptor (RFC 9628 §4.2) claims a field the payload
    /// does not hold (also an empty payload, or more than 3 P_DIFFs).
    case truncatedVP9Descriptor
    /// A VP9 picture breaks RFC 9628 §4 (or its first frame's uncompressed header is bad).
    case malformedVP9Payload(VP9PayloadFault)
    /// A VP9 picture or AV1 temporal unit grew past the depacketizer's `maxFrameSize`.
    case frameTooLarge(limit: Int)
    /// An AV1 RTP payload breaks the AV1 RTP payload format (§4.4, §4.5).
    case malformedAV1Payload(AV1PayloadFault)
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

/// Which rule of RFC 9628 a VP9 picture breaks.
public enum VP9PayloadFault: Equatable, Sendable {
    /// A packet with no VP9 data after its descriptor.
    case empty
    /// A layer frame started (B = 1) before the previous one ended (E = 1),
    /// or the marker / a new timestamp came inside a layer frame.
    case unfinishedFrame
    /// Spatial layer ids do not increase within the picture, or more than 8.
    case badLayerOrder
    /// The base layer frame's uncompressed header does not parse.
    case badFrameHeader(VP9FrameFault)
}

/// Which rule of the AV1 RTP payload format an AV1 payload breaks.
public enum AV1PayloadFault: Equatable, Sendable {
    /// No aggregation header, or no OBU element after it.
    case empty
    /// An OBU element length runs past the payload, W disagrees with the
    /// elements present, or an element is empty.
    case badElement
    /// Z = 1 with no OBU fragment open, or Y = 1 then a packet without Z.
    case badFragment
    /// The marker or a new timestamp came while an OBU fragment was open.
    case unfinishedFragment
    /// An OBU header is malformed (forbidden bit, truncated extension).
    case badOBU
    /// N = 1 but the temporal unit has no usable sequence header.
    case badSequenceHeader
}
