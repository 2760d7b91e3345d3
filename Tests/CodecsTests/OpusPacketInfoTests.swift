import CapstanTestSupport
import Testing
@testable import Codecs

/// Hand-built packets for the four frame-count codes of RFC 6716 §3.2.
struct PacketCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let config: UInt8
    let mode: OpusMode
    let bandwidth: OpusBandwidth
    let stereo: Bool
    let frameLengths: [Int]
    let padding: Int
    let totalSamples: Int
    var testDescription: String { name }
}

let packetCases: [PacketCase] = [
    // §3.2.2 code 0: config 31 (CELT FB 20 ms), mono, one 3-byte frame.
    PacketCase(name: "code 0", bytes: bytes(hex: "f8 010203"), config: 31, mode: .celt, bandwidth: .fullband,
               stereo: false, frameLengths: [3], padding: 0, totalSamples: 960),
    // §3.2.2 code 0 with an empty frame (DTX / lost, §3.2.1), stereo.
    PacketCase(name: "code 0 empty stereo", bytes: bytes(hex: "fc"), config: 31, mode: .celt, bandwidth: .fullband,
               stereo: true, frameLengths: [0], padding: 0, totalSamples: 960),
    // §3.2.3 code 1: two equal 2-byte frames.
    PacketCase(name: "code 1", bytes: bytes(hex: "f9 0102 0304"), config: 31, mode: .celt, bandwidth: .fullband,
               stereo: false, frameLengths: [2, 2], padding: 0, totalSamples: 1920),
    // §3.2.4 code 2: config 15 (Hybrid FB 20 ms), first frame 1 byte, second 2.
    PacketCase(name: "code 2", bytes: bytes(hex: "7a 01 aa bbcc"), config: 15, mode: .hybrid, bandwidth: .fullband,
               stereo: false, frameLengths: [1, 2], padding: 0, totalSamples: 1920),
    // §3.2.1 two-byte length: 252 + 4·1 = 256; config 1 (SILK NB 20 ms).
    PacketCase(name: "code 2 two-byte length", bytes: [0x0A, 252, 1] + [UInt8](repeating: 7, count: 256 + 5),
               config: 1, mode: .silk, bandwidth: .narrowband, stereo: false, frameLengths: [256, 5], padding: 0,
               totalSamples: 1920),
    // §3.2.5 code 3 CBR: config 0 (SILK NB 10 ms), M = 3, 2 bytes each.
    PacketCase(name: "code 3 CBR", bytes: bytes(hex: "03 03 0102 0304 0506"), config: 0, mode: .silk,
               bandwidth: .narrowband, stereo: false, frameLengths: [2, 2, 2], padding: 0, totalSamples: 1440),
    // §3.2.5 code 3 VBR with padding: config 28 (CELT FB 2.5 ms), v=1 p=1 M=2,
    // 2 padding bytes, first frame 1 byte, last 3.
    PacketCase(name: "code 3 VBR padded", bytes: bytes(hex: "e3 c2 02 01 aa bbccdd 0000"), config: 28, mode: .celt,
               bandwidth: .fullband, stereo: false, frameLengths: [1, 3], padding: 2, totalSamples: 240),
    // §3.2.5 padding length 255 means 254 + next byte: 254 + 1 = 255 bytes.
    PacketCase(name: "code 3 long padding", bytes: [0x9B, 0x41, 255, 1, 0xAA] + [UInt8](repeating: 0, count: 255),
               config: 19, mode: .celt, bandwidth: .narrowband, stereo: false, frameLengths: [1], padding: 255,
               totalSamples: 960),
    // §3.2.5 code 3 at the 120 ms limit: config 11 (SILK WB 60 ms), M = 2.
    PacketCase(name: "code 3 120 ms", bytes: bytes(hex: "5b 02 1111 2222"), config: 11, mode: .silk,
               bandwidth: .wideband, stereo: false, frameLengths: [2, 2], padding: 0, totalSamples: 5760),
]

