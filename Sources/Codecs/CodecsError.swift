/// Errors thrown by the `Codecs` module: libopus/libvpx failures mapped to
/// Swift values, and parse failures of the pure frame-header parsers.
public enum CodecsError: Error, Equatable, Sendable {
    /// An argument is outside what the codec supports (channel count,
    /// bitrate, frame size, image dimensions, …).
    case invalidArgument(String)
    /// A libopus call failed. `code` is the libopus error code (`OPUS_*`),
    /// `message` its `opus_strerror` text.
    case opus(operation: String, code: Int32, message: String)
    /// A libvpx call failed. `code` is the `vpx_codec_err_t` value,
    /// `message` the codec's error string and detail.
    case vpx(operation: String, code: Int32, message: String)
    /// An Opus packet breaks the framing rules of RFC 6716 §3.
    case malformedOpusPacket(OpusPacketFault)
    /// An identification or comment header breaks RFC 7845 §5.
    case malformedOpusHeader(OpusHeaderFault)
    /// A VP8 payload header breaks RFC 6386 §9.1.
    case malformedVP8Frame(VP8FrameFault)
    /// A libavcodec or libopenh264 call failed (`code`: the library's return value).
    case h264(operation: String, code: Int32, message: String)
    /// An H.264 parameter set or slice header breaks ITU-T H.264 §7.3.
    case malformedH264(H264Fault)
    /// A VP9 uncompressed header breaks the VP9 bitstream spec §6.2.
    case malformedVP9Frame(VP9FrameFault)
    /// An AV1 OBU or sequence header breaks the AV1 spec §5.
    case malformedAV1(AV1Fault)
    /// A libdav1d or libaom call failed (`code`: the library's return value).
    case av1(operation: String, code: Int32, message: String)
}

/// Why an AV1 OBU or sequence header (AV1 spec §5.3, §5.5) was rejected.
public enum AV1Fault: Equatable, Sendable {
    case truncated
    /// obu_forbidden_bit set, or a size field that runs past the data.
    case badOBUHeader
    /// A field outside what the spec allows (or Capstan accepts).
    case outOfRange(String)
    /// No sequence header OBU where one is needed.
    case noSequenceHeader
}

/// Why an H.264 SPS or slice header (ITU-T H.264 §7.3) was rejected.
public enum H264Fault: Equatable, Sendable {
    /// The bits end before the syntax does.
    case truncated
    /// The NAL unit is not a sequence parameter set (or has fewer than 4 bytes).
    case notSPS
    /// An Exp-Golomb code has more than 31 leading zeros.
    case expGolombTooLong
    /// A field is outside the range the standard allows (or Capstan accepts).
    case outOfRange(String)
}

/// Which rule of RFC 6716 §3.4 (or §3.2 framing) an Opus packet violates.
public enum OpusPacketFault: Equatable, Sendable {
    /// R1: a packet is at least one byte (the TOC).
    case empty
    /// R2: an implicit frame length exceeds 1275 bytes.
    case frameTooLong
    /// R3: a code 1 packet has an even total length.
    case code1EvenLength
    /// R4/R7: a frame length byte is missing or a frame runs past the end.
    case frameLengthExceedsPacket
    /// R5: a code 3 packet holds zero frames.
    case noFrames
    /// R5: a packet holds more than 120 ms of audio.
    case durationExceeds120ms
    /// R6/R7: the padding runs past the end of the packet.
    case paddingExceedsPacket
    /// R6: a CBR code 3 payload is not a multiple of the frame count.
    case cbrLengthNotMultipleOfFrameCount
}

/// Why an `OpusHead` / `OpusTags` header (RFC 7845 §5) was rejected.
public enum OpusHeaderFault: Equatable, Sendable {
    case badMagic
    case truncated
    /// The major version (upper four bits) is not 0 (RFC 7845 §5.1 field 2).
    case unsupportedVersion(UInt8)
    case invalidChannelCount(UInt8)
    /// Family 0 needs 1 or 2 channels; other families need a valid table.
    case invalidChannelMapping
    /// A comment string is not valid UTF-8 (RFC 7845 §5.2).
    case invalidUTF8
}

/// Why a VP8 frame header (RFC 6386 §9.1, RFC 7741 §4.3) was rejected.
public enum VP8FrameFault: Equatable, Sendable {
    /// Fewer bytes than the 3-byte frame tag (10 bytes on keyframes).
    case truncated
    /// The keyframe start code is not `9d 01 2a`.
    case badStartCode
    /// The version field is above 3 (reserved).
    case unsupportedVersion(UInt8)
    /// The first partition is longer than the bytes that follow the header.
    case firstPartitionExceedsFrame
    /// A keyframe declares zero width or height.
    case zeroDimension
}
