import CapstanTestSupport
import Testing
@testable import MediaPipeline

@Suite struct VP8PayloadDescriptorTests {
    /// RFC 7741 §4.6 examples: the descriptor octets of each figure and what they say.
    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let hex: String
        let descriptor: VP8PayloadDescriptor
        var testDescription: String { name }
    }

    static let rfcExamples: [Example] = [
        // §4.6.1 key frame in a single packet: X=1 S=1, I=1, 7-bit PictureID 17.
        Example(name: "4.6.1 keyframe, PictureID 17", hex: "90 80 11",
                descriptor: .init(isStartOfPartition: true, pictureID: .short(17))),
        // §4.6.2 non-discardable interframe, no PictureID: X=0 S=1.
        Example(name: "4.6.2 interframe, no extension", hex: "10",
                descriptor: .init(isStartOfPartition: true)),
        // §4.6.3 partitions in separate packets: second packet S=1 PartID=1.
        Example(name: "4.6.3 partition 1", hex: "91 80 11",
                descriptor: .init(isStartOfPartition: true, partitionIndex: 1, pictureID: .short(17))),
        // §4.6.4 frame fragmented: continuation packet S=0, I=1, M=1, PictureID 17 in 15 bits.
        Example(name: "4.6.4 continuation, 15-bit PictureID 17", hex: "80 80 80 11",
                descriptor: .init(isStartOfPartition: false, pictureID: .long(17))),
        // §4.6.5 long PictureID 4711 = 0x1267: M=1 then 0x12, 0x67.
        Example(name: "4.6.5 PictureID 4711", hex: "90 80 92 67",
                descriptor: .init(isStartOfPartition: true, pictureID: .long(4711))),
        // Every field: N=1, S=0, PID=3; I (15-bit 0x7FFF), L (TL0PICIDX 0xAB), T (TID 2), Y, K (KEYIDX 17).
        Example(name: "all fields", hex: "A3 F0 FF FF AB B1",
                descriptor: .init(isNonReference: true, isStartOfPartition: false, partitionIndex: 3,
                                  pictureID: .long(0x7FFF), tl0PictureIndex: 0xAB, temporalLayerIndex: 2,
                                  isLayerSync: true, keyIndex: 17)),
        // T without K: TID 1, Y=0.
        Example(name: "T only", hex: "90 20 40",
                descriptor: .init(isStartOfPartition: true, temporalLayerIndex: 1)),
        // K without T: KEYIDX 5; TID bits are 0.
        Example(name: "K only", hex: "90 10 05",
                descriptor: .init(isStartOfPartition: true, keyIndex: 5)),
        // L with a 7-bit PictureID: I, L set.
        Example(name: "I and L", hex: "90 C0 7F 09",
                descriptor: .init(isStartOfPartition: true, pictureID: .short(127), tl0PictureIndex: 9)),
    ]

    @Test(arguments: rfcExamples)
    func parsesAndSerializesExample(_ example: Example) throws {
        let wire = bytes(hex: example.hex)
        let parsed = try VP8PayloadDescriptor(parsing: wire + [0x9D, 0x01])
        #expect(parsed == example.descriptor)
        #expect(parsed.encodedSize == wire.count)
        #expect(parsed.bytes == wire)
        #expect(example.descriptor.bytes == wire)
    }

    @Test func reservedBitsAreIgnoredOnParse() throws {
        // R bits (0x40, 0x08) and RSV (0x0F of the X octet) set: ignored.
        let parsed = try VP8PayloadDescriptor(parsing: [0xD8, 0x8F, 0x05, 0xFF])
        #expect(parsed == VP8PayloadDescriptor(isStartOfPartition: true, pictureID: .short(5)))
        #expect(parsed.encodedSize == 3)
    }

    @Test(arguments: [
        "",             // empty
        "80",           // X=1 without the X octet
        "80 80",        // I=1 without PictureID
        "80 80 80",     // M=1 without the second PictureID octet
        "80 40",        // L=1 without TL0PICIDX
        "80 20",        // T=1 without the T/K octet
        "80 10",        // K=1 without the T/K octet
        "80 F0 81 02 03",  // all set, T/K octet missing
    ])
    func truncatedDescriptorsThrow(hex: String) {
        #expect(throws: MediaPipelineError.truncatedVP8Descriptor) {
            try VP8PayloadDescriptor(parsing: bytes(hex: hex))
        }
    }

    @Test func randomDescriptorsRoundTrip() throws {
        var rng = SeededGenerator(seed: 7741)
        for _ in 0..<2000 {
            let pictureID: VP8PictureID? = switch rng.next() % 3 {
            case 0: nil
            case 1: .short(UInt8(rng.next() % 128))
            default: .long(UInt16(rng.next() % 32768))
            }
            let d = VP8PayloadDescriptor(
                isNonReference: rng.next() & 1 == 0, isStartOfPartition: rng.next() & 1 == 0,
                partitionIndex: UInt8(rng.next() % 8), pictureID: pictureID,
                tl0PictureIndex: rng.next() & 1 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : nil,
                temporalLayerIndex: rng.next() & 1 == 0 ? UInt8(rng.next() % 4) : nil,
                isLayerSync: false, keyIndex: rng.next() & 1 == 0 ? UInt8(rng.next() % 32) : nil)
            var d2 = d
            d2.isLayerSync = (d.temporalLayerIndex != nil || d.keyIndex != nil) && rng.next() & 1 == 0
            let wire = d2.bytes
            #expect(wire.count == d2.encodedSize)
            #expect(try VP8PayloadDescriptor(parsing: wire) == d2)
        }
    }

    @Test func garbageNeverCrashes() {
        var rng = SeededGenerator(seed: 99)
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 8)
            let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if let d = try? VP8PayloadDescriptor(parsing: data) {
                parsed += 1
                #expect(d.encodedSize <= data.count)
            }
        }
        #expect(parsed > 0)
    }

    @Test func pictureIDWraps() {
        #expect(VP8PictureID.short(127).next == .short(0))
        #expect(VP8PictureID.long(0x7FFF).next == .long(0))
        #expect(VP8PictureID.long(4711).value == 4711)
    }
}
