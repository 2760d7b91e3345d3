// Internal writers used by every serializer. One generic `serialize(into:)` per
// packet type drives both `write(to: inout [UInt8])` and
// `write(into: UnsafeMutableRawBufferPointer)`.

protocol ByteWriter {
    mutating func put(_ byte: UInt8)
    mutating func put(_ value: UInt16)
    mutating func put(_ value: UInt32)
    mutating func put(_ value: UInt64)
    mutating func put(_ bytes: [UInt8])
    mutating func putZeros(_ count: Int)
}

extension ByteWriter {
    @inline(__always)
    mutating func put24(_ value: UInt32) {
        put(UInt8(truncatingIfNeeded: value >> 16))
        put(UInt8(truncatingIfNeeded: value >> 8))
        put(UInt8(truncatingIfNeeded: value))
    }
}

/// Appends to an array it has taken over (see `ArrayWriter.append(to:size:_:)`).
struct ArrayWriter: ByteWriter {
    var bytes: [UInt8]

    @inline(__always) mutating func put(_ byte: UInt8) { bytes.append(byte) }
    @inline(__always) mutating func put(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
    @inline(__always) mutating func put(_ value: UInt32) {
        put(UInt16(truncatingIfNeeded: value >> 16))
        put(UInt16(truncatingIfNeeded: value))
    }
    @inline(__always) mutating func put(_ value: UInt64) {
        put(UInt32(truncatingIfNeeded: value >> 32))
        put(UInt32(truncatingIfNeeded: value))
    }
    @inline(__always) mutating func put(_ other: [UInt8]) { bytes.append(contentsOf: other) }
    @inline(__always) mutating func putZeros(_ count: Int) {
        if count > 0 { bytes.append(contentsOf: repeatElement(0, count: count)) }
    }

    /// Moves `array` into a writer (no copy-on-write), runs `body`, moves it back.
    @inline(__always)
    static func append(to array: inout [UInt8], size: Int, _ body: (inout ArrayWriter) -> Void) {
        array.reserveCapacity(array.count + size)
        var writer = ArrayWriter(bytes: [])
        swap(&writer.bytes, &array)
        body(&writer)
        swap(&writer.bytes, &array)
    }
}

/// Writes into caller-provided memory; the caller checked the capacity.
struct BufferWriter: ByteWriter {
    let base: UnsafeMutableRawBufferPointer
    var offset: Int = 0

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    @inline(__always) mutating func put(_ byte: UInt8) {
        base[offset] = byte
        offset += 1
    }
    @inline(__always) mutating func put(_ value: UInt16) {
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
        offset += 2
    }
    @inline(__always) mutating func put(_ value: UInt32) {
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }
    @inline(__always) mutating func put(_ value: UInt64) {
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
        offset += 8
    }
    @inline(__always) mutating func put(_ other: [UInt8]) {
        other.withUnsafeBytes { src in
            UnsafeMutableRawBufferPointer(rebasing: base[offset..<offset + src.count])
                .copyMemory(from: src)
        }
        offset += other.count
    }
    @inline(__always) mutating func putZeros(_ count: Int) {
        guard count > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: base[offset..<offset + count])
            .initializeMemory(as: UInt8.self, repeating: 0)
        offset += count
    }

    /// Runs `body` over `buffer` after checking that `size` bytes fit; returns `size`.
    @inline(__always)
    static func write(
        into buffer: UnsafeMutableRawBufferPointer, size: Int, _ body: (inout BufferWriter) -> Void
    ) -> Int {
        precondition(buffer.count >= size, "buffer of \(buffer.count) bytes is smaller than encodedSize \(size)")
        var writer = BufferWriter(buffer)
        body(&writer)
        assert(writer.offset == size)
        return size
    }
}
