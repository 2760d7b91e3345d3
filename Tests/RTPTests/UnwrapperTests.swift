import Testing
import RTP

@Suite struct UnwrapperTests {
    static let sequenceCases: [(input: [UInt16], expected: [Int64])] = [
        ([1, 2, 3, 4], [1, 2, 3, 4]),                                   // monotone
        ([65534, 65535, 0, 1], [65534, 65535, 65536, 65537]),           // wrap
        ([65535, 1, 0, 2], [65535, 65537, 65536, 65538]),               // reorder across the wrap
        ([2, 1, 65535, 0, 3], [2, 1, -1, 0, 3]),                        // reorder back below zero
        ([0, 30000, 60000, 24464, 0], [0, 30000, 60000, 90000, 65536]),  // steps < 2^15 either way
        ([100, 40000], [100, -25536]),                                  // jump ≥ 2^15 is read backwards
        ([65535, 65535, 0, 0], [65535, 65535, 65536, 65536]),           // duplicates
    ]

    @Test(arguments: sequenceCases)
    func sequenceNumbers(input: [UInt16], expected: [Int64]) {
        var unwrapper = SequenceNumberUnwrapper()
        #expect(input.map { unwrapper.unwrap($0) } == expected)
    }

    @Test func sequenceManyWraps() {
        var unwrapper = SequenceNumberUnwrapper()
        var last: Int64 = -1
        for step in 0..<300_000 {
            let value = unwrapper.unwrap(UInt16(truncatingIfNeeded: step))
            #expect(value == last + 1)
            last = value
            if value != Int64(step) { break }
        }
        #expect(last == 299_999)
    }

    @Test func peekDoesNotUpdate() {
        var unwrapper = SequenceNumberUnwrapper()
        _ = unwrapper.unwrap(65535)
        #expect(unwrapper.peek(0) == 65536)
        #expect(unwrapper.lastUnwrapped == 65535)
    }

    static let timestampCases: [(input: [UInt32], expected: [Int64])] = [
        ([0, 960, 1920], [0, 960, 1920]),
        ([0xFFFF_FC40, 0, 0x3C0], [0xFFFF_FC40, 0x1_0000_0000, 0x1_0000_03C0]),       // wrap
        ([0xFFFF_FFF0, 0x10, 0xFFFF_FFFF], [0xFFFF_FFF0, 0x1_0000_0010, 0xFFFF_FFFF]), // reorder across wrap
        ([0, 0x7FFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFD], [0, 0x7FFF_FFFF, 0xFFFF_FFFE, 0x1_7FFF_FFFD]), // big steps
        ([5, 0x8000_0005], [5, -0x7FFF_FFFB]),                                          // 2^31 jump reads backwards
    ]

    @Test(arguments: timestampCases)
    func timestamps(input: [UInt32], expected: [Int64]) {
        var unwrapper = TimestampUnwrapper()
        #expect(input.map { unwrapper.unwrap($0) } == expected)
    }
}
