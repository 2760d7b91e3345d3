/// Reads big-endian bit fields from a byte buffer, most significant bit
/// first: VP9's uncompressed header (`f(n)`, VP9 spec §4.9) and AV1's OBU
/// syntax (`f(n)`, `leb128()`, `uvlc()`, AV1 spec §4.10). No emulation
/// prevention (neither codec has any). Every read is bounds-checked and
/// throws `fault` past the end. Does not allocate.
public struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private let fault: CodecsError
    /// The bit position from the start of `bytes`.
    public private(set) var position = 0

    public init(_ bytes: UnsafeRawBufferPointer, fault: CodecsError) {
        self.bytes = bytes
        self.fault = fault
    }

    /// Bits not read yet.
    public var remaining: Int { bytes.count * 8 - position }

    /// One bit.
    public mutating func bit() throws(CodecsError) -> UInt32 {
        guard position < bytes.count * 8 else { throw fault }
        let byte = bytes[position >> 3]
        let value = UInt32((byte >> UInt8(7 - (position & 7))) & 1)
        position += 1
        return value
    }

    /// `f(n)`, n ≤ 32.
    public mutating func bits(_ count: Int) throws(CodecsError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<min(max(count, 0), 32) { value = value << 1 | (try bit()) }
        return value
    }

    public mutating func flag() throws(CodecsError) -> Bool { try bit() == 1 }

    /// Skips `count` bits.
    public mutating func skip(_ count: Int) throws(CodecsError) {
        guard count >= 0, count <= remaining else { throw fault }
        position += count
    }

    /// AV1 `uvlc()` (§4.10.3): at most 31 leading zeros.
    public mutating func uvlc() throws(CodecsError) -> UInt32 {
        var leadingZeros = 0
        while try bit() == 0 {
            leadingZeros += 1
            guard leadingZeros < 32 else { throw fault }
        }
        guard leadingZeros > 0 else { return 0 }
        let value = try bits(leadingZeros)
        return UInt32((UInt64(1) << UInt64(leadingZeros)) - 1 + UInt64(value))
    }
}

/// AV1 `leb128()` (AV1 spec §4.10.5) at `offset` in `bytes`: the value and
/// the number of bytes it took, or nil when it runs past the end, takes more
/// than 8 bytes or exceeds 2^32 - 1 (the spec's bound).
@inlinable
public func readLEB128(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (value: Int, length: Int)? {
    var value: UInt64 = 0
    var i = 0
    while i < 8 {
        guard offset + i < bytes.count else { return nil }
        let byte = bytes[offset + i]
        value |= UInt64(byte & 0x7F) << UInt64(i * 7)
        i += 1
        if byte & 0x80 == 0 {
            guard value <= UInt64(UInt32.max) else { return nil }
            return (Int(value), i)
        }
    }
    return nil
}

/// Appends `value` as `leb128()` (the fewest bytes).
@inlinable
public func appendLEB128(_ value: Int, to out: inout [UInt8]) {
    var v = UInt64(max(0, value))
    repeat {
        var byte = UInt8(v & 0x7F)
        v >>= 7
        if v != 0 { byte |= 0x80 }
        out.append(byte)
    } while v != 0
}
