/// What the framing of one Opus packet says, per RFC 6716 §3.
///
/// ```
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// | config  |s| c |      TOC byte (RFC 6716 §3.1)
/// +-+-+-+-+-+-+-+-+
/// ```
/// `config` selects mode, bandwidth and frame size; `s` is stereo; `c` is the
/// frame count code: 0 = one frame, 1 = two equal frames, 2 = two frames with
/// the first length coded, 3 = an arbitrary count in a second byte (§3.2).
///
/// Parsing checks the rules R1–R7 of RFC 6716 §3.4; a packet that breaks one
/// throws `CodecsError.malformedOpusPacket`. It never reads out of bounds.
public struct OpusPacketInfo: Equatable, Sendable {
    /// Maximum audio in one packet: 120 ms at 48 kHz (RFC 6716 §3.2.5, R5).
    public static let maxSamplesPerPacket = 5760
    /// Maximum length of one compressed frame (RFC 6716 §3.2.1, R2).
    public static let maxFrameLength = 1275

    /// The TOC configuration number, 0…31.
    public let config: UInt8
    public let mode: OpusMode
    public let bandwidth: OpusBandwidth
    public let isStereo: Bool
    /// The frame count code `c`, 0…3.
    public let code: UInt8
    /// Byte length of each compressed frame, in order. A zero length means
    /// "no data for this frame" (DTX or a lost frame, RFC 6716 §3.2.1).
    public let frameLengths: [Int]
    /// For code 3: whether frames have individually coded lengths (VBR).
    public let isVBR: Bool
    /// For code 3: trailing padding bytes.
    public let paddingLength: Int

    /// Number of frames in the packet.
    public var frameCount: Int { frameLengths.count }
    /// Frame duration.
    public var frameDuration: OpusFrameDuration { Self.frameDuration(config: config) }
    /// Samples per channel in one frame at 48 kHz.
    public var samplesPerFrame: Int { frameDuration.samples }
    /// Samples per channel in the whole packet at 48 kHz.
    public var totalSamples: Int { samplesPerFrame * frameCount }

    /// Parses the TOC and frame layout of `packet` (RFC 6716 §3.1–§3.4).
    public init(parsing packet: UnsafeRawBufferPointer) throws(CodecsError) {
        var lengths: [Int] = []
        let framing = try Self.scan(packet) { lengths.append($0) }
        config = framing.config
        isStereo = framing.isStereo
        code = framing.code
        (mode, bandwidth) = Self.modeAndBandwidth(config: framing.config)
        frameLengths = lengths
        isVBR = framing.isVBR
        paddingLength = framing.paddingLength
    }

    /// The samples (at 48 kHz) in `packet`, after the same checks as
    /// `init(parsing:)` but without allocating: for the per-packet paths
    /// (depacketizer, muxers) that need only the duration.
    public static func totalSamples(of packet: UnsafeRawBufferPointer) throws(CodecsError) -> Int {
        let framing = try scan(packet) { _ in }
        return framing.frameCount * frameDuration(config: framing.config).samples
    }

    /// What a packet's framing says, without its frame lengths.
    private struct Framing {
        var config: UInt8
        var isStereo: Bool
        var code: UInt8
        var frameCount: Int
        var isVBR: Bool
        var paddingLength: Int
    }

