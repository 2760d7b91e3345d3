import Codecs

/// Takes Opus packets out of RTP payloads (RFC 7587 §4.2): the payload is exactly
/// one Opus packet; this checks its framing (RFC 6716 §3.4 R1–R7) and reports its
/// duration in 48 kHz samples, and counts what it saw.
///
/// Validation uses `OpusPacketInfo.totalSamples(of:)`, which allocates nothing.
public struct OpusDepacketizer: Sendable {
    /// Payloads accepted.
    public private(set) var packets: Int = 0
    /// Payloads rejected as malformed.
    public private(set) var malformed: Int = 0
    /// 48 kHz samples in all accepted packets.
    public private(set) var samples: Int64 = 0

    /// A depacketizer with zero counters.
    public init() {}

    /// Checks one RTP payload and returns its duration in 48 kHz samples.
    ///
    /// - Throws: `MediaPipelineError.malformedOpusPayload` when the payload is not a
    ///   valid Opus packet (an empty payload included).
    public mutating func depacketize(_ payload: UnsafeRawBufferPointer) throws(MediaPipelineError) -> Int {
        do {
            let duration = try Self.duration(of: payload)
            packets += 1
            samples += Int64(duration)
            return duration
        } catch {
            malformed += 1
            throw error
        }
    }

    /// Checks one RTP payload and returns its duration in 48 kHz samples.
    public mutating func depacketize(_ payload: [UInt8]) throws(MediaPipelineError) -> Int {
        let result: Result<Int, MediaPipelineError> = payload.withUnsafeBytes { raw in
            do throws(MediaPipelineError) { return .success(try depacketize(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The duration of one Opus packet in 48 kHz samples.
    ///
    /// - Throws: `MediaPipelineError.malformedOpusPayload`.
    public static func duration(of packet: UnsafeRawBufferPointer) throws(MediaPipelineError) -> Int {
        do {
            return try OpusPacketInfo.totalSamples(of: packet)
        } catch {
            if case .malformedOpusPacket(let fault) = error { throw .malformedOpusPayload(fault) }
            throw .malformedOpusPayload(.empty)  // unreachable: OpusPacketInfo throws only .malformedOpusPacket
        }
    }

    /// The duration of one Opus packet in 48 kHz samples.
    public static func duration(of packet: [UInt8]) throws(MediaPipelineError) -> Int {
        let result: Result<Int, MediaPipelineError> = packet.withUnsafeBytes { raw in
            do throws(MediaPipelineError) { return .success(try duration(of: raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
