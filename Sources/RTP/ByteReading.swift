// Internal big-endian accessors over raw buffers. Callers check bounds first;
// these never read outside `raw` when the caller's check holds.

extension UnsafeRawBufferPointer {
    @inline(__always)
    func u8(_ offset: Int) -> UInt8 {
        self[offset]
    }

    @inline(__always)
    func u16(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    func u24(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 16 | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2])
    }

    @inline(__always)
    func u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func u64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Copies `range` into a new array (used by the copying parsers only).
    @inline(__always)
    func bytes(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: self[range]))
    }
}

/// Calls `body` with the array's bytes, propagating the typed error.
@inline(__always)
func withRaw<R>(
    _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(RTPError) -> R
) throws(RTPError) -> R {
    let result: Result<R, RTPError> = bytes.withUnsafeBytes { raw in
        do throws(RTPError) {
            return .success(try body(raw))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
