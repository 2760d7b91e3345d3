import RTP
import CapstanTestSupport
import Testing
@testable import Transport

/// RFC 4571 §2 framing as ICE-TCP carries it (RFC 6544 §3): a 16-bit big-endian LENGTH,
/// then the packet. Reads split and coalesce frames anywhere; the deframer must hand on
/// exactly the packets sent, hold at most one unfinished frame, and stop at a LENGTH no
/// WebRTC packet has.
@Suite("RFC 4571 deframer")
struct RFC4571DeframerTests {
    static func framed(_ packets: [[UInt8]]) -> [UInt8] {
        packets.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xff)] + $0 }
    }

    /// Feeds `stream` cut at `cuts` (sorted offsets); returns the frames and the last outcome.
    static func run(_ stream: [UInt8], cuts: [Int], max: Int = 2048,
                    checkBound: Bool = true) -> (frames: [[UInt8]], outcome: RFC4571Deframer.Outcome) {
        var deframer = RFC4571Deframer(maxFrameBytes: max)
        var frames: [[UInt8]] = []
        var outcome = RFC4571Deframer.Outcome.ok
        var start = 0
        for end in cuts + [stream.count] where end >= start {
            outcome = stream[start..<end].withUnsafeBytes { bytes in
                deframer.feed(bytes) { frames.append(Array($0)); return true }
            }
            if checkBound { #expect(deframer.bufferedBytes <= max + 1) }
            start = end
            if outcome != .ok { break }
        }
        return (frames, outcome)
    }

    @Test("one frame in one read, and the writer's bytes are LENGTH then the packet")
    func oneFrame() {
        let packet: [UInt8] = [0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42] + Array(repeating: 7, count: 12)
        var out = [UInt8](repeating: 0, count: packet.count + 2)
        let written = packet.withUnsafeBytes { p in out.withUnsafeMutableBytes { RFC4571Deframer.frame(p, into: $0) } }
        #expect(written == 22 && out[0] == 0 && out[1] == 20 && Array(out[2...]) == packet)
        let result = Self.run(out, cuts: [])
        #expect(result.frames == [packet] && result.outcome == .ok)
    }

    @Test("coalesced frames in one read come out in order, a zero-length frame included")
    func coalesced() {
        let packets: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 0x80, count: 1200), [0x16, 0xfe, 0xfd], [9]]
        let result = Self.run(Self.framed(packets), cuts: [])
        #expect(result.frames == packets && result.outcome == .ok)
    }

    @Test("a stream fed one octet at a time (every split point, inside LENGTH too) gives the same frames")
    func byteByByte() {
        let packets: [[UInt8]] = [[0xAA, 0xBB], Array(0..<255).map(UInt8.init), [], [0x80, 0x60, 1, 2, 3, 4]]
        let stream = Self.framed(packets)
        let result = Self.run(stream, cuts: Array(1..<stream.count))
        #expect(result.frames == packets && result.outcome == .ok)
    }

    @Test("random packets cut at random places: the packets come out exactly, the buffer stays within one frame",
          arguments: [1 as UInt64, 2, 3, 4, 5, 6, 7, 8])
    func randomCuts(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let packets: [[UInt8]] = (0..<200).map { _ in
            (0..<Int.random(in: 0...2048, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        let stream = Self.framed(packets)
        let cuts = (0..<400).map { _ in Int.random(in: 0...stream.count, using: &random) }.sorted()
        let result = Self.run(stream, cuts: cuts)
        #expect(result.outcome == .ok)
        #expect(result.frames == packets)
    }

    @Test("a LENGTH above the limit stops the deframer for good, whole or split across reads")
    func oversize() {
        let big = Self.framed([[1, 2], Array(repeating: 0, count: 2049)])
        #expect(Self.run(big, cuts: []).outcome == .oversize(length: 2049))
        #expect(Self.run(big, cuts: [2, 3, 5]).frames == [[1, 2]])
        #expect(Self.run(big, cuts: [5]).outcome == .oversize(length: 2049))
        var deframer = RFC4571Deframer(maxFrameBytes: 100)
        let first: [UInt8] = [0xff, 0xff, 1, 2]
        #expect(first.withUnsafeBytes { deframer.feed($0) { _ in true } } == .oversize(length: 65_535))
        // Afterwards nothing is taken, even a valid frame.
        var after = 0
        #expect([0, 1, 9].withUnsafeBytes { deframer.feed($0) { _ in after += 1; return true } } == .stopped)
        #expect(after == 0 && deframer.bufferedBytes == 0)
    }

    @Test("garbage streams never trap, never hold more than one frame, and stop at the first LENGTH over the limit",
          arguments: [11 as UInt64, 12, 13, 14])
    func garbage(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<50 {
            let stream = (0..<Int.random(in: 0...20_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let cuts = (0..<50).map { _ in Int.random(in: 0...stream.count, using: &random) }.sorted()
            let result = Self.run(stream, cuts: cuts, max: 1500)
            // The same stream read by hand: the frames up to the first oversize LENGTH.
            var expected: [[UInt8]] = []
            var offset = 0, expectedOutcome = RFC4571Deframer.Outcome.ok
            while stream.count - offset >= 2 {
                let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
                if length > 1500 { expectedOutcome = .oversize(length: length); break }
                guard stream.count - offset - 2 >= length else { break }
                expected.append(Array(stream[(offset + 2)..<(offset + 2 + length)]))
                offset += 2 + length
            }
            #expect(result.frames == expected)
            #expect(result.outcome == expectedOutcome)
        }
    }

    @Test("a handler that stops (the connection closed) ends the read: later frames are not handed on")
    func stop() {
        var deframer = RFC4571Deframer(maxFrameBytes: 100)
        var seen = 0
        let stream = Self.framed([[1], [2], [3]])
        let outcome = stream.withUnsafeBytes { deframer.feed($0) { _ in seen += 1; return seen < 2 } }
        #expect(outcome == .stopped && seen == 2)
    }
}
