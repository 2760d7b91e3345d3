import CapstanTestSupport
import Foundation
import Testing
@testable import WebM

enum CutSource: String, CaseIterable, Sendable {
    /// A copy of the file taken while the writer was still open.
    case unfinalized
    /// The finalized file.
    case finalized
}

@Suite struct WebMCrashSafetyTests {
    @Test(arguments: CutSource.allCases)
    func cutFilesPlayAndRepair(_ source: CutSource) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("live.webm")
        let snapshot = dir.path("snapshot.webm")
        let writer = try WebMWriter(path: out, video: src.videoTrack, audio: src.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        try write(src.all, source: src, to: writer)
        try FileManager.default.copyItem(atPath: out, toPath: snapshot)
        try writer.finalize()

        let whole = source == .unfinalized ? snapshot : out
        // The frames and clusters of the uncut file (a cut is a prefix of it).
        var frames: [WebMFrame] = []
        let wholeInfo = try WebMReader.read(path: whole) { frames.append($0) }
        #expect(wholeInfo.isFinalized == (source == .finalized))
        if source == .unfinalized {
            // The open cluster was still in memory: the snapshot holds all but it,
            // and it parses cleanly as a live (unknown-size) file.
            #expect(wholeInfo.parseError == nil)
            #expect(wholeInfo.segmentSize == nil)
            #expect(wholeInfo.durationNs == nil)
            #expect(frames.count < src.all.count && frames.count > 0)
            #expect(try Probe.countFrames(whole).values.reduce(0, +) == frames.count)
        }
        let firstClusterEnd = try #require(wholeInfo.clusters.first?.endOffset)
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))

        var rng = SplitMix64(seed: source == .unfinalized ? 0xC0FFEE : 0xBEEF)
        for i in 0..<20 {
            let cut = Int(UInt64(firstClusterEnd) + rng.next() % (UInt64(data.count) - UInt64(firstClusterEnd)))
            let cutPath = dir.path("cut-\(i).webm")
            try data.prefix(cut).write(to: URL(fileURLWithPath: cutPath))

            let inComplete = wholeInfo.clusters.filter { ($0.endOffset ?? .max) <= UInt64(cut) }
                .reduce(0) { $0 + $1.frameCount }
            let intact = frames.filter { $0.offset + UInt64($0.bytes.count) <= UInt64(cut) }

            // ffmpeg still plays every complete cluster.
            let played = try Probe.countFrames(cutPath).values.reduce(0, +)
            #expect(played >= inComplete, "cut \(cut): ffprobe \(played) < \(inComplete)")

            // Our reader stops where the cut is, without crashing.
            var cutFrames = 0
            let cutInfo = try WebMReader.read(path: cutPath) { _ in cutFrames += 1 }
            #expect(!cutInfo.isFinalized)
            #expect(cutFrames == intact.count)
            #expect(cutInfo.framesInCompleteClusters == inComplete)

            // Repair keeps every intact frame and finalizes.
            let fixed = dir.path("fixed-\(i).webm")
            let result = try WebMRepair.repair(input: cutPath, output: fixed)
            guard case .repaired(let report) = result else {
                Issue.record("cut \(cut) not repaired: \(result)")
                continue
            }
            #expect(report.framesKept == intact.count)
            #expect(report.framesInCompleteClusters == inComplete)
            var fixedFrames: [WebMFrame] = []
            let fixedInfo = try WebMReader.read(path: fixed) { fixedFrames.append($0) }
            #expect(fixedInfo.isFinalized)
            #expect(fixedInfo.hasSeekHead)
            #expect(fixedFrames.count == intact.count)
            #expect(fixedFrames.map(\.bytes) == intact.map(\.bytes))
            #expect(fixedFrames.map(\.timestampNs) == intact.map(\.timestampNs))
            let probed = try Probe.countFrames(fixed).values.reduce(0, +)
            #expect(probed == intact.count)
            let lastEnd = try #require(intact.map(\.timestampNs).max())
            #expect(report.summary.durationNs >= lastEnd)
            #expect(abs(try Probe.duration(fixed) - Double(report.summary.durationNs) / 1e9) < 0.002)

            // A repaired file is finalized: repairing again writes nothing.
            let again = dir.path("again-\(i).webm")
            #expect(try WebMRepair.repair(input: fixed, output: again) == .alreadyFinalized)
            #expect(!FileManager.default.fileExists(atPath: again))
        }
    }

    @Test func repairRejectsSamePath() throws {
        #expect(throws: WebMError.outputIsInput) {
            try WebMRepair.repair(input: "/tmp/a.webm", output: "/tmp/a.webm")
        }
    }
}

