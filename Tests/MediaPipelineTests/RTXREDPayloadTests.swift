import CapstanTestSupport
import RTP
import Testing
@testable import MediaPipeline

/// RTX (RFC 4588 §4) and RED (RFC 2198 §3) payload parsing.
@Suite("RTX and RED payloads")
struct RTXREDPayloadTests {
    // MARK: - RTX

    /// RFC 4588 §4 layout: RTP header, OSN (2 octets), original payload.
    @Test func rtxRetransmissionUnwrapsOSN() throws {
        // V=2, PT=97, seq 0x1B58, ts 0xFFFF0BB8, SSRC 0x55556666; OSN 0xFDE9 then a VP8 descriptor and data.
        let packet = bytes(hex: "80e1 1b58 ffff0bb8 55556666 fde9 9080 64 aabbcc")
        let header = try RTPHeader(parsing: packet)
        let payload = Array(packet[header.payloadRange])
        let content = payload.withUnsafeBytes { RTXPayload.content(of: $0) }
        #expect(content == .retransmission(originalSequenceNumber: 0xFDE9, payload: 2..<payload.count))
        #expect(Array(payload[2...]) == bytes(hex: "9080 64 aabbcc"))
    }

    @Test func rtxPaddingOnlyIsPadding() throws {
        // P bit, 224 octets of padding: a WebRTC pacer probe (no OSN at all).
        let packet = bytes(hex: "a0e1 0001 00000000 55556666") + [UInt8](repeating: 0, count: 223) + [224]
        let header = try RTPHeader(parsing: packet)
        #expect(header.payloadLength == 0 && header.paddingLength == 224)
        let payload = Array(packet[header.payloadRange])
        #expect(payload.withUnsafeBytes { RTXPayload.content(of: $0) } == .padding)
    }

    @Test(arguments: [[], [0x12], [0x12, 0x34]] as [[UInt8]])
    func rtxWithoutMediaIsPadding(payload: [UInt8]) {
        #expect(payload.withUnsafeBytes { RTXPayload.content(of: $0) } == .padding)
    }

    // MARK: - RED

    /// The RFC 2198 §4 example layout: one redundant block (PT 7, LPC,
    /// 14 octets) and the primary (PT 5, DVI4); offset 160 (20 ms at 8 kHz).
    @Test func rfc2198Example() throws {
        let lpc = [UInt8](1...14)
        let dvi4 = [UInt8](repeating: 0xD4, count: 84)
        let payload = bytes(hex: "87 02 80 0e 05") + lpc + dvi4
        let blocks = try REDPayload.blocks(in: payload)
        #expect(blocks == [
            REDBlock(payloadType: 7, timestampOffset: 160, range: 5..<19, isPrimary: false),
            REDBlock(payloadType: 5, timestampOffset: 0, range: 19..<103, isPrimary: true),
        ])
        #expect(Array(payload[blocks[0].range]) == lpc && Array(payload[blocks[1].range]) == dvi4)
        #expect(REDPayload.make(redundant: [(7, 160, lpc)], primaryPayloadType: 5, primary: dvi4) == payload)
    }

    /// What Chromium sends for `red/48000/2` with `111/111`: Opus 20 ms ago, then Opus now.
    @Test func webRTCOpusRED() throws {
        let previous = [UInt8](repeating: 0x78, count: 0x50)
        let current = [UInt8](repeating: 0x79, count: 0x48)
        let payload = bytes(hex: "ef 0f 00 50 6f") + previous + current
        let blocks = try REDPayload.blocks(in: payload)
        #expect(blocks.map(\.payloadType) == [111, 111])
        #expect(blocks.map(\.timestampOffset) == [960, 0])
        #expect(Array(payload[blocks[0].range]) == previous && Array(payload[blocks[1].range]) == current)
        // Two redundant blocks (40 and 20 ms ago), 10-bit lengths above 255.
        let old = [UInt8](repeating: 1, count: 300), mid = [UInt8](repeating: 2, count: 1023)
        let two = REDPayload.make(redundant: [(111, 1920, old), (111, 960, mid)], primaryPayloadType: 111, primary: current)
        #expect(Array(two.prefix(9)) == bytes(hex: "ef 1e 01 2c ef 0f 03 ff 6f"))
        let parsed = try REDPayload.blocks(in: two)
        #expect(parsed.map(\.timestampOffset) == [1920, 960, 0])
        #expect(parsed.map(\.range.count) == [300, 1023, current.count])
        // Primary only (the first packet of a stream): one header octet.
        #expect(try REDPayload.blocks(in: [0x6f, 0xAA]) == [REDBlock(payloadType: 111, timestampOffset: 0, range: 1..<2, isPrimary: true)])
    }

    @Test("hostile RED headers are refused", arguments: [
        ([], REDPayload.Fault.truncatedHeader),                                   // nothing
        ([0xef, 0x0f, 0x00], .truncatedHeader),                                   // 4-octet header cut short
        ([0xef, 0x0f, 0x00, 0x01], .truncatedHeader),                             // no primary header
        ([0xef, 0x0f, 0x03, 0xff, 0x6f, 1, 2, 3], .blockPastEnd),                 // length 1023, 3 octets there
        ([0xef, 0x0f, 0x00, 0x02, 0xef, 0x07, 0x80, 0x02, 0x6f, 1, 2, 3], .blockPastEnd),  // sum past the end
        ([0xef, 0x0f, 0x00, 0x00, 0xef, 0x1e, 0x00, 0x00, 0x6f], .offsetsNotDecreasing),   // 960 then 1920: backwards
        ([0xef, 0x0f, 0x00, 0x00, 0xef, 0x0f, 0x00, 0x00, 0x6f], .offsetsNotDecreasing),   // equal offsets
        ([0xef, 0x00, 0x00, 0x00, 0x6f, 0xAA], .offsetsNotDecreasing),            // offset 0 for a redundant block
        ([UInt8](repeating: 0, count: 0) + (0..<9).flatMap { i -> [UInt8] in
            let offset = UInt16(0x3FFF - i)
            return [0xef, UInt8(offset >> 6), UInt8((offset & 0x3F) << 2), 0]
        } + [0x6f], .tooManyBlocks),                                               // 9 redundant blocks
    ] as [([UInt8], REDPayload.Fault)])
    func hostile(payload: [UInt8], fault: REDPayload.Fault) {
        #expect(throws: fault) { try REDPayload.blocks(in: payload) }
        var called = false
        _ = try? payload.withUnsafeBytes { raw in try REDPayload.forEachBlock(in: raw) { _ in called = true } }
        #expect(!called, "no block is handed out of a refused payload")
    }

    /// Random octets never trap; what parses has contiguous blocks that end
    /// exactly at the end of the payload, offsets strictly decreasing to 0.
    @Test func randomPayloadsNeverTrap() {
        var rng = XorShiftStar(seed: 2198)
        var accepted = 0
        for _ in 0..<50_000 {
            let count = Int(rng.next() % 40)
            var payload = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Bias towards plausible headers: short lengths.
            if count > 3, rng.next() % 2 == 0 { payload[2] &= 0xFC; payload[3] %= 8 }
            guard let blocks = try? REDPayload.blocks(in: payload) else { continue }
            accepted += 1
            #expect(blocks.last?.isPrimary == true && blocks.last?.range.upperBound == payload.count)
            #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.range.upperBound == $1.range.lowerBound
                && $0.timestampOffset > $1.timestampOffset })
            #expect(blocks.count <= REDPayload.maxRedundantBlocks + 1)
        }
        #expect(accepted > 1_000)
    }
}
