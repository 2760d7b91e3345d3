internal import COpus

/// A libopus encoder at 48 kHz (RFC 6716).
///
/// Not thread-safe; owned by its session. Each call to `encode` takes exactly
/// one frame of interleaved PCM and returns one Opus packet.
public final class OpusEncoder {
    public enum Application: Sendable {
        /// `OPUS_APPLICATION_AUDIO`: music and mixed content, highest fidelity.
        case audio
        /// `OPUS_APPLICATION_VOIP`: speech intelligibility first.
        case voip
    }

    public static let sampleRate = 48_000
    /// Upper bound for one packet; libopus recommends 4000 bytes.
    public static let maxPacketSize = 4000

    public let channels: Int
    public let frameDuration: OpusFrameDuration
    private let state: OpaquePointer
    private var scratch: [UInt8]

    /// Samples per channel in each frame passed to `encode`.
    public var frameSamples: Int { frameDuration.samples }

    /// - Parameters:
    ///   - channels: 1 or 2.
    ///   - bitrate: bits per second (500…512000).
    ///   - frameDuration: duration of each encoded packet, 20 ms by default.
    public init(channels: Int, bitrate: Int, application: Application = .audio,
                frameDuration: OpusFrameDuration = .ms20) throws(CodecsError) {
        guard channels == 1 || channels == 2 else { throw .invalidArgument("Opus channels must be 1 or 2, got \(channels)") }
        guard (500...512_000).contains(bitrate) else { throw .invalidArgument("Opus bitrate \(bitrate) out of 500…512000") }
        let app = application == .audio ? CAPSTAN_OPUS_APPLICATION_AUDIO : CAPSTAN_OPUS_APPLICATION_VOIP
        var err: Int32 = 0
        guard let st = opus_encoder_create(Int32(Self.sampleRate), Int32(channels), app, &err), err == OPUS_OK else {
            throw opusError("opus_encoder_create", err)
        }
        state = st
        self.channels = channels
        self.frameDuration = frameDuration
        scratch = [UInt8](repeating: 0, count: Self.maxPacketSize)
        // From here on a throw still runs deinit, which destroys the state.
        let rc = capstan_opus_set_bitrate(st, Int32(bitrate))
        guard rc == OPUS_OK else { throw opusError("OPUS_SET_BITRATE", rc) }
    }

    deinit { opus_encoder_destroy(state) }

    /// Samples the encoder delays its output by: the pre-skip to put in
    /// `OpusHead` (RFC 7845 §4.2).
    public var lookahead: Int {
        var v: Int32 = 0
        _ = capstan_opus_get_lookahead(state, &v)
        return Int(v)
    }

    /// Encodes one frame of interleaved PCM (`frameSamples * channels` values).
    public func encode(_ pcm: UnsafeBufferPointer<Int16>) throws(CodecsError) -> [UInt8] {
        guard pcm.count == frameSamples * channels, let base = pcm.baseAddress else {
            throw .invalidArgument("Opus frame needs \(frameSamples * channels) samples, got \(pcm.count)")
        }
        let n = scratch.withUnsafeMutableBufferPointer { out -> Int32 in
            guard let dst = out.baseAddress else { return OPUS_BUFFER_TOO_SMALL }
            return opus_encode(state, base, Int32(frameSamples), dst, Int32(out.count))
        }
        guard n > 0 else { throw opusError("opus_encode", n) }
        return Array(scratch[0..<Int(n)])
    }

    /// Encodes one frame of interleaved PCM (`frameSamples * channels` values).
    public func encode(_ pcm: [Int16]) throws(CodecsError) -> [UInt8] {
        let result: Result<[UInt8], CodecsError> = pcm.withUnsafeBufferPointer { buf in
            do throws(CodecsError) { return .success(try encode(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

func opusError(_ operation: String, _ code: Int32) -> CodecsError {
    .opus(operation: operation, code: code, message: String(cString: opus_strerror(code)))
}
