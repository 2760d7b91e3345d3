import Foundation
import Testing
@testable import WebM

/// Issue 15, part 4: the parser shim computes frame times with checked
/// arithmetic. A time that fits in Int64 ns is delivered exactly, up to the
/// limit; one that does not stops the parse with
/// CWEBM_TIMESTAMP_OUT_OF_RANGE (-1100) where it is, after every frame before it.
@Suite struct WebMTimeRangeTests {
    private static func vint(_ v: UInt64) -> [UInt8] { [0x01] + (0..<7).map { UInt8(truncatingIfNeeded: v >> (8 * (6 - UInt64($0)))) } }
    private static func id(_ id: UInt32) -> [UInt8] { Array(withUnsafeBytes(of: id.bigEndian) { Array($0) }.drop { $0 == 0 }) }
    private static func element(_ i: UInt32, _ body: [UInt8]) -> [UInt8] { id(i) + vint(UInt64(body.count)) + body }
    private static func uint(_ i: UInt32, _ v: UInt64) -> [UInt8] { element(i, withUnsafeBytes(of: v.bigEndian) { Array($0) }) }
    private static func block(_ timecode: Int16, flags: UInt8 = 0x80, payload: [UInt8] = [1, 2, 3]) -> [UInt8] {
        let t = UInt16(bitPattern: timecode)
        return element(MatroskaID.simpleBlock, [0x81, UInt8(t >> 8), UInt8(t & 0xFF), flags] + payload)
    }
    private static func cluster(_ timecode: UInt64, _ blocks: [[UInt8]]) -> [UInt8] {
        element(MatroskaID.cluster, uint(MatroskaID.timecode, timecode) + blocks.flatMap { $0 })
    }

    /// A one-track WebM at `scale`, with the given clusters.
    private static func file(scale: UInt64, defaultDuration: UInt64? = nil, _ clusters: [[UInt8]]) -> [UInt8] {
        let header = element(MatroskaID.ebml, element(MatroskaID.docType, Array("webm".utf8)))
        let info = element(MatroskaID.info, uint(MatroskaID.timecodeScale, scale))
        let track = element(MatroskaID.trackEntry, uint(MatroskaID.trackNumber, 1) + uint(MatroskaID.trackType, 1)
            + element(MatroskaID.codecID, Array("V_VP8".utf8)) + (defaultDuration.map { uint(0x23E383, $0) } ?? []))
        return header + id(MatroskaID.segment) + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + info
            + element(MatroskaID.tracks, track) + clusters.flatMap { $0 }
    }

    private static func read(_ bytes: [UInt8]) throws -> (times: [Int64], info: WebMFileInfo) {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path("t.webm")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var times: [Int64] = []
        let info = try WebMReader.read(path: path) { times.append($0.timestampNs) }
        return (times, info)
    }

    @Test func timesUpToTheLimitAreExact() throws {
        let max = UInt64(Int64.max)
        let (times, info) = try Self.read(Self.file(scale: 1, [Self.cluster(0, [Self.block(-1), Self.block(.min)]),
                                                               Self.cluster(max - 100, [Self.block(100)])]))
        #expect(info.parseError == nil)
        #expect(times == [-1, -32_768, .max])
    }

    @Test func aClusterPastTheLimitStopsTheParseAfterTheFramesBeforeIt() throws {
        let bytes = Self.file(scale: 1_000_000, [Self.cluster(0, [Self.block(0), Self.block(40)]),
                                                 Self.cluster(UInt64(Int64.max), [Self.block(0)]),
                                                 Self.cluster(80, [Self.block(0)])])
        let (times, info) = try Self.read(bytes)
        #expect(times == [0, 40_000_000])
        #expect(info.parseError?.code == -1100)
        #expect(info.clusters.count == 1)

        // repair keeps the frames before it.
        let dir = try TempDir()
        defer { dir.cleanup() }
        let input = dir.path("in.webm"), output = dir.path("out.webm")
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        guard case .repaired(let report) = try WebMRepair.repair(input: input, output: output) else {
            Issue.record("expected a repair"); return
        }
        #expect(report.framesKept == 2 && report.inputParseError?.code == -1100)
        #expect(try WebMReader.info(path: output).isFinalized)
    }

    @Test(arguments: [
        (UInt64(1), UInt64(Int64.max), Int16(1)),      // cluster + block overflows
        (UInt64(2), UInt64(Int64.max / 2 + 1), Int16(0)), // × scale overflows
        (UInt64.max, UInt64(1), Int16(0)),              // scale past Int64
        (UInt64(1), UInt64(Int64.max) + 1, Int16(0)),  // cluster timecode past Int64
    ])
    func outOfRange(scale: UInt64, cluster: UInt64, block: Int16) throws {
        let (times, info) = try Self.read(Self.file(scale: scale, [Self.cluster(cluster, [Self.block(block)])]))
        #expect(times.isEmpty)
        #expect(info.parseError?.code == -1100)
    }

    @Test func laceOffsetsAreChecked() throws {
        // Fixed lacing, 3 frames: lace 1 is at exactly Int64.max, lace 2 past it.
        let laced = Self.block(0, flags: 0x84, payload: [0x02] + [1, 2, 3, 4, 5, 6])
        let (times, info) = try Self.read(Self.file(scale: 1, defaultDuration: UInt64(Int64.max), [Self.cluster(0, [laced])]))
        #expect(times == [0, .max])
        #expect(info.parseError?.code == -1100)
    }

    @Test func cueTimesAreChecked() throws {
        let cue = Self.element(MatroskaID.cuePoint, Self.uint(MatroskaID.cueTime, UInt64(Int64.max))
            + Self.element(MatroskaID.cueTrackPositions, Self.uint(MatroskaID.cueTrack, 1) + Self.uint(MatroskaID.cueClusterPosition, 0)))
        let (times, info) = try Self.read(Self.file(scale: 1_000_000, [Self.cluster(0, [Self.block(0)]),
                                                                       Self.element(MatroskaID.cues, cue)]))
        #expect(times == [0])
        #expect(info.parseError?.code == -1100)
        #expect(info.cuePoints.isEmpty)
    }
}
