internal import CVPX

/// A libvpx VP8 (or, with `Configuration.codec = .vp9`, VP9 profile 0) encoder set up for real-time use: one-pass CBR, no lag, a
/// keyframe every `keyframeInterval` frames (forced by this wrapper, so the
/// cadence is exact), `VPX_DL_REALTIME` deadline.
///
/// Not thread-safe; owned by its session. Resolution changes go through
/// `reconfigure(width:height:)`, which tears the libvpx context down and
/// creates a new one (libvpx's VP8 encoder cannot grow past its initial
/// size in place); the next frame is then a keyframe.
public final class VP8Encoder {
    public struct Configuration: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var fps: Int
        /// Target bitrate in kbit/s.
        public var bitrateKbps: Int
        /// Frames between keyframes (e.g. `2 * fps` for one every 2 s); 0 = only the first.
        public var keyframeInterval: Int
        /// Ticks per second of `pts` (90 000, the RTP video clock, by default).
        public var timebaseHz: Int
        /// libvpx `VP8E_SET_CPUUSED`, -16…16; higher is faster.
        public var cpuUsed: Int
        public var threads: Int
        /// VP8 or VP9 (VP9: real-time speed `cpuUsed` clamped to 5…9, cyclic-refresh AQ off,
        /// one frame per picture: no superframes with lag 0).
        public var codec: VPXCodec

