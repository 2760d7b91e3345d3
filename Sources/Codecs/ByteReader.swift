/// Bounds-checked little-endian reads over a byte buffer, for the header
/// parsers. Every read throws `fault` instead of reading past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    let fault: CodecsError

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(CodecsError) -> UInt8 {
        guard remaining >= 1 else { throw fault }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16le() throws(CodecsError) -> UInt16 {
        guard remaining >= 2 else { throw fault }
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    mutating func u32le() throws(CodecsError) -> UInt32 {
        guard remaining >= 4 else { throw fault }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func bytes(_ count: Int) throws(CodecsError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw fault }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
    }

    mutating func appendLE(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }
}

/// Runs a typed-throwing parser over an array's bytes.
func parsingBytes<T>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CodecsError) -> T) throws(CodecsError) -> T {
    let result: Result<T, CodecsError> = array.withUnsafeBytes { raw in
        do throws(CodecsError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
