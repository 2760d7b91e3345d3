/// Internal: a value with a size and a generic serializer, from which the public
/// `write(to:)` / `write(into:)` pairs of each packet type are made.
protocol WireSerializable {
    var encodedSize: Int { get }
    func serialize<W: ByteWriter>(into writer: inout W)
}

extension WireSerializable {
    func appendBytes(to bytes: inout [UInt8]) {
        ArrayWriter.append(to: &bytes, size: encodedSize) { serialize(into: &$0) }
    }

    func writeBytes(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        BufferWriter.write(into: buffer, size: encodedSize) { serialize(into: &$0) }
    }
}
