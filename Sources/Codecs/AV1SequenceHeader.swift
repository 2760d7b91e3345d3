/// The fields of an AV1 sequence header OBU (AV1 spec §5.5) that a recorder
/// needs: profile, level and tier of operating point 0, colour format (bit
/// depth, monochrome, subsampling, chroma sample position), the largest frame
/// size, and the flag that changes how frame headers start. Parsed with
/// `BitReader`; garbage throws `CodecsError.malformedAV1`.
public struct AV1SequenceHeader: Equatable, Sendable {
    public var profile: UInt8
    public var stillPicture: Bool
    public var reducedStillPictureHeader: Bool
    public var level: UInt8
    public var tier: UInt8
    public var initialDisplayDelayMinusOne: UInt8?
    public var maxWidth: Int
    public var maxHeight: Int
    public var bitDepth: Int
    public var monochrome: Bool
    public var subsamplingX: Bool
    public var subsamplingY: Bool
    public var chromaSamplePosition: UInt8

    /// OBU types (AV1 spec §6.2.2).
    public enum OBUType {
        public static let sequenceHeader: UInt8 = 1
        public static let temporalDelimiter: UInt8 = 2
        public static let frameHeader: UInt8 = 3
        public static let tileGroup: UInt8 = 4
        public static let metadata: UInt8 = 5
        public static let frame: UInt8 = 6
        public static let redundantFrameHeader: UInt8 = 7
        public static let tileList: UInt8 = 8
        public static let padding: UInt8 = 15
    }

    /// Parses the payload of a sequence header OBU (after its header and size).
    public init(parsing payload: UnsafeRawBufferPointer) throws(CodecsError) {
        var r = BitReader(payload, fault: .malformedAV1(.truncated))
        profile = UInt8(try r.bits(3))
        guard profile <= 2 else { throw .malformedAV1(.outOfRange("seq_profile \(profile)")) }
        stillPicture = try r.flag()
        reducedStillPictureHeader = try r.flag()
        initialDisplayDelayMinusOne = nil
        if reducedStillPictureHeader {
            level = UInt8(try r.bits(5))
            tier = 0
        } else {
            var decoderModelInfo = false
            var bufferDelayLength = 0
            if try r.flag() {  // timing_info_present_flag
                try r.skip(64)  // num_units_in_display_tick, time_scale
                if try r.flag() { _ = try r.uvlc() }  // equal_picture_interval
                decoderModelInfo = try r.flag()
                if decoderModelInfo {
                    bufferDelayLength = Int(try r.bits(5)) + 1
                    try r.skip(32 + 5 + 5)
                }
            }
            let initialDisplayDelayPresent = try r.flag()
            let count = Int(try r.bits(5)) + 1
            var level0: UInt8 = 0, tier0: UInt8 = 0
            for i in 0..<count {
                _ = try r.bits(12)  // operating_point_idc
                let lvl = UInt8(try r.bits(5))
                let tr: UInt8 = lvl > 7 ? UInt8(try r.bit()) : 0
                if decoderModelInfo, try r.flag() { try r.skip(2 * bufferDelayLength + 1) }
                var delay: UInt8?
                if initialDisplayDelayPresent, try r.flag() { delay = UInt8(try r.bits(4)) }
                if i == 0 { level0 = lvl; tier0 = tr; initialDisplayDelayMinusOne = delay }
            }
            level = level0
            tier = tier0
        }
        let widthBits = Int(try r.bits(4)) + 1
        let heightBits = Int(try r.bits(4)) + 1
        maxWidth = Int(try r.bits(widthBits)) + 1
        maxHeight = Int(try r.bits(heightBits)) + 1
        if !reducedStillPictureHeader, try r.flag() { try r.skip(4 + 3) }  // frame_id_numbers_present_flag
        try r.skip(3)  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        if !reducedStillPictureHeader {
            try r.skip(4)  // interintra, masked compound, warped motion, dual filter
            let orderHint = try r.flag()
            if orderHint { try r.skip(2) }
            var forceScreenContent: UInt32 = 2
            if !(try r.flag()) { forceScreenContent = try r.bit() }
            if forceScreenContent > 0 {
                if !(try r.flag()) { _ = try r.bit() }
            }
            if orderHint { try r.skip(3) }
        }
        try r.skip(3)  // enable_superres, enable_cdef, enable_restoration
        // color_config() (§5.5.2)
        let highBitDepth = try r.flag()
        if profile == 2 && highBitDepth {
            bitDepth = try r.flag() ? 12 : 10
        } else {
            bitDepth = highBitDepth ? 10 : 8
        }
        monochrome = profile == 1 ? false : try r.flag()
        var primaries: UInt32 = 2, transfer: UInt32 = 2, matrix: UInt32 = 2
        if try r.flag() {
            primaries = try r.bits(8); transfer = try r.bits(8); matrix = try r.bits(8)
        }
        chromaSamplePosition = 0
        if monochrome {
            _ = try r.bit()
            subsamplingX = true; subsamplingY = true
        } else if primaries == 1 && transfer == 13 && matrix == 0 {
            subsamplingX = false; subsamplingY = false
        } else {
            _ = try r.bit()  // color_range
            if profile == 0 {
                subsamplingX = true; subsamplingY = true
            } else if profile == 1 {
                subsamplingX = false; subsamplingY = false
            } else if bitDepth == 12 {
                subsamplingX = try r.flag()
                subsamplingY = subsamplingX ? try r.flag() : false
            } else {
                subsamplingX = true; subsamplingY = false
            }
            if subsamplingX && subsamplingY { chromaSamplePosition = UInt8(try r.bits(2)) }
        }
        guard maxWidth <= 65536, maxHeight <= 65536 else { throw .malformedAV1(.outOfRange("frame size")) }
    }

