import Foundation
import Inspection
import Testing
import WebM

/// Issue 2: bad input is named, reported invalid, and never crashes.
@Suite struct BadInputTests {
    /// A bad file: how to make it from a good WebM's bytes, and the start of the problem `inspect` must name.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var make: @Sendable (_ good: GoodFile) -> [UInt8]
        /// The start of the problem `inspect` must name ("" for any).
        var expected: @Sendable (_ good: GoodFile) -> String
        var description: String { name }
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x5A  // neither the EBML nor the Ogg magic
        return bytes
    }

    /// A small valid WebM (2 s of our synthetic media) and where its elements lie.
    struct GoodFile: Sendable {
        var bytes: [UInt8]
        var tracksOffset: Int
        var firstClusterOffset: Int

        func prefix(_ n: Int) -> [UInt8] { Array(bytes.prefix(n)) }
    }

    static let cases: [Case] = [
        Case(name: "text", make: { _ in Array("hello, this is not a recording\n".utf8) }, expected: { _ in "not a media file (starts with 68 65 6c 6c" }),
        Case(name: "html", make: { _ in Array("<!DOCTYPE html><html></html>".utf8) }, expected: { _ in "not a media file (starts with 3c 21 44 4f" }),
        Case(name: "png", make: { _ in [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 100) }, expected: { _ in "not a media file (starts with 89 50 4e 47" }),
        Case(name: "empty", make: { _ in [] }, expected: { _ in "empty file" }),
        Case(name: "random 4 KiB", make: { _ in randomBytes(4096, seed: 1) }, expected: { _ in "not a media file" }),
        Case(name: "random 1 MiB", make: { _ in randomBytes(1 << 20, seed: 2) }, expected: { _ in "not a media file" }),
        Case(name: "EBML magic cut at 2", make: { $0.prefix(2) }, expected: { _ in "EBML header truncated at byte 2" }),
        Case(name: "EBML header cut at 4", make: { $0.prefix(4) }, expected: { _ in "EBML header truncated at byte 4" }),
        Case(name: "EBML header cut at 17", make: { $0.prefix(17) }, expected: { _ in "EBML header truncated at byte 17" }),
        Case(name: "cut inside Info", make: { $0.prefix(70) }, expected: { _ in "truncated at byte 70 before the Tracks element was complete" }),
        Case(name: "cut inside Tracks", make: { $0.prefix($0.tracksOffset + 20) },
             expected: { "truncated at byte \($0.tracksOffset + 20) before the Tracks element was complete" }),
        Case(name: "cut inside the first cluster", make: { $0.prefix($0.firstClusterOffset + 200) },
             expected: { "truncated at byte \($0.firstClusterOffset + 200): no cluster is complete" }),
        Case(name: "EBML magic then noise", make: { $0.prefix(4) + randomBytes(2000, seed: 3) }, expected: { _ in "" }),
        Case(name: "Ogg magic cut at 3", make: { _ in Array("Ogg".utf8) }, expected: { _ in "truncated at byte 3 inside the first Ogg page" }),
        Case(name: "OggS then noise", make: { _ in Array("OggS".utf8) + randomBytes(3000, seed: 4) }, expected: { _ in "" }),
        Case(name: "WebM with clusters overwritten by noise", make: { good in
            var bad = good.bytes
            let noise = randomBytes(bad.count, seed: 5)
            for i in (bad.count / 3)..<(bad.count * 2 / 3) { bad[i] = noise[i] }
            return bad
        }, expected: { _ in "" }),
        // The first keyframe damaged: libvpx then refuses every frame of the GOP.
        Case(name: "WebM with the first keyframe's bytes overwritten", make: { good in
            var bad = good.bytes
            let noise = randomBytes(64, seed: 6)
            for i in 0..<64 { bad[good.firstClusterOffset + 200 + i] = noise[i] }
            return bad
        }, expected: { _ in "track 1 (V_VP8): 60 of 60 frames failed to decode" }),
    ]

    static let good: Result<GoodFile, any Error> = Result {
        let media = try SyntheticMedia.standard.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var short = media
        short.video = Array(media.video.prefix(60))
        short.audio = Array(media.audio.prefix(100))
        let path = dir.path("good.webm")
        _ = try short.writeWebM(to: path)
        let info = try WebMReader.info(path: path)
        guard let tracks = info.seekEntries[UInt64(MatroskaID.tracks)], let cluster = info.clusters.first else {
            throw ExternalTool.Failed(description: "good file has no Tracks seek entry or cluster")
        }
        return GoodFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))),
                        tracksOffset: Int(info.segmentDataOffset + tracks), firstClusterOffset: Int(cluster.offset))
    }

    @Test(arguments: cases) func badInputIsNamedAndInvalid(_ c: Case) throws {
        let good = try Self.good.get()
        // The layout the cuts assume: EBML header, then Info before Tracks, then clusters.
        #expect(good.tracksOffset > 90 && good.firstClusterOffset > good.tracksOffset + 20)
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("bad.bin")
        try Data(c.make(good)).write(to: URL(fileURLWithPath: path))
        let report = MediaInspector.inspect(path: path)
        #expect(!report.valid)
        #expect(!report.problems.isEmpty)
        let expected = c.expected(good)
        if !expected.isEmpty {
            #expect(report.problems.contains { $0.hasPrefix(expected) }, "\(report.problems)")
        }
        // The table and JSON render without trouble.
        #expect(ReportFormatter.table(report).contains("INVALID"))
        let json = try JSONEncoder().encode(report)
        let back = try JSONDecoder().decode(InspectionReport.self, from: json)
        #expect(back == report)

        // repair refuses what it cannot repair, with a message, or writes a
        // finalized file that parses whole (damaged frames it kept may still
        // fail to decode).
        do {
            let outcome = try MediaRepairer.repair(input: path, output: dir.path("fixed.webm"))
            if let out = outcome.output {
                let fixed = MediaInspector.inspect(path: out)
                #expect(fixed.finalized)
                #expect(fixed.problems.allSatisfy { $0.hasPrefix("track ") && $0.contains("failed to decode") }, "\(fixed.problems)")
            }
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    @Test func missingFileAndDirectory() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let missing = MediaInspector.inspect(path: dir.path("nope.webm"))
        #expect(!missing.valid)
        #expect(missing.problems.first?.hasPrefix("cannot open") == true)
        let directory = MediaInspector.inspect(path: dir.url.path)
        #expect(directory.problems.first?.hasSuffix("is not a regular file") == true)
    }
}
