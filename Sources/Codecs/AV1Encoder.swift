#if CAPSTAN_AOM
internal import CAOM
#endif

/// One encoded AV1 temporal unit (low-overhead format, as libaom writes it:
/// a temporal delimiter first, every OBU with its size field).
public struct AV1EncodedFrame: Sendable, Equatable {
    public var data: [UInt8]
    public var isKeyframe: Bool
}

/// libaom's AV1 encoder in real-time mode (`AOM_USAGE_REALTIME`, one-pass
/// CBR, no lag, speed 9), for the sample peer's `--codec av1`. Keyframes
/// every `keyframeInterval` frames and on request (forced here, so the
/// cadence is exact). libaom is optional at build time (as libopenh264 is):
/// without `libaom-dev` `init` throws.
///
/// Not thread-safe; owned by its media source. Owns its libaom context.
public final class AV1Encoder {
    public struct Configuration: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var fps: Int
        public var bitrateKbps: Int
        /// Frames between keyframes (0: only the first and on request).
        public var keyframeInterval: Int
        /// libaom `AOME_SET_CPUUSED` (real-time: 7…10).
        public var speed: Int
        public init(width: Int, height: Int, fps: Int, bitrateKbps: Int, keyframeInterval: Int, speed: Int = 9) {
            self.width = width
            self.height = height
            self.fps = fps
            self.bitrateKbps = bitrateKbps
            self.keyframeInterval = keyframeInterval
            self.speed = speed
        }
    }

    public let configuration: Configuration
    /// True when this build can encode AV1 (built with libaom-dev).
    public static var isAvailable: Bool {
        #if CAPSTAN_AOM
        true
        #else
        false
        #endif
    }

    #if CAPSTAN_AOM
    private let context: UnsafeMutablePointer<aom_codec_ctx_t>
    private let image: UnsafeMutablePointer<aom_image_t>
    #endif
    private var framesSinceKeyframe = 0
    private var needsKeyframe = true

    public init(configuration c: Configuration) throws(CodecsError) {
        configuration = c
        guard c.width >= 16, c.height >= 16, c.width % 2 == 0, c.height % 2 == 0, c.fps > 0, c.bitrateKbps > 0 else {
            throw .invalidArgument("AV1 encoder: \(c.width)x\(c.height)@\(c.fps)")
        }
        #if CAPSTAN_AOM
        context = .allocate(capacity: 1)
        context.initialize(to: aom_codec_ctx_t())
        image = .allocate(capacity: 1)
        image.initialize(to: aom_image_t())
        let rc = capstan_aom_open(context, UInt32(c.width), UInt32(c.height), 90_000, UInt32(c.bitrateKbps), 1,
                                  Int32(c.speed))
        guard rc == AOM_CODEC_OK else {
            let message = String(cString: aom_codec_err_to_string(rc))
            context.deallocate()
            image.deallocate()
            throw .av1(operation: "aom_codec_enc_init", code: Int32(bitPattern: rc.rawValue), message: message)
        }
        #else
        throw .av1(operation: "AV1Encoder", code: -1,
                   message: "built without libaom-dev: AV1 encoding is not available (scripts/setup installs it)")
        #endif
    }

    deinit {
        #if CAPSTAN_AOM
        aom_codec_destroy(context)
        context.deallocate()
        image.deallocate()
        #endif
    }

    /// Encodes one picture at `pts` (90 kHz ticks); nil when libaom gives nothing back.
    public func encode(_ frame: I420Image, pts: Int64, forceKeyframe: Bool) throws(CodecsError) -> AV1EncodedFrame? {
        let c = configuration
        guard frame.width == c.width, frame.height == c.height else {
            throw .invalidArgument("AV1 encoder is \(c.width)x\(c.height), picture \(frame.width)x\(frame.height)")
        }
        #if CAPSTAN_AOM
        var flags: aom_enc_frame_flags_t = 0
        if forceKeyframe || needsKeyframe || (c.keyframeInterval > 0 && framesSinceKeyframe >= c.keyframeInterval) {
            flags |= CAPSTAN_AOM_EFLAG_FORCE_KF
        }
        let duration = UInt(max(1, 90_000 / c.fps))
        let rc: aom_codec_err_t = frame.y.withUnsafeBufferPointer { y in
            frame.u.withUnsafeBufferPointer { u in
                frame.v.withUnsafeBufferPointer { v in
                    let yp = UnsafeMutablePointer(mutating: y.baseAddress)
                    guard aom_img_wrap(image, AOM_IMG_FMT_I420, UInt32(c.width), UInt32(c.height), 1, yp) != nil else {
                        return AOM_CODEC_INVALID_PARAM
                    }
                    image.pointee.planes = (yp, UnsafeMutablePointer(mutating: u.baseAddress),
                                            UnsafeMutablePointer(mutating: v.baseAddress))
                    image.pointee.stride = (Int32(frame.width), Int32(frame.chromaWidth), Int32(frame.chromaWidth))
                    return aom_codec_encode(context, image, pts, duration, flags)
                }
            }
        }
        guard rc == AOM_CODEC_OK else {
            throw .av1(operation: "aom_codec_encode", code: Int32(bitPattern: rc.rawValue),
                       message: String(cString: aom_codec_err_to_string(rc)))
        }
        var data: [UInt8] = []
        var key = false
        var iter: aom_codec_iter_t? = nil
        while let pkt = aom_codec_get_cx_data(context, &iter) {
            guard pkt.pointee.kind == AOM_CODEC_CX_FRAME_PKT else { continue }
            let f = pkt.pointee.data.frame
            guard let buf = f.buf else { continue }
            data += UnsafeRawBufferPointer(start: buf, count: f.sz)
            if f.flags & CAPSTAN_AOM_FRAME_IS_KEY != 0 { key = true }
        }
        guard !data.isEmpty else { return nil }
        if key { framesSinceKeyframe = 1; needsKeyframe = false } else { framesSinceKeyframe += 1 }
        return AV1EncodedFrame(data: data, isKeyframe: key)
        #else
        return nil
        #endif
    }
}
