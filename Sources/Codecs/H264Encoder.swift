#if CAPSTAN_OPENH264
internal import COpenH264
#endif

/// One encoded H.264 picture: an Annex B access unit.
public struct H264EncodedFrame: Sendable, Equatable {
    /// The NAL units with start codes (SPS and PPS in front of an IDR).
    public var data: [UInt8]
    public var isKeyframe: Bool
}

/// libopenh264's encoder (Cisco, BSD-2-Clause), for the sample peer's
/// `--codec h264`: real time, Constrained Baseline (`42e01f`-compatible),
/// one slice, no B-frames, SPS/PPS before every IDR — what OBS and FFmpeg's
/// WHIP muxer send in shape. libopenh264 is optional at build time; without
/// it `init` throws.
///
/// Not thread-safe; owned by its media source.
public final class H264Encoder {
    public struct Configuration: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var fps: Int
        public var bitrateKbps: Int
        /// Frames between IDRs (0: only the first and on request).
        public var keyframeInterval: Int
        public init(width: Int, height: Int, fps: Int, bitrateKbps: Int, keyframeInterval: Int) {
            self.width = width
            self.height = height
            self.fps = fps
            self.bitrateKbps = bitrateKbps
            self.keyframeInterval = keyframeInterval
        }
    }

    public let configuration: Configuration
    /// True when this build can encode H.264 (built with libopenh264-dev).
    public static var isAvailable: Bool {
        #if CAPSTAN_OPENH264
        true
        #else
        false
        #endif
    }

    #if CAPSTAN_OPENH264
    private let encoder: UnsafeMutablePointer<ISVCEncoder?>
    private var output: [UInt8]
    #endif

    public init(configuration: Configuration) throws(CodecsError) {
        self.configuration = configuration
        guard configuration.width >= 16, configuration.height >= 16, configuration.width % 2 == 0,
              configuration.height % 2 == 0, configuration.fps > 0, configuration.bitrateKbps > 0 else {
            throw .invalidArgument("H.264 encoder: \(configuration.width)x\(configuration.height)@\(configuration.fps)")
        }
        #if CAPSTAN_OPENH264
        var rv: Int32 = 0
        guard let opened = capstan_openh264_open(
            Int32(configuration.width), Int32(configuration.height), Float(configuration.fps),
            Int32(configuration.bitrateKbps * 1000), UInt32(max(0, configuration.keyframeInterval)), &rv) else {
            throw .h264(operation: "WelsCreateSVCEncoder/InitializeExt", code: rv, message: "libopenh264 refused the configuration")
        }
        encoder = opened
        output = [UInt8](repeating: 0, count: max(1 << 20, configuration.width * configuration.height * 2))
        #else
        throw .h264(operation: "H264Encoder", code: -1,
                    message: "built without libopenh264-dev: H.264 encoding is not available (scripts/setup installs it)")
        #endif
    }

    deinit {
        #if CAPSTAN_OPENH264
        capstan_openh264_close(encoder)
        #endif
    }

    /// Encodes one picture (its size must be the configured one).
    /// - Returns: the access unit, or nil when the encoder skipped the picture.
    public func encode(_ image: I420Image, timestampMs: Int64, forceKeyframe: Bool) throws(CodecsError) -> H264EncodedFrame? {
        guard image.width == configuration.width, image.height == configuration.height else {
            throw .invalidArgument("H.264 encoder is \(configuration.width)x\(configuration.height), picture \(image.width)x\(image.height)")
        }
        #if CAPSTAN_OPENH264
        var size: Int32 = 0
        var isIDR = false
        let capacity = output.count
        let rv = image.y.withUnsafeBufferPointer { y in
            image.u.withUnsafeBufferPointer { u in
                image.v.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { out in
                        capstan_openh264_encode(encoder, Int32(image.width), Int32(image.height),
                                                y.baseAddress, u.baseAddress, v.baseAddress,
                                                Int32(image.width), Int32(image.chromaWidth), timestampMs, forceKeyframe,
                                                out.baseAddress, Int32(capacity), &size, &isIDR)
                    }
                }
            }
        }
        guard rv == 0 else { throw .h264(operation: "EncodeFrame", code: rv, message: "libopenh264 failed to encode") }
        guard size > 0 else { return nil }
        return H264EncodedFrame(data: Array(output[0..<Int(size)]), isKeyframe: isIDR)
        #else
        return nil
        #endif
    }
}
