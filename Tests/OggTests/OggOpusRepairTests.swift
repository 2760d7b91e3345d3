import Foundation
import Testing
import Codecs
@testable import Ogg

@Suite struct OggOpusRepairTests {
    /// Cut points as fractions of the file (each past the first audio page).
    @Test(arguments: [0.15, 0.31, 0.5, 0.77, 0.999])
    func truncatedFilesAreReportedAndRepaired(fraction: Double) throws {
        let dir = try TemporaryDirectory()
        let original = dir.path("tone.ogg")
        let (packets, head) = try writeToneFile(original, seconds: 10)
        let full = try Data(contentsOf: URL(fileURLWithPath: original))
        let cutAt = Int(Double(full.count) * fraction)
        let cut = full.prefix(cutAt)
        let truncated = dir.path("truncated.ogg")
        try Data(cut).write(to: URL(fileURLWithPath: truncated))

        // Independent count: packets completed on the complete pages of the cut file.
        let completePages = walkPages(Data(cut))
        let expectedPackets = completePages.reduce(0) { $0 + $1.packetsCompleted } - 2
        let onBoundary = completePages.last.map { $0.offset + $0.length == cutAt } ?? false

        let summary = try OggOpusReader.summarize(path: truncated)
        #expect(summary.truncated == !onBoundary)
        #expect(!summary.endOfStreamSeen)
        #expect(!summary.isIntact)
        #expect(summary.packetCount == expectedPackets)
        #expect(summary.packetCount < packets.count)
        try #require(expectedPackets > 0, "cut point must leave at least one audio page")
        #expect(summary.pageCount == completePages.count)

        let repaired = dir.path("repaired.ogg")
        let result = try OggOpusRepair.repair(input: truncated, output: repaired)
        guard case .repaired(let report) = result else { Issue.record("expected a repair, got \(result)"); return }
        #expect(report.packetsKept == expectedPackets)
        #expect(report.durationSamples == Int64(expectedPackets * 960) - Int64(head.preSkip))

        let info = try runTool("opusinfo", [repaired], in: dir.url)
        #expect(info.status == 0, "opusinfo: \(info.allText)")
        #expect(!info.allText.contains("WARNING"), "opusinfo: \(info.allText)")
        #expect(try ffprobePacketCount(repaired, in: dir) == expectedPackets)
        let after = try OggOpusReader(path: repaired)
        #expect(after.head == head)
        #expect(after.tags?.vendor == "Capstan 0.1.0")
        var kept: [[UInt8]] = []
        let afterSummary = try after.forEachPacket { kept.append($0.data) }
        #expect(afterSummary.isIntact)
        #expect(kept == Array(packets.prefix(expectedPackets)))
    }

    @Test func cutExactlyAtAPageBoundaryIsUnfinalizedNotTruncated() throws {
        let dir = try TemporaryDirectory()
        let original = dir.path("tone.ogg")
        _ = try writeToneFile(original, seconds: 4)
        let full = try Data(contentsOf: URL(fileURLWithPath: original))
        let pages = walkPages(full)
        let boundary = pages[pages.count - 2]
        let cut = dir.path("cut.ogg")
        try Data(full.prefix(boundary.offset + boundary.length)).write(to: URL(fileURLWithPath: cut))
        let summary = try OggOpusReader.summarize(path: cut)
        #expect(!summary.truncated)
        #expect(!summary.endOfStreamSeen)
        #expect(summary.lastGranulePosition == boundary.granule)
        guard case .repaired = try OggOpusRepair.repair(input: cut, output: cut) else {
            Issue.record("an unfinalized file must be repaired"); return
        }
        // Repaired in place.
        #expect(try OggOpusReader.summarize(path: cut).isIntact)
    }

    @Test func intactFileIsNotRewritten() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("ok.ogg")
        _ = try writeToneFile(path, seconds: 2)
        let output = dir.path("out.ogg")
        let result = try OggOpusRepair.repair(input: path, output: output)
        guard case .alreadyFinalized(let summary) = result else { Issue.record("got \(result)"); return }
        #expect(summary.packetCount == 100)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func headersOnlyFileRepairsToEmptyStream() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("headers.ogg")
        let full = try { () throws -> Data in
            _ = try writeToneFile(path, seconds: 1)
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }()
        let pages = walkPages(full)
        try Data(full.prefix(pages[1].offset + pages[1].length)).write(to: URL(fileURLWithPath: path))
        let out = dir.path("out.ogg")
        guard case .repaired(let report) = try OggOpusRepair.repair(input: path, output: out) else {
            Issue.record("expected repair"); return
        }
        #expect(report.packetsKept == 0)
        let summary = try OggOpusReader.summarize(path: out)
        #expect(summary.endOfStreamSeen && summary.packetCount == 0 && summary.tags != nil)
    }
}