    public init(parsing payload: [UInt8]) throws(CodecsError) {
        let result: Result<AV1SequenceHeader, CodecsError> = payload.withUnsafeBytes { raw in
            do throws(CodecsError) { return .success(try AV1SequenceHeader(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// The `AV1CodecConfigurationRecord` (AV1 ISOBMFF binding §2.3.3, the
    /// Matroska `V_AV1` CodecPrivate): 4 bytes from this header, then the
    /// sequence header OBU itself (`obu`, in low-overhead format: with its size field).
    public func codecConfigurationRecord(sequenceHeaderOBU obu: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x81]  // marker 1, version 1
        out.append(profile << 5 | (level & 0x1F))
        var b: UInt8 = tier << 7
        if bitDepth > 8 { b |= 0x40 }
        if bitDepth == 12 { b |= 0x20 }
        if monochrome { b |= 0x10 }
        if subsamplingX { b |= 0x08 }
        if subsamplingY { b |= 0x04 }
        b |= chromaSamplePosition & 0x03
        out.append(b)
        if let delay = initialDisplayDelayMinusOne { out.append(0x10 | (delay & 0x0F)) } else { out.append(0) }
        return out + obu
    }
}

/// Walks the OBUs of a temporal unit in low-overhead bitstream format (every
/// OBU with `obu_has_size_field` = 1, AV1 spec §5.2).
public enum AV1OBUs {
    /// The OBUs of `data`: type, the whole OBU's range, its payload's range.
    /// Stops at the first malformed one.
    public static func walk(_ data: [UInt8]) -> [(type: UInt8, obu: Range<Int>, payload: Range<Int>)] {
        var out: [(UInt8, Range<Int>, Range<Int>)] = []
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let header = raw[offset]
                guard header & 0x80 == 0 else { return }
                let type = (header >> 3) & 0x0F
                let headerLength = header & 0x04 != 0 ? 2 : 1
                guard offset + headerLength <= raw.count else { return }
                var start = offset + headerLength
                var size = raw.count - start
                if header & 0x02 != 0 {
                    guard let leb = readLEB128(raw, at: start) else { return }
                    start += leb.length
                    size = leb.value
                }
                guard size <= raw.count - start else { return }
                out.append((type, offset..<(start + size), start..<(start + size)))
                offset = start + size
            }
        }
        return out
    }

    /// The first sequence header OBU of a temporal unit, parsed, with its bytes.
    public static func sequenceHeader(in data: [UInt8]) -> (header: AV1SequenceHeader, obu: [UInt8])? {
        for obu in walk(data) where obu.type == AV1SequenceHeader.OBUType.sequenceHeader {
            guard let parsed = try? AV1SequenceHeader(parsing: Array(data[obu.payload])) else { return nil }
            return (parsed, Array(data[obu.obu]))
        }
        return nil
    }

    /// The av1C CodecPrivate for a temporal unit that holds a sequence header.
    public static func codecConfigurationRecord(fromTemporalUnit data: [UInt8]) -> [UInt8]? {
        guard let (header, obu) = sequenceHeader(in: data) else { return nil }
        return header.codecConfigurationRecord(sequenceHeaderOBU: obu)
    }
}
