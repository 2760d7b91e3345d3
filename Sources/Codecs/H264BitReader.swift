/// Reads the bits of an H.264 NAL unit's RBSP (ITU-T H.264 §7.2, §7.3.1):
/// fixed-width fields, unsigned and signed Exp-Golomb codes (§9.1), with
/// emulation prevention bytes (`00 00 03`) skipped as it goes. Every read is
/// bounds-checked and throws `fault` past the end; codes longer than 32 bits
/// are refused (no value in a valid SPS or slice header needs them).
public struct H264BitReader {
    private let bytes: UnsafeRawBufferPointer
    private let fault: CodecsError
    private var index = 0
    private var zeros = 0
    private var current: UInt8 = 0
    private var bitsLeft = 0

    /// - Parameter bytes: the NAL unit after its 1-byte header (the RBSP with
    ///   emulation prevention bytes still in it).
    public init(_ bytes: UnsafeRawBufferPointer, fault: CodecsError = .malformedH264(.truncated)) {
        self.bytes = bytes
        self.fault = fault
    }

    /// One bit.
    public mutating func bit() throws(CodecsError) -> UInt32 {
        if bitsLeft == 0 {
            guard index < bytes.count else { throw fault }
            var byte = bytes[index]
            index += 1
            if zeros >= 2 && byte == 3 {  // emulation_prevention_three_byte
                zeros = 0
                guard index < bytes.count else { throw fault }
                byte = bytes[index]
                index += 1
            }
            zeros = byte == 0 ? zeros + 1 : 0
            current = byte
            bitsLeft = 8
        }
        bitsLeft -= 1
        return UInt32((current >> UInt8(bitsLeft)) & 1)
    }

    /// `u(n)`, n ≤ 32.
    public mutating func bits(_ count: Int) throws(CodecsError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<min(max(count, 0), 32) { value = value << 1 | (try bit()) }
        return value
    }

    public mutating func flag() throws(CodecsError) -> Bool { try bit() == 1 }

    /// `ue(v)` (§9.1): at most 31 leading zeros, so the value fits 32 bits.
    public mutating func ue() throws(CodecsError) -> UInt32 {
        var leadingZeros = 0
        while try bit() == 0 {
            leadingZeros += 1
            guard leadingZeros <= 31 else { throw .malformedH264(.expGolombTooLong) }
        }
        guard leadingZeros > 0 else { return 0 }
        let suffix = try bits(leadingZeros)
        return UInt32((UInt64(1) << UInt64(leadingZeros)) - 1 + UInt64(suffix))
    }

    /// `se(v)` (§9.1.1).
    public mutating func se() throws(CodecsError) -> Int64 {
        let k = Int64(try ue())
        return k & 1 == 1 ? (k + 1) / 2 : -(k / 2)
    }
}
