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
    /// The RTP payload is not one valid Opus packet (RFC 7587 §4.2, RFC 6716 §3.4).
    case malformedOpusPayload(OpusPacketFault)
    /// An argument is outside what the component supports.
    case invalidArgument(String)
}
