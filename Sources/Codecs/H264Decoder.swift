internal import CAVCodec

/// A picture produced by `H264Decoder`.
public struct H264DecodedFrame: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// libavcodec marked the picture corrupt (concealed errors, a missing reference).
    public var isCorrupted: Bool
    /// The presentation time given with the packet that produced it.
    public var pts: Int64
}

/// libavcodec's H.264 decoder, for `capstan inspect`: one thread (pictures in
/// order, no frame-thread delay), errors reported (`AV_EF_EXPLODE`), not
/// concealed. Input: 4-byte length-prefixed NAL units with the `avcC` record
/// given at creation (Matroska `V_MPEG4/ISO/AVC`); in-band SPS/PPS are
/// taken as they come. A decoder may hold pictures back (B-frames): `drain`
/// hands out the rest at the end.
///
/// Not thread-safe; owned by its inspection.
public final class H264Decoder {
    private let context: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>

    /// - Parameter avcC: the `AVCDecoderConfigurationRecord` (CodecPrivate);
    ///   empty for Annex B input.
    public init(avcC: [UInt8]) throws(CodecsError) {
        var err: Int32 = 0
        let opened = avcC.withUnsafeBufferPointer { buffer in
            capstan_h264_decoder_open(buffer.baseAddress, Int32(buffer.count), &err)
        }
        guard let opened else { throw Self.error("avcodec_open2", err) }
        guard let packet = av_packet_alloc() else {
            capstan_avcodec_close(opened)
            throw Self.error("av_packet_alloc", -12)
        }
        guard let frame = av_frame_alloc() else {
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
            capstan_avcodec_close(opened)
            throw Self.error("av_frame_alloc", -12)
        }
        context = opened
        self.packet = packet
        self.frame = frame
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        capstan_avcodec_close(context)
    }

    /// Decodes one access unit; returns the pictures that came out (zero,
    /// one, or more when earlier ones were held).
    /// - Throws: `CodecsError.h264` when libavcodec rejects the data.
    public func decode(_ data: [UInt8], pts: Int64) throws(CodecsError) -> [H264DecodedFrame] {
        guard !data.isEmpty, data.count <= Int(Int32.max) - 64 else {
            throw .h264(operation: "decode", code: -1, message: "empty or oversized access unit")
        }
        let rc = data.withUnsafeBufferPointer { capstan_avcodec_send(context, packet, $0.baseAddress, Int32($0.count), pts) }
        var pictures = try receive()
        if rc < 0 {
            // A rejected packet still leaves earlier pictures to collect.
            pictures.removeAll()
            throw Self.error("avcodec_send_packet", rc)
        }
        return pictures
    }

    /// Ends the stream: the pictures still held.
    public func drain() throws(CodecsError) -> [H264DecodedFrame] {
        let rc = capstan_avcodec_send(context, packet, nil, 0, 0)
        guard rc >= 0 || rc == CAPSTAN_AVERROR_EOF else { throw Self.error("avcodec_send_packet(flush)", rc) }
        return try receive()
    }

    private func receive() throws(CodecsError) -> [H264DecodedFrame] {
        var out: [H264DecodedFrame] = []
        for _ in 0..<64 {
            let rc = avcodec_receive_frame(context, frame)
            if rc == CAPSTAN_AVERROR_EAGAIN || rc == CAPSTAN_AVERROR_EOF { break }
            guard rc >= 0 else { throw Self.error("avcodec_receive_frame", rc) }
            let f = frame.pointee
            out.append(H264DecodedFrame(
                width: Int(f.width), height: Int(f.height),
                isCorrupted: (f.flags & CAPSTAN_AV_FRAME_FLAG_CORRUPT) != 0 || f.decode_error_flags != 0,
                pts: f.pts))
            av_frame_unref(frame)
        }
        return out
    }

    private static func error(_ operation: String, _ code: Int32) -> CodecsError {
        var text = [CChar](repeating: 0, count: 128)
        av_strerror(code, &text, text.count)
        return .h264(operation: operation, code: code, message: String(cString: text))
    }
}