    /// Checks `packet` against RFC 6716 §3.4 (R1–R7) and reports each frame's
    /// length, in order, to `frameLength`.
    private static func scan(_ packet: UnsafeRawBufferPointer, frameLength report: (Int) -> Void)
        throws(CodecsError) -> Framing
    {
        let n = packet.count
        guard n >= 1 else { throw .malformedOpusPacket(.empty) }                     // R1
        let toc = packet[0]
        let config = toc >> 3
        let code = toc & 0x03
        let spf = Self.frameDuration(config: config).samples

        var vbr = false
        var padding = 0
        var count = 0
        switch code {
        case 0:                                                                     // §3.2.2
            guard n - 1 <= Self.maxFrameLength else { throw .malformedOpusPacket(.frameTooLong) }
            report(n - 1)
            count = 1
        case 1:                                                                     // §3.2.3
            guard (n - 1) % 2 == 0 else { throw .malformedOpusPacket(.code1EvenLength) }   // R3
            let half = (n - 1) / 2
            guard half <= Self.maxFrameLength else { throw .malformedOpusPacket(.frameTooLong) }
            report(half)
            report(half)
            count = 2
        case 2:                                                                     // §3.2.4
            let (first, used) = try Self.frameLength(packet, at: 1)                 // R4
            let rest = n - 1 - used - first
            guard rest >= 0 else { throw .malformedOpusPacket(.frameLengthExceedsPacket) }
            guard rest <= Self.maxFrameLength else { throw .malformedOpusPacket(.frameTooLong) }
            report(first)
            report(rest)
            count = 2
        default:                                                                    // §3.2.5
            guard n >= 2 else { throw .malformedOpusPacket(.frameLengthExceedsPacket) }   // R6
            let countByte = packet[1]
            vbr = countByte & 0x80 != 0
            let hasPadding = countByte & 0x40 != 0
            let m = Int(countByte & 0x3F)
            guard m >= 1 else { throw .malformedOpusPacket(.noFrames) }             // R5
            guard m * spf <= Self.maxSamplesPerPacket else {
                throw .malformedOpusPacket(.durationExceeds120ms)
            }
            var pos = 2
            if hasPadding {
                while true {
                    guard pos < n else { throw .malformedOpusPacket(.paddingExceedsPacket) }
                    let p = Int(packet[pos])
                    pos += 1
                    if p == 255 { padding += 254 } else { padding += p; break }
                }
            }
            guard n - pos - padding >= 0 else { throw .malformedOpusPacket(.paddingExceedsPacket) }   // R6/R7
            if vbr {
                // Lengths reported before a later check throws are discarded
                // with the error (`init` never completes).
                var sum = 0
                for _ in 0..<(m - 1) {
                    let (len, used) = try Self.frameLength(packet, at: pos)
                    pos += used
                    sum += len
                    report(len)
                }
                let last = n - pos - padding - sum
                guard last >= 0 else { throw .malformedOpusPacket(.frameLengthExceedsPacket) }   // R7
                guard last <= Self.maxFrameLength else { throw .malformedOpusPacket(.frameTooLong) }
                report(last)
            } else {
                let payload = n - pos - padding
                guard payload % m == 0 else {
                    throw .malformedOpusPacket(.cbrLengthNotMultipleOfFrameCount)   // R6
                }
                guard payload / m <= Self.maxFrameLength else { throw .malformedOpusPacket(.frameTooLong) }
                for _ in 0..<m { report(payload / m) }
            }
            count = m
        }
        return Framing(config: config, isStereo: toc & 0x04 != 0, code: code, frameCount: count, isVBR: vbr,
                       paddingLength: padding)
    }

    public init(parsing packet: [UInt8]) throws(CodecsError) {
        let result: Result<OpusPacketInfo, CodecsError> = packet.withUnsafeBytes { raw in
            do throws(CodecsError) { return .success(try OpusPacketInfo(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Reads a frame length (RFC 6716 §3.2.1): one byte 0…251, or two bytes
    /// `4 * second + first` when the first is 252…255.
    private static func frameLength(_ p: UnsafeRawBufferPointer, at pos: Int) throws(CodecsError) -> (length: Int, used: Int) {
        guard pos < p.count else { throw .malformedOpusPacket(.frameLengthExceedsPacket) }
        let b0 = Int(p[pos])
        if b0 < 252 { return (b0, 1) }
        guard pos + 1 < p.count else { throw .malformedOpusPacket(.frameLengthExceedsPacket) }
        return (Int(p[pos + 1]) * 4 + b0, 2)
    }

    /// Mode and bandwidth of a TOC configuration (RFC 6716 §3.1, Table 2).
    public static func modeAndBandwidth(config: UInt8) -> (OpusMode, OpusBandwidth) {
        switch config & 0x1F {
        case 0...3: return (.silk, .narrowband)
        case 4...7: return (.silk, .mediumband)
        case 8...11: return (.silk, .wideband)
        case 12...13: return (.hybrid, .superwideband)
        case 14...15: return (.hybrid, .fullband)
        case 16...19: return (.celt, .narrowband)
        case 20...23: return (.celt, .wideband)
        case 24...27: return (.celt, .superwideband)
        default: return (.celt, .fullband)
        }
    }

    /// Frame duration of a TOC configuration (RFC 6716 §3.1, Table 2).
    public static func frameDuration(config: UInt8) -> OpusFrameDuration {
        let c = config & 0x1F
        switch c {
        case 0...11:
            return [.ms10, .ms20, .ms40, .ms60][Int(c % 4)]
        case 12...15:
            return c % 2 == 0 ? .ms10 : .ms20
        default:
            return [.ms2_5, .ms5, .ms10, .ms20][Int(c % 4)]
        }
    }
}
