/// The `AVCDecoderConfigurationRecord` (ISO/IEC 14496-15 §5.3.3.1): Matroska's
/// CodecPrivate for `V_MPEG4/ISO/AVC`, with one SPS and one PPS and 4-byte
/// NAL unit lengths.
public enum AVCDecoderConfiguration {
    /// The record for `sps` and `pps` (whole NAL units, header byte included).
    public static func record(sps: [UInt8], pps: [UInt8]) throws(CodecsError) -> [UInt8] {
        let parsed = try H264SequenceParameterSet(parsing: sps)
        guard !pps.isEmpty, sps.count <= 0xFFFF, pps.count <= 0xFFFF else { throw .malformedH264(.notSPS) }
        var out: [UInt8] = [1, sps[1], sps[2], sps[3], 0xFC | 3, 0xE0 | 1]
        out.append(UInt8(sps.count >> 8)); out.append(UInt8(sps.count & 0xFF))
        out.append(contentsOf: sps)
        out.append(1)
        out.append(UInt8(pps.count >> 8)); out.append(UInt8(pps.count & 0xFF))
        out.append(contentsOf: pps)
        if [100, 110, 122, 144].contains(parsed.profileIDC) {
            out.append(0xFC | UInt8(parsed.chromaFormatIDC & 3))
            out.append(0xF8 | UInt8(parsed.bitDepthLumaMinus8 & 7))
            out.append(0xF8 | UInt8(parsed.bitDepthChromaMinus8 & 7))
            out.append(0)  // numOfSequenceParameterSetExt
        }
        return out
    }

    /// The first SPS and PPS of a frame of 4-byte length-prefixed NAL units.
    public static func parameterSets(inLengthPrefixed frame: [UInt8]) -> (sps: [UInt8], pps: [UInt8])? {
        var sps: [UInt8]?
        var pps: [UInt8]?
        forEachNALUnit(inLengthPrefixed: frame) { start, end in
            switch H264NALUnitType.of(frame[start]) {
            case H264NALUnitType.sps where sps == nil: sps = Array(frame[start..<end])
            case H264NALUnitType.pps where pps == nil: pps = Array(frame[start..<end])
            default: break
            }
        }
        guard let sps, let pps else { return nil }
        return (sps, pps)
    }

    /// Calls `body` with the range of each NAL unit of a 4-byte length-prefixed
    /// frame; stops at the first length that runs past the end.
    public static func forEachNALUnit(inLengthPrefixed frame: [UInt8], _ body: (Int, Int) -> Void) {
        var offset = 0
        var count = 0
        while offset + 4 <= frame.count, count < 10_000 {
            let length = Int(frame[offset]) << 24 | Int(frame[offset + 1]) << 16
                | Int(frame[offset + 2]) << 8 | Int(frame[offset + 3])
            let start = offset + 4
            guard length > 0, length <= frame.count - start else { return }
            body(start, start + length)
            offset = start + length
            count += 1
        }
    }
}
