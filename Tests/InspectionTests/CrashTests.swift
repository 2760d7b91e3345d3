import Foundation
import Inspection
import Testing
import WebM

/// Issue 2: a recording cut anywhere after its first cluster still plays up
/// to its last complete cluster, and `repair` turns it into a finalized file
/// with every complete frame.
@Suite struct CrashTests {
    /// An unfinalized recording (flushed, copied before finalize) and where its frames lie.
    struct Recording {
        var path: String
        var info: WebMFileInfo
        /// (end offset of the frame's bytes, track number) in file order.
        var frames: [(end: UInt64, track: UInt64)]
        var firstClusterEnd: UInt64

        /// Frames in clusters that end at or before `cut`.
        func completeClusterFrames(cut: UInt64) -> Int {
            info.clusters.filter { ($0.endOffset ?? .max) <= cut }.reduce(0) { $0 + $1.frameCount }
        }

        /// Frames whose bytes lie wholly before `cut`.
        func completeFrames(cut: UInt64) -> (video: Int, audio: Int) {
            let kept = frames.filter { $0.end <= cut }
            let videoNumber = info.tracks.first { $0.type == .video }?.number
            let video = kept.filter { $0.track == videoNumber }.count
            return (video, kept.count - video)
        }
    }

    static func recording(in dir: ScratchDirectory) throws -> Recording {
        let media = try SyntheticMedia.standard.get()
        let live = dir.path("live.webm")
        _ = try media.writeWebM(to: dir.path("final.webm"), unfinalizedCopy: live)
        var frames: [(UInt64, UInt64)] = []
        let info = try WebMReader.read(path: live) { frames.append(($0.offset + UInt64($0.bytes.count), $0.trackNumber)) }
        // The copy is a complete live file: whole clusters, no Cues yet.
        #expect(info.parseError == nil && !info.isFinalized)
        #expect(frames.count == media.video.count + media.audio.count)
        let firstEnd = try #require(info.clusters.first?.endOffset)
        return Recording(path: live, info: info, frames: frames, firstClusterEnd: firstEnd)
    }

    /// 20 cut offsets after the first cluster, from a fixed seed.
    static func cuts(_ r: Recording) -> [UInt64] {
        var rng = SeededGenerator(seed: 0xCA95_7A11)
        return (0..<20).map { _ in UInt64.random(in: r.firstClusterEnd..<r.info.fileSize, using: &rng) }.sorted()
    }

    @Test func cutRecordingsPlayAndRepair() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let recording = try Self.recording(in: dir)
        let original = try Data(contentsOf: URL(fileURLWithPath: recording.path))

        for (n, cut) in Self.cuts(recording).enumerated() {
            let path = dir.path("cut\(n).webm")
            try original.prefix(Int(cut)).write(to: URL(fileURLWithPath: path))

            // ffprobe reads every frame of every complete cluster.
            let probed = try FFprobe.counts(path, packets: true)
            let complete = recording.completeClusterFrames(cut: cut)
            #expect((probed["video"] ?? 0) + (probed["audio"] ?? 0) >= complete, "cut at \(cut)")

            // inspect flags the cut (unless it fell exactly on a cluster boundary).
            let before = MediaInspector.inspect(path: path)
            #expect(!before.finalized)
            if !recording.info.clusters.contains(where: { $0.endOffset == cut }) {
                #expect(!before.valid)
                #expect(before.problems.contains { $0.hasPrefix("truncated at byte \(cut)") }, "\(before.problems)")
            }

            // repair keeps every complete frame; inspect passes the result.
            let out = dir.path("cut\(n).repaired.webm")
            let outcome = try MediaRepairer.repair(input: path, output: out)
            let expected = recording.completeFrames(cut: cut)
            #expect(outcome.status == .repaired)
            #expect(outcome.videoFrames == expected.video && outcome.audioFrames == expected.audio, "cut at \(cut)")
            let after = MediaInspector.inspect(path: out)
            #expect(after.valid, "cut at \(cut): \(after.problems)")
            #expect(after.finalized)
            #expect(after.track(.video)?.frames == expected.video)
            #expect(after.track(.audio)?.frames == expected.audio)
            #expect(after.decodeErrors == 0)
            #expect(after.durationNs == outcome.durationNs)
            // ffprobe agrees with the count.
            let fixed = try FFprobe.counts(out, packets: true)
            #expect(fixed["video"] == expected.video && fixed["audio"] == expected.audio)
            #expect(expected.video + expected.audio >= complete)
        }
    }

    @Test func repairLeavesAFinalizedFileAlone() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let media = try SyntheticMedia.standard.get()
        let path = dir.path("final.webm")
        _ = try media.writeWebM(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let outcome = try MediaRepairer.repair(input: path)
        #expect(outcome.status == .alreadyFinalized)
        #expect(outcome.output == nil)
        #expect(outcome.videoFrames == media.video.count && outcome.audioFrames == media.audio.count)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: MediaRepairer.defaultOutputPath(for: path)))
    }

    @Test func repairInPlaceReplacesTheInput() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let recording = try Self.recording(in: dir)
        let cut = (recording.firstClusterEnd + recording.info.fileSize) / 2
        let path = dir.path("inplace.webm")
        try Data(contentsOf: URL(fileURLWithPath: recording.path)).prefix(Int(cut)).write(to: URL(fileURLWithPath: path))
        let outcome = try MediaRepairer.repair(input: path, output: path)
        #expect(outcome.output == path)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        let expected = recording.completeFrames(cut: cut)
        #expect(report.track(.video)?.frames == expected.video)
        // No temporary file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains(".tmp") }.isEmpty)
    }

    @Test func truncatedOggIsRepaired() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let media = try SyntheticMedia.standard.get()
        let path = dir.path("tone.ogg")
        try media.writeOgg(to: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cutPath = dir.path("cut.ogg")
        try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: cutPath))
        let before = MediaInspector.inspect(path: cutPath)
        #expect(!before.valid && !before.finalized)
        #expect(before.problems.contains { $0.hasPrefix("truncated at byte \(whole.count * 2 / 3)") }, "\(before.problems)")

        let outcome = try MediaRepairer.repair(input: cutPath)
        let out = try #require(outcome.output)
        #expect(out == dir.path("cut.repaired.ogg"))
        let after = MediaInspector.inspect(path: out)
        #expect(after.valid && after.finalized, "\(after.problems)")
        #expect(after.track(.audio)?.frames == outcome.audioFrames)
        #expect(outcome.audioFrames > 0 && outcome.audioFrames < media.audio.count)
        // opusinfo and ffprobe accept the result and count the same packets.
        try ExternalTool.check("opusinfo", [out])
        #expect(try FFprobe.counts(out, packets: true)["audio"] == outcome.audioFrames)
    }
}