@Suite struct OpusPacketInfoTests {
    @Test(arguments: packetCases)
    func parsesHandBuiltPackets(_ c: PacketCase) throws {
        let info = try OpusPacketInfo(parsing: c.bytes)
        #expect(info.config == c.config)
        #expect(info.mode == c.mode)
        #expect(info.bandwidth == c.bandwidth)
        #expect(info.isStereo == c.stereo)
        #expect(Int(info.code) == Int(c.bytes[0] & 3))
        #expect(info.frameLengths == c.frameLengths)
        #expect(info.frameCount == c.frameLengths.count)
        #expect(info.paddingLength == c.padding)
        #expect(info.totalSamples == c.totalSamples)
    }

    @Test(arguments: [
        ([UInt8](), OpusPacketFault.empty),                                        // R1
        ([0xF8] + [UInt8](repeating: 0, count: 1276), .frameTooLong),            // R2
        ([0xF9, 0x01], .code1EvenLength),                                          // R3
        ([0xFA], .frameLengthExceedsPacket),                                       // R4: no length byte
        ([0xFA, 252], .frameLengthExceedsPacket),                                  // R4: second length byte missing
        ([0xFA, 0x05, 0x01], .frameLengthExceedsPacket),                           // R4: length past the end
        ([0xFB], .frameLengthExceedsPacket),                                       // R6: no frame count byte
        ([0xFB, 0x00], .noFrames),                                                 // R5
        ([0x1B, 0x03], .durationExceeds120ms),                                     // R5: 3 × 60 ms
        ([0xE3, 0x31], .durationExceeds120ms),                                     // R5: 49 × 2.5 ms
        ([0xFB, 0x41], .paddingExceedsPacket),                                     // R6: padding byte missing
        ([0xFB, 0x41, 0x05, 0x00], .paddingExceedsPacket),                         // R6: padding past the end
        ([0xFB, 0x41, 0xFF], .paddingExceedsPacket),                               // R6: 255 needs another byte
        ([0xFB, 0x02, 0x01, 0x02, 0x03], .cbrLengthNotMultipleOfFrameCount),       // R6
        ([0xFB, 0x82, 0x05, 0x01], .frameLengthExceedsPacket),                     // R7
        ([0xFB, 0x83, 0x01], .frameLengthExceedsPacket),                           // R7: second length missing
    ])
    func rejectsMalformedPackets(bytes: [UInt8], fault: OpusPacketFault) {
        #expect(throws: CodecsError.malformedOpusPacket(fault)) { try OpusPacketInfo(parsing: bytes) }
        #expect(throws: CodecsError.malformedOpusPacket(fault)) {
            try bytes.withUnsafeBytes { raw throws(CodecsError) in try OpusPacketInfo.totalSamples(of: raw) }
        }
    }

    @Test(arguments: 0..<32)
    func everyConfigHasTheTableDuration(config: Int) throws {
        // RFC 6716 §3.1 Table 2, frame sizes in ms × 10 per config.
        let tenthsOfMs = [100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 100, 200,
                          25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200]
        let info = try OpusPacketInfo(parsing: [UInt8(config) << 3])
        #expect(info.samplesPerFrame * 10 == tenthsOfMs[config] * 48)
    }

    @Test func randomBytesNeverCrashAndParsedLayoutsFit() {
        var rng = SeededGenerator(seed: 6716)
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<40, using: &rng)
            let packet = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // The allocation-free duration agrees with the full parse on every input.
            let samples = packet.withUnsafeBytes { try? OpusPacketInfo.totalSamples(of: $0) }
            #expect(samples == (try? OpusPacketInfo(parsing: packet))?.totalSamples)
            if let info = try? OpusPacketInfo(parsing: packet) {
                parsed += 1
                #expect(info.frameLengths.reduce(0, +) + info.paddingLength < packet.count)
                #expect(info.totalSamples <= OpusPacketInfo.maxSamplesPerPacket)
            }
        }
        #expect(parsed > 0)
    }
}
