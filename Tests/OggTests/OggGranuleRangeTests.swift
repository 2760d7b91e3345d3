import Codecs
import Foundation
import Testing
@testable import Ogg

/// Issue 15, part 4: granule positions are checked. Past
/// `maxGranulePosition` (time beyond 2^63 ns) the reader throws and repair
/// refuses; positions that go backwards or are negative (not −1) are
/// counted, make the file not intact, and repair rewrites them.
@Suite struct OggGranuleRangeTests {
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0
        for b in bytes {
            c ^= UInt32(b) << 24
            for _ in 0..<8 { c = c & 0x8000_0000 != 0 ? (c << 1) ^ 0x04C1_1DB7 : c << 1 }
        }
        return c
    }

    static func page(_ granule: Int64, _ sequence: UInt32, _ flags: UInt8, _ packet: [UInt8]) -> [UInt8] {
        var p: [UInt8] = Array("OggS".utf8) + [0, flags]
        p += withUnsafeBytes(of: granule.littleEndian) { Array($0) }
        p += [7, 0, 0, 0] + withUnsafeBytes(of: sequence.littleEndian) { Array($0) }
        p += [0, 0, 0, 0, 1, UInt8(packet.count)] + packet
        let c = crc(p)
        for i in 0..<4 { p[22 + i] = UInt8(truncatingIfNeeded: c >> (8 * UInt32(i))) }
        return p
    }

    /// Headers, then one 20 ms packet per granule (the last page EOS).
    static func file(granules: [Int64], in dir: TemporaryDirectory) throws -> String {
        let head = OpusHead(channels: 1, preSkip: 312).serialize()
        let tags = OpusTags(vendor: "test").serialize()
        var bytes = page(0, 0, 0x02, head) + page(0, 1, 0, tags)
        for (i, g) in granules.enumerated() {
            bytes += page(g, UInt32(i + 2), i == granules.count - 1 ? 0x04 : 0, [0xF8, 0xFF, 0xFE])
        }
        let path = dir.path("g.ogg")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [Int64.max, OggOpusReader.maxGranulePosition + 1])
    func pastTheLimitIsRefused(granule: Int64) throws {
        let dir = try TemporaryDirectory()
        let path = try Self.file(granules: [960, granule], in: dir)
        let reader = try OggOpusReader(path: path)
        #expect(try reader.nextPacket()?.granulePosition == 960)
        #expect(throws: OggError.granuleOutOfRange(granulePosition: granule, pageSequence: 3)) { try reader.nextPacket() }
        #expect(throws: OggError.granuleOutOfRange(granulePosition: granule, pageSequence: 3)) {
            try OggOpusRepair.repair(input: path, output: path + ".out")
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".out"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!left.contains { $0.contains(".repair-") })
    }

    @Test func theLimitItselfIsRead() throws {
        let dir = try TemporaryDirectory()
        let summary = try OggOpusReader.summarize(path: try Self.file(granules: [OggOpusReader.maxGranulePosition], in: dir))
        #expect(summary.lastGranulePosition == OggOpusReader.maxGranulePosition)
        #expect(summary.isIntact && summary.badGranuleCount == 0)
    }

    @Test(arguments: [[1_272, 960, 1_920], [-5], [Int64.min, 960], [960, -2]])
    func backwardOrNegativeGranulesAreCountedAndRepaired(granules: [Int64]) throws {
        let dir = try TemporaryDirectory()
        let path = try Self.file(granules: granules, in: dir)
        let summary = try OggOpusReader.summarize(path: path)
        #expect(summary.badGranuleCount == 1)
        #expect(!summary.isIntact)
        guard case .repaired(let report) = try OggOpusRepair.repair(input: path, output: path + ".fixed") else {
            Issue.record("expected a repair"); return
        }
        #expect(report.packetsKept == granules.count)
        let fixed = try OggOpusReader.summarize(path: path + ".fixed")
        #expect(fixed.isIntact && fixed.badGranuleCount == 0)
        #expect(fixed.lastGranulePosition == Int64(granules.count * 960))
    }
}
