/// Appends EBML elements (RFC 8794) to an in-memory byte buffer.
///
/// IDs are written as given (with their marker bits); sizes are VINTs.
/// The buffer is reusable: `removeAll()` keeps its capacity.
public struct EBMLWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// The reserved 8-byte VINT meaning "unknown size" (all value bits set).
    public static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    /// Largest size a VINT can carry (2^56 − 2; all-ones is reserved).
    public static let maxSize: UInt64 = (1 << 56) - 2

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    /// Empties the buffer, keeping its allocation.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Bytes an element ID occupies (1–4).
    public static func idWidth(_ id: UInt32) -> Int {
        id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1
    }

    /// Smallest VINT width (1–8) that can carry `size`.
    public static func sizeWidth(_ size: UInt64) -> Int {
        var width = 1
        while width < 8 && size >= (UInt64(1) << (7 * UInt64(width))) - 1 { width += 1 }
        return width
    }

    /// Bytes an unsigned integer element body needs (at least 1).
    public static func uintWidth(_ value: UInt64) -> Int {
        var width = 1
        while width < 8 && value >> (8 * UInt64(width)) != 0 { width += 1 }
        return width
    }

    /// Total encoded size of an element with a body of `bodySize` bytes.
    public static func elementSize(id: UInt32, bodySize: Int) -> Int {
        idWidth(id) + sizeWidth(UInt64(bodySize)) + bodySize
    }

    public mutating func writeID(_ id: UInt32) {
        let width = Self.idWidth(id)
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: id >> UInt32(shift)))
        }
    }

    /// Writes `size` as a VINT of `width` bytes (default: the smallest that fits).
    public mutating func writeSize(_ size: UInt64, width: Int? = nil) {
        let w = width ?? Self.sizeWidth(size)
        precondition((1...8).contains(w) && size < (UInt64(1) << (7 * UInt64(w))) - 1,
                     "EBML size does not fit its width")
        let marked = size | (UInt64(1) << (7 * UInt64(w)))
        for shift in stride(from: (w - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: marked >> UInt64(shift)))
        }
    }

    /// Writes the 8-byte unknown-size marker.
    public mutating func writeUnknownSize() { bytes.append(contentsOf: Self.unknownSize) }

    /// Writes an element header (ID + size).
    public mutating func writeHeader(id: UInt32, size: UInt64, sizeWidth: Int? = nil) {
        writeID(id)
        writeSize(size, width: sizeWidth)
    }

    /// Writes an unsigned integer element (big-endian, minimal width unless given).
    public mutating func writeUInt(id: UInt32, _ value: UInt64, width: Int? = nil) {
        let w = width ?? Self.uintWidth(value)
        writeHeader(id: id, size: UInt64(w))
        for shift in stride(from: (w - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Writes an 8-byte IEEE 754 float element.
    public mutating func writeFloat(id: UInt32, _ value: Double) {
        writeHeader(id: id, size: 8)
        let bits = value.bitPattern
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
    }

    /// Writes a UTF-8 string element.
    public mutating func writeString(id: UInt32, _ value: String) {
        let utf8 = Array(value.utf8)
        writeHeader(id: id, size: UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes a binary element.
    public mutating func writeBinary(id: UInt32, _ value: [UInt8]) {
        writeHeader(id: id, size: UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends raw bytes (an element body written by the caller).
    public mutating func writeRaw(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }

    /// Appends raw bytes.
    public mutating func writeRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Writes a master element whose children `body` writes; its size is exact.
    public mutating func writeMaster(id: UInt32, _ body: (inout EBMLWriter) -> Void) {
        var child = EBMLWriter()
        body(&child)
        writeHeader(id: id, size: UInt64(child.bytes.count))
        bytes.append(contentsOf: child.bytes)
    }

    /// Writes a Void element occupying exactly `totalSize` bytes (≥ 2; up to
    /// 9 bytes of it are header).
    public mutating func writeVoid(totalSize: Int) {
        precondition(totalSize >= 2, "a Void element takes at least 2 bytes")
        // Find a size width w with 1 + w + body == totalSize.
        var w = 1
        while w < 8 && totalSize - 1 - w >= (1 << (7 * w)) - 1 { w += 1 }
        let body = totalSize - 1 - w
        writeHeader(id: MatroskaID.void, size: UInt64(body), sizeWidth: w)
        bytes.append(contentsOf: repeatElement(0, count: body))
    }

    /// Overwrites `raw.count` existing bytes at `index` without allocating.
    public mutating func patch(at index: Int, _ raw: UnsafeRawBufferPointer) {
        precondition(index >= 0 && index + raw.count <= bytes.count, "patch out of range")
        bytes.withUnsafeMutableBytes { dst in
            dst.baseAddress!.advanced(by: index).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        }
    }

    /// Overwrites bytes at `index` (used to patch placeholders).
    public mutating func replace(at index: Int, with raw: [UInt8]) {
        bytes.replaceSubrange(index..<(index + raw.count), with: raw)
    }
}
