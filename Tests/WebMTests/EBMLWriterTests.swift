import Testing
@testable import WebM

@Suite struct EBMLWriterTests {
    /// VINT encodings from RFC 8794 §4: the all-ones value is reserved, so
    /// 127 needs two bytes.
    static let vints: [(UInt64, [UInt8])] = [
        (0, [0x80]),
        (1, [0x81]),
        (126, [0xFE]),
        (127, [0x40, 0x7F]),
        (16_382, [0x7F, 0xFE]),
        (16_383, [0x20, 0x3F, 0xFF]),
        ((1 << 56) - 2, [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]),
    ]

    @Test(arguments: EBMLWriterTests.vints)
    func vintSizes(_ value: UInt64, _ expected: [UInt8]) {
        var w = EBMLWriter()
        w.writeSize(value)
        #expect(w.bytes == expected)
    }

    @Test func fixedWidthSizeAndUnknownSize() {
        var w = EBMLWriter()
        w.writeSize(5, width: 8)
        #expect(w.bytes == [0x01, 0, 0, 0, 0, 0, 0, 5])
        w.removeAll()
        w.writeUnknownSize()
        #expect(w.bytes == EBMLWriter.unknownSize)
    }

    static let idCases: [(UInt32, [UInt8])] = [
        (0xEC, [0xEC]),
        (0x4286, [0x42, 0x86]),
        (0x2AD7B1, [0x2A, 0xD7, 0xB1]),
        (0x1A45DFA3, [0x1A, 0x45, 0xDF, 0xA3]),
    ]

    @Test(arguments: EBMLWriterTests.idCases)
    func ids(_ id: UInt32, _ expected: [UInt8]) {
        var w = EBMLWriter()
        w.writeID(id)
        #expect(w.bytes == expected)
    }

    @Test func elements() {
        var w = EBMLWriter()
        w.writeUInt(id: 0xD7, 1)
        #expect(w.bytes == [0xD7, 0x81, 0x01])
        w.removeAll()
        w.writeUInt(id: 0x2AD7B1, 1_000_000)
        #expect(w.bytes == [0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40])
        w.removeAll()
        w.writeUInt(id: 0xD7, 0)
        #expect(w.bytes == [0xD7, 0x81, 0x00])
        w.removeAll()
        w.writeFloat(id: 0x4489, 1.5)
        #expect(w.bytes == [0x44, 0x89, 0x88, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0])
        w.removeAll()
        w.writeString(id: 0x4282, "webm")
        #expect(w.bytes == [0x42, 0x82, 0x84] + Array("webm".utf8))
        w.removeAll()
        w.writeMaster(id: 0xE0) { $0.writeUInt(id: 0xB0, 640) }
        #expect(w.bytes == [0xE0, 0x84, 0xB0, 0x82, 0x02, 0x80])
    }

    @Test(arguments: [2, 3, 11, 96, 128, 129, 130, 16_386, 16_387, 100_000])
    func voidFillsExactly(_ total: Int) {
        var w = EBMLWriter()
        w.writeVoid(totalSize: total)
        #expect(w.count == total)
        #expect(w.bytes[0] == 0xEC)
        // The size VINT decodes to what remains.
        let first = w.bytes[1]
        let width = first.leadingZeroBitCount + 1
        var size = UInt64(first & (0xFF >> UInt8(width)))
        for b in w.bytes[2..<(1 + width)] { size = size << 8 | UInt64(b) }
        #expect(Int(size) == total - 1 - width)
    }
}
