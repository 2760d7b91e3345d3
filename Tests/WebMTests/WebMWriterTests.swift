import Foundation
import Testing
@testable import WebM

enum Layout: String, CaseIterable, Sendable {
    case audioVideo, videoOnly, audioOnly
}

@Suite struct WebMWriterTests {
    /// Writes the 640x480 source's frames with the given tracks.
    static func roundTrip(_ layout: Layout, dir: TempDir) throws -> (SourceMedia, String, WebMWriterSummary) {
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("out-\(layout.rawValue).webm")
        let writer = try WebMWriter(path: out,
                                    video: layout == .audioOnly ? nil : src.videoTrack,
                                    audio: layout == .videoOnly ? nil : src.audioTrack,
                                    muxingApp: "CapstanTest", writingApp: "CapstanTest")
        try write(src.all, source: src, to: writer)
        return (src, out, try writer.finalize())
    }

    @Test(arguments: Layout.allCases)
    func roundTripIsAcceptedByTools(_ layout: Layout) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (src, out, summary) = try Self.roundTrip(layout, dir: dir)
        let wantVideo = layout == .audioOnly ? 0 : src.video.count
        let wantAudio = layout == .videoOnly ? 0 : src.audio.count
        #expect(summary.videoFrames == wantVideo)
        #expect(summary.audioFrames == wantAudio)

        // ffprobe decodes every frame written.
        let counts = try Probe.countFrames(out)
        #expect(counts["video", default: 0] == wantVideo)
        #expect(counts["audio", default: 0] == wantAudio)

        // Duration within one video frame (1/30 s) of ffmpeg's own file.
        let duration = try Probe.duration(out)
        let srcDuration = try Probe.duration(try Fixtures.get().src640)
        #expect(abs(duration - srcDuration) <= 1.0 / 30 + 0.001, "duration \(duration) vs source \(srcDuration)")

        // mkvinfo accepts it and sees Cues and a SeekHead.
        let mkv = try ToolRunner.check("mkvinfo", ["-v", out])
        #expect(mkv.stdout.contains("Cues"))
        #expect(mkv.stdout.contains("Seek head"))
        #expect(mkv.stdout.contains("Duration"))
        #expect(!mkv.stdout.lowercased().contains("error"))

