/// Splits an H.264 Annex B byte stream (ITU-T H.264 Annex B: NAL units after
/// `00 00 01` or `00 00 00 01` start codes) into its NAL units.
public enum AnnexB {
    /// The ranges of the NAL units in `stream`, in order (empty ones skipped).
    public static func nalUnits(in stream: [UInt8]) -> [Range<Int>] {
        var starts: [(codeStart: Int, payload: Int)] = []
        var i = 0
        while i + 2 < stream.count {
            if stream[i] == 0, stream[i + 1] == 0, stream[i + 2] == 1 {
                let codeStart = i > 0 && stream[i - 1] == 0 ? i - 1 : i
                starts.append((codeStart, i + 3))
                i += 3
            } else {
                i += 1
            }
        }
        var units: [Range<Int>] = []
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1].codeStart : stream.count
            if end > start.payload { units.append(start.payload..<end) }
        }
        return units
    }

    /// The NAL units of `stream`, each with a 4-byte big-endian length (the
    /// Matroska / MP4 form).
    public static func lengthPrefixed(_ stream: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(stream.count + 16)
        for range in nalUnits(in: stream) {
            let n = range.count
            out += [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
                    UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
            out += stream[range]
        }
        return out
    }
}