        public init(width: Int, height: Int, fps: Int = 30, bitrateKbps: Int = 1000, keyframeInterval: Int = 60,
                    timebaseHz: Int = 90_000, cpuUsed: Int = 8, threads: Int = 1, codec: VPXCodec = .vp8) {
            self.codec = codec
            self.width = width
            self.height = height
            self.fps = fps
            self.bitrateKbps = bitrateKbps
            self.keyframeInterval = keyframeInterval
            self.timebaseHz = timebaseHz
            self.cpuUsed = cpuUsed
            self.threads = threads
        }
    }

    public private(set) var configuration: Configuration
    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    private let image: UnsafeMutablePointer<vpx_image_t>
    private var framesSinceKeyframe = 0
    private var needsKeyframe = true

    public init(configuration: Configuration) throws(CodecsError) {
        self.configuration = configuration
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        image = .allocate(capacity: 1)
        image.initialize(to: vpx_image_t())
        // Fully initialized: if this throws, deinit runs and frees both
        // (vpx_codec_destroy on a context that failed to open is a no-op).
        try Self.open(context, configuration)
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
        image.deallocate()
    }

    /// Switches to a new picture size by recreating the libvpx encoder; the
    /// next encoded frame is a keyframe.
    public func reconfigure(width: Int, height: Int) throws(CodecsError) {
        var next = configuration
        next.width = width
        next.height = height
        vpx_codec_destroy(context)
        context.initialize(to: vpx_codec_ctx_t())
        do {
            try Self.open(context, next)
        } catch {
            // Leave a working encoder behind at the old size.
            context.initialize(to: vpx_codec_ctx_t())
            try? Self.open(context, configuration)
            throw error
        }
        configuration = next
        needsKeyframe = true
    }

    private static func open(_ ctx: UnsafeMutablePointer<vpx_codec_ctx_t>, _ c: Configuration) throws(CodecsError) {
        guard c.width > 0, c.height > 0, c.width <= 16383, c.height <= 16383 else {
            throw .invalidArgument("\(c.codec.rawValue) size \(c.width)x\(c.height) out of 1…16383")
        }
        guard c.fps > 0, c.bitrateKbps > 0, c.timebaseHz > 0, c.keyframeInterval >= 0, c.threads >= 1 else {
            throw .invalidArgument("VP8 fps, bitrate, timebase and threads must be positive")
        }
        var cfg = vpx_codec_enc_cfg_t()
        let vp9 = c.codec == .vp9
        var rc = vp9 ? capstan_vpx9_enc_config_default(&cfg) : capstan_vpx_enc_config_default(&cfg)
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_enc_config_default", rc, nil) }
        cfg.g_w = UInt32(c.width)
        cfg.g_h = UInt32(c.height)
        cfg.g_timebase = vpx_rational(num: 1, den: Int32(c.timebaseHz))
        cfg.rc_target_bitrate = UInt32(c.bitrateKbps)
        cfg.g_threads = UInt32(c.threads)
        cfg.g_lag_in_frames = 0
        cfg.g_pass = VPX_RC_ONE_PASS
        cfg.rc_end_usage = VPX_CBR
        cfg.g_error_resilient = vpx_codec_er_flags_t(VPX_ERROR_RESILIENT_DEFAULT)
        cfg.kf_mode = VPX_KF_DISABLED
        cfg.rc_min_quantizer = 4
        cfg.rc_max_quantizer = 56
        rc = vp9 ? capstan_vpx9_enc_init(ctx, &cfg, 0) : capstan_vpx_enc_init(ctx, &cfg, 0)
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_enc_init", rc, ctx) }
        if vp9 {
            rc = capstan_vpx9_set_aq_mode(ctx, 0)
            guard rc == VPX_CODEC_OK else {
                let e = vpxError("VP9E_SET_AQ_MODE", rc, ctx)
                vpx_codec_destroy(ctx)
                throw e
            }
        }
        rc = capstan_vpx_set_cpuused(ctx, Int32(vp9 ? min(9, max(5, c.cpuUsed)) : c.cpuUsed))
        guard rc == VPX_CODEC_OK else {
            let e = vpxError("VP8E_SET_CPUUSED", rc, ctx)
            vpx_codec_destroy(ctx)
            throw e
        }
    }

    /// Encodes one picture. With `lag_in_frames = 0` libvpx returns the
    /// frame at once, so the result normally holds exactly one frame (it may
    /// be empty when rate control drops a frame).
    /// - Parameters:
    ///   - pts: presentation time in ticks of `timebaseHz`.
    ///   - forceKeyframe: make this frame a keyframe (e.g. after a PLI).
    public func encode(_ frame: I420Image, pts: Int64, forceKeyframe: Bool = false) throws(CodecsError) -> [VP8EncodedFrame] {
        let c = configuration
        guard frame.width == c.width, frame.height == c.height else {
            throw .invalidArgument("frame is \(frame.width)x\(frame.height), encoder is \(c.width)x\(c.height)")
        }
        var flags: vpx_enc_frame_flags_t = 0
        if forceKeyframe || needsKeyframe || (c.keyframeInterval > 0 && framesSinceKeyframe >= c.keyframeInterval) {
            flags |= CAPSTAN_VPX_EFLAG_FORCE_KF
        }
        let duration = UInt(max(1, c.timebaseHz / c.fps))
        let rc: vpx_codec_err_t = frame.y.withUnsafeBufferPointer { y in
            frame.u.withUnsafeBufferPointer { u in
                frame.v.withUnsafeBufferPointer { v in
                    let yp = UnsafeMutablePointer(mutating: y.baseAddress)
                    guard vpx_img_wrap(image, VPX_IMG_FMT_I420, UInt32(c.width), UInt32(c.height), 1, yp) != nil else {
                        return VPX_CODEC_INVALID_PARAM
                    }
                    // The planes are separate arrays: point each at its own buffer.
                    image.pointee.planes = (yp, UnsafeMutablePointer(mutating: u.baseAddress),
                                            UnsafeMutablePointer(mutating: v.baseAddress), nil)
                    image.pointee.stride = (Int32(frame.width), Int32(frame.chromaWidth), Int32(frame.chromaWidth), 0)
                    return vpx_codec_encode(context, image, pts, duration, flags, CAPSTAN_VPX_DL_REALTIME)
                }
            }
        }
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_encode", rc, context) }
        let out = drain()
        for f in out {
            if f.isKeyframe { framesSinceKeyframe = 1; needsKeyframe = false } else { framesSinceKeyframe += 1 }
        }
        return out
    }

    /// Drains any frames libvpx still holds (none in real-time mode).
    public func flush() throws(CodecsError) -> [VP8EncodedFrame] {
        let rc = vpx_codec_encode(context, nil, 0, 0, 0, CAPSTAN_VPX_DL_REALTIME)
        guard rc == VPX_CODEC_OK else { throw vpxError("vpx_codec_encode(flush)", rc, context) }
        return drain()
    }

    private func drain() -> [VP8EncodedFrame] {
        var out: [VP8EncodedFrame] = []
        var iter: vpx_codec_iter_t? = nil
        while let pkt = vpx_codec_get_cx_data(context, &iter) {
            guard pkt.pointee.kind == VPX_CODEC_CX_FRAME_PKT else { continue }
            let f = pkt.pointee.data.frame
            guard let buf = f.buf else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: buf, count: f.sz))
            out.append(VP8EncodedFrame(data: bytes, isKeyframe: f.flags & CAPSTAN_VPX_FRAME_IS_KEY != 0, pts: f.pts))
        }
        return out
    }
}

func vpxError(_ operation: String, _ code: vpx_codec_err_t, _ ctx: UnsafeMutablePointer<vpx_codec_ctx_t>?) -> CodecsError {
    var message = String(cString: vpx_codec_err_to_string(code))
    if let ctx, let detail = vpx_codec_error_detail(ctx) {
        message += ": " + String(cString: detail)
    }
    return .vpx(operation: operation, code: Int32(bitPattern: code.rawValue), message: message)
}