        // Our reader: finalized, same frames, same bytes.
        var frames: [WebMFrame] = []
        let info = try WebMReader.read(path: out) { frames.append($0) }
        #expect(info.isFinalized)
        #expect(info.hasSeekHead)
        #expect(info.segmentSize == info.fileSize - info.segmentDataOffset)
        #expect(info.seekEntries[UInt64(MatroskaID.cues)] != nil)
        #expect(frames.count == wantVideo + wantAudio)
        let outVideo = frames.filter { $0.trackNumber == writerNumber(info, .video) }
        let outAudio = frames.filter { $0.trackNumber == writerNumber(info, .audio) }
        if layout != .audioOnly {
            #expect(outVideo.map(\.bytes) == src.video.map(\.bytes))
            #expect(outVideo.map(\.timestampNs) == src.video.map(\.timestampNs))
            #expect(outVideo.map(\.isKeyframe) == src.video.map(\.isKeyframe))
            // One video cue per keyframe, each keyframe first in its cluster,
            // each cue pointing at its keyframe's cluster.
            let videoCues = info.cuePoints.filter { $0.track == writerNumber(info, .video) }
            #expect(videoCues.map(\.timeNs) == src.video.filter(\.isKeyframe).map(\.timestampNs))
            for cue in videoCues {
                let key = outVideo.first { $0.isKeyframe && $0.timestampNs == cue.timeNs }
                #expect(key?.clusterOffset == cue.clusterPosition + info.segmentDataOffset)
            }
            // Audio cues only on clusters that do not open with a video keyframe.
            let keyClusters = Set(outVideo.filter(\.isKeyframe).map(\.clusterOffset))
            for cue in info.cuePoints where cue.track != writerNumber(info, .video) {
                #expect(!keyClusters.contains(cue.clusterPosition + info.segmentDataOffset))
            }
            for key in outVideo where key.isKeyframe {
                #expect(info.clusters.contains { $0.offset == key.clusterOffset && $0.timecodeNs == key.timestampNs })
            }
        } else {
            #expect(info.cuePointCount == info.clusters.count)
            #expect(info.cuePoints.map { $0.clusterPosition + info.segmentDataOffset } == info.clusters.map(\.offset))
        }
        if layout != .videoOnly {
            #expect(outAudio.map(\.bytes) == src.audio.map(\.bytes))
            #expect(outAudio.map(\.timestampNs) == src.audio.map(\.timestampNs))
        }
        // Clusters stay within 5 s.
        for (a, b) in zip(info.clusters, info.clusters.dropFirst()) {
            #expect(b.timecodeNs - a.timecodeNs <= 5_000_000_000 + 40_000_000)
        }
        #expect(summary.clusters == info.clusters.count)
        #expect(summary.bytes == info.fileSize)
    }

    @Test func seeksToKeyframeAtOrBeforeTarget() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (src, out, _) = try Self.roundTrip(.audioVideo, dir: dir)
        let target = 3.5
        let decode = try ToolRunner.run("ffmpeg", ["-v", "error", "-ss", "\(target)", "-i", out,
                                                   "-frames:v", "1", "-f", "null", "-"])
        #expect(decode.status == 0)
        #expect(decode.stderr.isEmpty, "\(decode.stderr)")

        let keyTimes = src.video.filter(\.isKeyframe).map { Double($0.timestampNs) / 1e9 }
        let expected = try #require(keyTimes.last { $0 <= target })
        let packets = try Probe.packets(out, stream: "v", extra: ["-read_intervals", "\(target)%+#1"])
        let first = try #require(packets.first)
        #expect(first.1, "first packet after the seek is a keyframe")
        #expect(first.0 <= target)
        #expect(abs(first.0 - expected) < 0.002, "landed at \(first.0), nearest keyframe \(expected)")
    }

    @Test func interleavedAudioOlderThanClusterKeepsItsTime() throws {
        // Audio arrives up to 60 ms late relative to video: frames older than
        // the cluster a keyframe just opened must keep their timestamps.
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let arrival = src.all.sorted {
            let a = $0.timestampNs + ($0.trackNumber == src.audio.first?.trackNumber ? 60_000_000 : 0)
            let b = $1.timestampNs + ($1.trackNumber == src.audio.first?.trackNumber ? 60_000_000 : 0)
            return a < b
        }
        let out = dir.path("late-audio.webm")
        let writer = try WebMWriter(path: out, video: src.videoTrack, audio: src.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        try write(arrival, source: src, to: writer)
        let summary = try writer.finalize()
        #expect(summary.clampedTimestamps == 0)
        let audioPackets = try Probe.packets(out, stream: "a")
        let srcAudioPackets = try Probe.packets(try Fixtures.get().src640, stream: "a")
        #expect(audioPackets.count == srcAudioPackets.count)
        for (a, b) in zip(audioPackets, srcAudioPackets) {
            #expect(abs(a.0 - b.0) < 0.0005)
        }
        let decode = try ToolRunner.run("ffmpeg", ["-v", "error", "-i", out, "-f", "null", "-"])
        #expect(decode.status == 0 && decode.stderr.isEmpty, "\(decode.stderr)")
    }

    @Test func backwardsTimestampsWithinATrackAreClamped() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("clamp.webm")
        let writer = try WebMWriter(path: out, video: nil, audio: src.audioTrack, muxingApp: "t", writingApp: "t")
        var times: [Int64] = []
        for (i, f) in src.audio.prefix(100).enumerated() {
            let t = i == 50 ? f.timestampNs - 100_000_000 : f.timestampNs  // one frame 100 ms back
            try writer.writeFrame(track: .audio, timestampNs: t, keyframe: true, data: f.bytes)
            // Clamped to 1 ms after the previous frame: strictly increasing, no duplicate time.
            times.append(i == 50 ? src.audio[49].timestampNs + 1_000_000 : f.timestampNs)
        }
        let summary = try writer.finalize()
        #expect(summary.clampedTimestamps == 1)
        var got: [Int64] = []
        try WebMReader.read(path: out) { got.append($0.timestampNs) }
        #expect(got == times)
    }

    /// Regression: an A/V file whose only cluster holds audio from before the
    /// first video keyframe is still finalized (audio cue) with a real Duration.
    @Test func audioBeforeFirstKeyframeIsSeekableAndTimed() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let out = dir.path("early-audio.webm")
        let writer = try WebMWriter(path: out, video: src.videoTrack, audio: src.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        for f in src.audio.prefix(5) {
            try writer.writeFrame(track: .audio, timestampNs: f.timestampNs, keyframe: true, data: f.bytes)
        }
        let summary = try writer.finalize()
        let info = try WebMReader.info(path: out)
        #expect(info.isFinalized)
        #expect(info.cuePoints.map(\.track) == [writerNumber(info, .audio)])
        // 5 Opus packets of 20 ms each (ffprobe's own view of their length).
        let lastStart = Double(src.audio[4].timestampNs) / 1e9
        #expect(abs(try Probe.duration(out) - (lastStart + 0.020)) < 0.0015)
        #expect(summary.durationNs == src.audio[4].timestampNs / 1_000_000 * 1_000_000 + 20_000_000)
        #expect(try Probe.countFrames(out)["audio"] == 5)
    }

    @Test func writerErrorsAreTyped() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        #expect(throws: WebMError.noTracks) {
            try WebMWriter(path: dir.path("x.webm"), video: nil, audio: nil, muxingApp: "t", writingApp: "t")
        }
        #expect(throws: WebMError.openFailed(path: dir.path("no/such/dir.webm"), errno: ENOENT)) {
            try WebMWriter(path: dir.path("no/such/dir.webm"), video: WebMVideoTrack(width: 2, height: 2),
                           audio: nil, muxingApp: "t", writingApp: "t")
        }
        // /dev/full fails every write with ENOSPC.
        #expect(throws: WebMError.writeFailed(errno: ENOSPC)) {
            try WebMWriter(path: "/dev/full", video: WebMVideoTrack(width: 2, height: 2),
                           audio: nil, muxingApp: "t", writingApp: "t")
        }
        let writer = try WebMWriter(path: dir.path("v.webm"), video: WebMVideoTrack(width: 2, height: 2),
                                    audio: nil, muxingApp: "t", writingApp: "t")
        #expect(throws: WebMError.trackNotConfigured(.audio)) {
            try writer.writeFrame(track: .audio, timestampNs: 0, keyframe: true, data: [1, 2, 3])
        }
        #expect(throws: WebMError.invalidFrame(size: 0)) {
            try writer.writeFrame(track: .video, timestampNs: 0, keyframe: true, data: [])
        }
        _ = try writer.finalize()
        #expect(throws: WebMError.alreadyFinalized) { try writer.finalize() }
    }
}

func writerNumber(_ info: WebMFileInfo, _ kind: WebMTrackKind) -> UInt64? {
    info.tracks.first { $0.type == (kind == .video ? .video : .audio) }?.number
}
