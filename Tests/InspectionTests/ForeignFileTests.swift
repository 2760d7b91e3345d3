import Foundation
import Inspection
import Testing
import WebM

/// Issue 2: files other programs wrote — ffmpeg's libvpx/libopus WebM,
/// opusenc's Ogg Opus, and MediaRecorder-style live WebM.
@Suite struct ForeignFileTests {
    @Test func ffmpegWebMAgreesWithFFprobe() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("ffmpeg.webm")
        try ExternalTool.check("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine", "-t", "4", "-c:v", "libvpx", "-c:a", "libopus", path,
        ], timeout: 300)
        let frames = try FFprobe.counts(path, packets: false)
        let packets = try FFprobe.counts(path, packets: true)
        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.finalized)
        let video = try #require(report.track(.video))
        let audio = try #require(report.track(.audio))
        #expect(video.frames == frames["video"])
        #expect(video.frames == packets["video"])
        #expect(audio.frames == packets["audio"])
        #expect(video.frames == 100)  // 4 s at 25 fps
        #expect(video.resolutions.map { [$0.width, $0.height] } == [[320, 240]])
        #expect(video.decodeErrors == 0 && audio.decodeErrors == 0)
        #expect(abs(Double(report.durationNs ?? 0) / 1e9 - (try FFprobe.duration(path))) < 0.002)
    }

    @Test func opusencFileAgreesWithFFprobe() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let wav = dir.path("sine.wav"), path = dir.path("sine.opus")
        try ExternalTool.check("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=660", "-t", "3", wav])
        try ExternalTool.check("opusenc", ["--quiet", wav, path])
        let packets = try FFprobe.counts(path, packets: true)
        let report = MediaInspector.inspect(path: path)
        #expect(report.container == .ogg)
        #expect(report.valid, "\(report.problems)")
        #expect(report.finalized)
        let audio = try #require(report.track(.audio))
        #expect(audio.frames == packets["audio"])
        #expect(audio.decodeErrors == 0)
        #expect(abs(Double(report.durationNs ?? 0) / 1e9 - 3.0) < 0.001)
    }

    /// Live WebM as browsers' MediaRecorder writes it: unknown-size Segment
    /// and Clusters, frames in BlockGroups (interframes with a ReferenceBlock),
    /// no Duration, no Cues.
    @Test func mediaRecorderStyleWebM() throws {
        let media = try SyntheticMedia.standard.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var file = EBMLWriter()
        file.writeMaster(id: MatroskaID.ebml) { $0.writeString(id: MatroskaID.docType, "webm") }
        file.writeID(MatroskaID.segment)
        file.writeUnknownSize()
        file.writeMaster(id: MatroskaID.info) { $0.writeUInt(id: MatroskaID.timecodeScale, 1_000_000) }
        file.writeMaster(id: MatroskaID.tracks) { t in
            t.writeMaster(id: MatroskaID.trackEntry) { e in
                e.writeUInt(id: MatroskaID.trackNumber, 1)
                e.writeUInt(id: MatroskaID.trackUID, 11)
                e.writeUInt(id: MatroskaID.trackType, 2)
                e.writeString(id: MatroskaID.codecID, "A_OPUS")
                e.writeBinary(id: MatroskaID.codecPrivate, media.opusHead.serialize())
                e.writeMaster(id: MatroskaID.audio) { a in
                    a.writeFloat(id: MatroskaID.samplingFrequency, 48_000)
                    a.writeUInt(id: MatroskaID.channels, 1)
                }
            }
            t.writeMaster(id: MatroskaID.trackEntry) { e in
                e.writeUInt(id: MatroskaID.trackNumber, 2)
                e.writeUInt(id: MatroskaID.trackUID, 22)
                e.writeUInt(id: MatroskaID.trackType, 1)
                e.writeString(id: MatroskaID.codecID, "V_VP8")
                e.writeMaster(id: MatroskaID.video) { v in
                    v.writeUInt(id: MatroskaID.pixelWidth, 640)
                    v.writeUInt(id: MatroskaID.pixelHeight, 480)
                }
            }
        }
        let blockGroup: UInt32 = 0xA0, block: UInt32 = 0xA1, referenceBlock: UInt32 = 0xFB
        let videoFrames = Array(media.video.prefix(90))  // 3 s
        let audioPackets = Array(media.audio.prefix(150))
        // One unknown-size cluster per second, audio and video interleaved by time.
        for second in 0..<3 {
            let clusterMs = Int64(second) * 1000
            file.writeID(MatroskaID.cluster)
            file.writeUnknownSize()
            file.writeUInt(id: MatroskaID.timecode, UInt64(clusterMs))
            var blocks: [(ms: Int64, video: Bool, data: [UInt8], key: Bool)] = []
            for f in videoFrames where f.timestampNs / 1_000_000 / 1000 == second {
                blocks.append((f.timestampNs / 1_000_000, true, f.data, f.isKeyframe))
            }
            for (i, p) in audioPackets.enumerated() where i * 20 / 1000 == second {
                blocks.append((Int64(i) * 20, false, p, true))
            }
            for b in blocks.sorted(by: { ($0.ms, $0.video ? 1 : 0) < ($1.ms, $1.video ? 1 : 0) }) {
                let rel = b.ms - clusterMs
                let header: [UInt8] = [b.video ? 0x82 : 0x81, UInt8(truncatingIfNeeded: rel >> 8), UInt8(truncatingIfNeeded: rel)]
                if b.video {
                    var group = EBMLWriter()
                    group.writeHeader(id: block, size: UInt64(4 + b.data.count))
                    group.writeRaw(header + [0x00] + b.data)
                    if !b.key { group.writeUInt(id: referenceBlock, 33) }  // only its presence matters
                    file.writeHeader(id: blockGroup, size: UInt64(group.count))
                    file.writeRaw(group.bytes)
                } else {
                    file.writeHeader(id: MatroskaID.simpleBlock, size: UInt64(4 + b.data.count))
                    file.writeRaw(header + [0x80] + b.data)
                }
            }
        }
        let path = dir.path("mediarecorder.webm")
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))

        let report = MediaInspector.inspect(path: path)
        #expect(report.valid, "\(report.problems)")
        #expect(!report.finalized)
        #expect(report.warnings.contains { $0.hasPrefix("not finalized") })
        let video = try #require(report.track(.video))
        let audio = try #require(report.track(.audio))
        #expect(video.number == 2 && audio.number == 1)
        #expect(video.frames == videoFrames.count)
        #expect(video.keyframes == videoFrames.filter(\.isKeyframe).count)
        #expect(audio.frames == audioPackets.count)
        #expect(video.decodeErrors == 0 && audio.decodeErrors == 0)
        let packets = try FFprobe.counts(path, packets: true)
        #expect(packets["video"] == video.frames && packets["audio"] == audio.frames)

        // repair finalizes it with every frame.
        let outcome = try MediaRepairer.repair(input: path)
        #expect(outcome.status == .repaired)
        let fixed = MediaInspector.inspect(path: try #require(outcome.output))
        #expect(fixed.valid && fixed.finalized, "\(fixed.problems)")
        #expect(fixed.track(.video)?.frames == video.frames && fixed.track(.audio)?.frames == audio.frames)
    }
}
