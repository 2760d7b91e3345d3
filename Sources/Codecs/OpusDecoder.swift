internal import COpus

/// A libopus decoder at 48 kHz.
///
/// Not thread-safe; owned by its session. Decodes into a caller buffer, or
/// into an internal buffer readable through `lastDecoded`.
public final class OpusDecoder {
    public static let sampleRate = 48_000

    public let channels: Int
    private let state: OpaquePointer
    private var scratch: [Int16]
    private var scratchCount = 0

    /// - Parameter channels: 1 or 2 (output channel count; libopus up- or
    ///   down-mixes streams of the other count).
    public init(channels: Int) throws(CodecsError) {
        guard channels == 1 || channels == 2 else { throw .invalidArgument("Opus channels must be 1 or 2, got \(channels)") }
        var err: Int32 = 0
        guard let st = opus_decoder_create(Int32(Self.sampleRate), Int32(channels), &err), err == OPUS_OK else {
            throw opusError("opus_decoder_create", err)
        }
        state = st
        self.channels = channels
        scratch = [Int16](repeating: 0, count: OpusPacketInfo.maxSamplesPerPacket * channels)
    }

    deinit { opus_decoder_destroy(state) }

    /// Interleaved PCM from the last `decode(_:)` / `concealLoss(samples:)`
    /// call that used the internal buffer.
    public var lastDecoded: ArraySlice<Int16> { scratch[0..<(scratchCount * channels)] }

    /// Decodes one packet into `output` (interleaved, room for up to 120 ms).
    /// - Returns: samples per channel decoded.
    public func decode(_ packet: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) throws(CodecsError) -> Int {
        guard packet.count > 0, let data = packet.baseAddress else {
            throw .malformedOpusPacket(.empty)
        }
        guard let dst = output.baseAddress, output.count >= channels else {
            throw .invalidArgument("empty output buffer")
        }
        let n = opus_decode(state, data.assumingMemoryBound(to: UInt8.self), Int32(packet.count),
                            dst, Int32(output.count / channels), 0)
        guard n >= 0 else { throw opusError("opus_decode", n) }
        return Int(n)
    }

    /// Decodes one packet into the internal buffer (see `lastDecoded`).
    /// - Returns: samples per channel decoded.
    @discardableResult
    public func decode(_ packet: [UInt8]) throws(CodecsError) -> Int {
        let result: Result<Int, CodecsError> = packet.withUnsafeBytes { raw in
            scratch.withUnsafeMutableBufferPointer { out in
                do throws(CodecsError) { return .success(try decode(raw, into: out)) } catch { return .failure(error) }
            }
        }
        scratchCount = try result.get()
        return scratchCount
    }

    /// Runs packet-loss concealment for `samples` samples per channel (a
    /// multiple of 2.5 ms, at most 120 ms) into `output`.
    public func concealLoss(samples: Int, into output: UnsafeMutableBufferPointer<Int16>) throws(CodecsError) -> Int {
        guard samples > 0, samples % 120 == 0, samples <= OpusPacketInfo.maxSamplesPerPacket,
              output.count >= samples * channels, let dst = output.baseAddress else {
            throw .invalidArgument("PLC length \(samples) must be a multiple of 120 samples up to 5760 and fit the buffer")
        }
        let n = opus_decode(state, nil, 0, dst, Int32(samples), 0)
        guard n >= 0 else { throw opusError("opus_decode(PLC)", n) }
        return Int(n)
    }

    /// Runs packet-loss concealment into the internal buffer (see `lastDecoded`).
    @discardableResult
    public func concealLoss(samples: Int) throws(CodecsError) -> Int {
        let result: Result<Int, CodecsError> = scratch.withUnsafeMutableBufferPointer { out in
            do throws(CodecsError) { return .success(try concealLoss(samples: samples, into: out)) } catch { return .failure(error) }
        }
        scratchCount = try result.get()
        return scratchCount
    }

    /// Forgets decoder history (as after a seek).
    public func reset() { _ = capstan_opus_decoder_reset(state) }
}
