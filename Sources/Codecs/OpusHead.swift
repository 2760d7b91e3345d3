/// The Ogg Opus identification header, RFC 7845 §5.1.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      'O'      |      'p'      |      'u'      |      's'      |
/// |      'H'      |      'e'      |      'a'      |      'd'      |
/// |  Version = 1  | Channel Count |           Pre-skip            |
/// |                     Input Sample Rate (Hz)                    |
/// |   Output Gain (Q7.8 in dB)    | Mapping Family|               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+               :
/// :               Optional Channel Mapping Table...               :
/// ```
/// All multi-byte fields are little-endian.
public struct OpusHead: Equatable, Sendable {
    public static let magic: [UInt8] = Array("OpusHead".utf8)

    /// The optional channel mapping table (RFC 7845 §5.1.1), present when the
    /// mapping family is not 0.
    public struct ChannelMapping: Equatable, Sendable {
        public var streamCount: UInt8
        public var coupledCount: UInt8
        public var mapping: [UInt8]

        public init(streamCount: UInt8, coupledCount: UInt8, mapping: [UInt8]) {
            self.streamCount = streamCount
            self.coupledCount = coupledCount
            self.mapping = mapping
        }
    }

    /// Version byte; we write 1 and accept any minor version of major 0.
    public var version: UInt8
    public var channels: UInt8
    /// Samples at 48 kHz to discard from the start of the decoded output.
    public var preSkip: UInt16
    /// Sample rate of the original input, informational only (0 = unknown).
    public var inputSampleRate: UInt32
    /// Gain to apply on output, Q7.8 dB.
    public var outputGain: Int16
    public var mappingFamily: UInt8
    /// Present iff `mappingFamily != 0`.
    public var channelMapping: ChannelMapping?

    /// A mapping family 0 header (mono or stereo).
    public init(channels: UInt8, preSkip: UInt16, inputSampleRate: UInt32 = 48_000, outputGain: Int16 = 0) {
        self.version = 1
        self.channels = channels
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = outputGain
        self.mappingFamily = 0
        self.channelMapping = nil
    }

    /// Parses an identification header packet (RFC 7845 §5.1).
    public init(parsing packet: UnsafeRawBufferPointer) throws(CodecsError) {
        var r = ByteReader(bytes: packet, fault: .malformedOpusHeader(.truncated))
        guard packet.count >= 8, Array(packet[0..<8]) == Self.magic else {
            throw .malformedOpusHeader(.badMagic)
        }
        r.offset = 8
        version = try r.u8()
        guard version & 0xF0 == 0 else { throw .malformedOpusHeader(.unsupportedVersion(version)) }
        channels = try r.u8()
        guard channels >= 1 else { throw .malformedOpusHeader(.invalidChannelCount(channels)) }
        preSkip = try r.u16le()
        inputSampleRate = try r.u32le()
        outputGain = Int16(bitPattern: try r.u16le())
        mappingFamily = try r.u8()
        if mappingFamily == 0 {
            guard channels <= 2 else { throw .malformedOpusHeader(.invalidChannelCount(channels)) }
            channelMapping = nil
        } else {
            let streams = try r.u8()
            let coupled = try r.u8()
            guard streams >= 1, coupled <= streams, Int(streams) + Int(coupled) <= 255 else {
                throw .malformedOpusHeader(.invalidChannelMapping)
            }
            let table = Array(try r.bytes(Int(channels)))
            let limit = Int(streams) + Int(coupled)
            guard table.allSatisfy({ $0 == 255 || Int($0) < limit }) else {
                throw .malformedOpusHeader(.invalidChannelMapping)
            }
            channelMapping = ChannelMapping(streamCount: streams, coupledCount: coupled, mapping: table)
        }
    }

    /// Parses an identification header packet (RFC 7845 §5.1).
    public init(parsing packet: [UInt8]) throws(CodecsError) {
        self = try parsingBytes(packet) { raw throws(CodecsError) in try OpusHead(parsing: raw) }
    }

    /// Size of the serialized header: 19 bytes, plus 2 + channels with a table.
    public var encodedSize: Int {
        19 + (channelMapping.map { 2 + $0.mapping.count } ?? 0)
    }

    /// The header packet bytes.
    public func serialize() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(encodedSize)
        out.append(version)
        out.append(channels)
        out.appendLE(preSkip)
        out.appendLE(inputSampleRate)
        out.appendLE(UInt16(bitPattern: outputGain))
        out.append(mappingFamily)
        if let m = channelMapping {
            out.append(m.streamCount)
            out.append(m.coupledCount)
            out.append(contentsOf: m.mapping)
        }
        return out
    }
}