@Suite struct WebMWriteFailureTests {
    /// The disk fills mid-recording: the writer throws ENOSPC, and finalize()
    /// leaves a file that plays every frame of every cluster that made it.
    /// 0.3: fails while a cluster is flushed during writeFrame; 0.9: the
    /// last cluster only fails when finalize() flushes it.
    @Test(arguments: [0.3, 0.9])
    func diskFullMidRecordingStillFinalizes(_ fraction: Double) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("full.webm")
        // Size of the complete recording, to place the "disk full" point.
        let reference = dir.path("reference.webm")
        let ref = try WebMWriter(path: reference, video: src.videoTrack, audio: src.audioTrack,
                                 muxingApp: "t", writingApp: "t")
        try write(src.all, source: src, to: ref)
        let full = try ref.finalize().bytes

        let writer = try WebMWriter(path: out, video: src.videoTrack, audio: src.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        writer.simulateDiskFull(atFileSize: UInt64(Double(full) * fraction))
        var failure: WebMError?
        do {
            try write(src.all, source: src, to: writer)
        } catch let error as WebMError {
            failure = error
        }
        if fraction < 0.5 {
            #expect(failure == .writeFailed(errno: ENOSPC))
            // Further frames are refused with the same error.
            #expect(throws: WebMError.writeFailed(errno: ENOSPC)) {
                try writer.writeFrame(track: .audio, timestampNs: 9_000_000_000, keyframe: true, data: [1])
            }
        } else {
            #expect(failure == nil)
        }
        let summary = try writer.finalize()
        #expect(summary.writeErrno == ENOSPC)
        #expect(summary.lostFrames > 0)

        var frames: [WebMFrame] = []
        let info = try WebMReader.read(path: out) { frames.append($0) }
        #expect(info.parseError == nil)
        #expect(info.durationNs == summary.durationNs)
        #expect(frames.count == summary.videoFrames + summary.audioFrames)
        #expect(frames.count > 0 && frames.count < src.all.count)
        #expect(info.fileSize == summary.bytes)
        #expect(info.segmentSize == info.fileSize - info.segmentDataOffset)
        #expect(info.hasCues == summary.hasCues)
        let probed = try Probe.countFrames(out).values.reduce(0, +)
        #expect(probed == frames.count)
        let decode = try ToolRunner.run("ffmpeg", ["-v", "error", "-i", out, "-f", "null", "-"])
        #expect(decode.status == 0 && decode.stderr.isEmpty, "\(decode.stderr)")
    }
}

@Suite struct WebMFlushTests {
    /// flush() puts the open cluster on disk: a copy taken then plays every frame so far.
    @Test func flushMakesEverythingWrittenPlayable() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("flush.webm")
        let writer = try WebMWriter(path: out, video: src.videoTrack, audio: src.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        let half = src.all.count / 2
        try write(Array(src.all.prefix(half)), source: src, to: writer)
        try writer.flush()
        let snapshot = dir.path("snapshot.webm")
        try FileManager.default.copyItem(atPath: out, toPath: snapshot)
        try write(Array(src.all.dropFirst(half)), source: src, to: writer)
        let summary = try writer.finalize()

        var snapFrames = 0
        let snapInfo = try WebMReader.read(path: snapshot) { _ in snapFrames += 1 }
        #expect(snapFrames == half)
        #expect(snapInfo.parseError == nil && !snapInfo.isFinalized)
        #expect(try Probe.countFrames(snapshot).values.reduce(0, +) == half)

        var all: [WebMFrame] = []
        let info = try WebMReader.read(path: out) { all.append($0) }
        #expect(info.isFinalized)
        #expect(all.count == src.all.count)
        #expect(summary.videoFrames + summary.audioFrames == src.all.count)
        #expect(try Probe.countFrames(out).values.reduce(0, +) == src.all.count)
    }
}
