internal import CVPX

/// A picture produced by `VP8Decoder`.
public struct VP8DecodedFrame: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// libvpx flagged the frame corrupted (`VP8D_GET_FRAME_CORRUPTED`), as
    /// after decoding an interframe whose reference was lost.
    public var isCorrupted: Bool
    /// The decoded picture, when the caller asked for a copy.
    public var image: I420Image?
}

/// The two codecs of libvpx.
public enum VPXCodec: String, Sendable, Equatable {
    case vp8 = "VP8"
    case vp9 = "VP9"
}

/// A libvpx VP8 (or, with `codec: .vp9`, VP9) decoder. VP9 input may be a
/// superframe (several frames with an index, RFC 9628 §3 / VP9 Annex B) or
/// frames simply put one after another: libvpx decodes them all and shows
/// the last shown one. Not thread-safe; owned by its session.
public final class VP8Decoder {
    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    public let codec: VPXCodec

    public init(threads: Int = 1, codec: VPXCodec = .vp8) throws(CodecsError) {
        self.codec = codec
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        // Fully initialized: if this throws, deinit runs and frees the context
        // (vpx_codec_destroy on a context that failed to open is a no-op).
        let rc = codec == .vp9 ? capstan_vpx9_dec_init(context, UInt32(max(1, threads)))
                               : capstan_vpx_dec_init(context, UInt32(max(1, threads)))
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_dec_init", rc, nil) }
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
    }

    /// Decodes one compressed frame.
    /// - Parameter copyImage: copy the picture out into `VP8DecodedFrame.image`.
    /// - Returns: the shown picture, or nil when the frame shows nothing
    ///   (`show_frame = 0`).
    /// - Throws: `CodecsError.vpx` when libvpx rejects the data.
    public func decode(_ frame: UnsafeRawBufferPointer, copyImage: Bool = false) throws(CodecsError) -> VP8DecodedFrame? {
        guard frame.count > 0, let base = frame.baseAddress else {
            throw .malformedVP8Frame(.truncated)
        }
        let rc = vpx_codec_decode(context, base.assumingMemoryBound(to: UInt8.self), UInt32(frame.count), nil, 0)
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_decode", rc, context) }
        var corrupted: Int32 = 0
        let crc = capstan_vpx_get_corrupted(context, &corrupted)
        guard crc == VPX_CODEC_OK else { throw vpxError("VP8D_GET_FRAME_CORRUPTED", crc, context) }
        var iter: vpx_codec_iter_t? = nil
        var result: VP8DecodedFrame?
        while let img = vpx_codec_get_frame(context, &iter) {
            let w = Int(img.pointee.d_w), h = Int(img.pointee.d_h)
            result = VP8DecodedFrame(width: w, height: h, isCorrupted: corrupted != 0,
                                     image: copyImage ? Self.copy(img.pointee) : nil)
        }
        return result
    }

    /// Decodes one compressed frame (see `decode(_:copyImage:)`).
    public func decode(_ frame: [UInt8], copyImage: Bool = false) throws(CodecsError) -> VP8DecodedFrame? {
        let result: Result<VP8DecodedFrame?, CodecsError> = frame.withUnsafeBytes { raw in
            do throws(CodecsError) { return .success(try decode(raw, copyImage: copyImage)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func copy(_ img: vpx_image_t) -> I420Image? {
        // Only 8-bit 4:2:0 is copied (VP9 profile 1-3 pictures are not).
        guard img.fmt == VPX_IMG_FMT_I420 else { return nil }
        var out = I420Image(width: Int(img.d_w), height: Int(img.d_h))
        let planes = [img.planes.0, img.planes.1, img.planes.2]
        let strides = [Int(img.stride.0), Int(img.stride.1), Int(img.stride.2)]
        for p in 0..<3 {
            guard let src = planes[p] else { return nil }
            let w = p == 0 ? out.width : out.chromaWidth
            let h = p == 0 ? out.height : out.chromaHeight
            func fill(_ dst: inout [UInt8]) {
                dst.withUnsafeMutableBufferPointer { d in
                    for row in 0..<h {
                        (d.baseAddress! + row * w).update(from: src + row * strides[p], count: w)
                    }
                }
            }
            switch p {
            case 0: fill(&out.y)
            case 1: fill(&out.u)
            default: fill(&out.v)
            }
        }
        return out
    }
}

/// The VP9 decoder: `VP8Decoder` opened with libvpx's VP9 interface.
public typealias VP9Decoder = VP8Decoder
extension VP8Decoder {
    /// A libvpx VP9 decoder.
    public static func vp9(threads: Int = 1) throws(CodecsError) -> VP8Decoder { try VP8Decoder(threads: threads, codec: .vp9) }
}
