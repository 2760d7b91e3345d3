import Foundation
import Testing
@testable import WebM

@Suite struct WebMReaderTests {
    @Test func readsFFmpegFile() throws {
        let fx = try Fixtures.get()
        let src = try SourceMedia(path: fx.src640)
        #expect(src.info.docType == "webm")
        #expect(src.info.timecodeScale == 1_000_000)
        let video = try #require(src.info.tracks.first { $0.type == .video })
        #expect(video.codecID == "V_VP8")
        #expect(video.width == 640 && video.height == 480)
        let audio = try #require(src.info.tracks.first { $0.type == .audio })
        #expect(audio.codecID == "A_OPUS")
        #expect(audio.channels == 1)
        #expect(audio.sampleRate == 48_000)
        #expect(Array(audio.codecPrivate.prefix(8)) == Array("OpusHead".utf8))
        #expect(audio.codecDelayNs > 0)
        #expect(src.info.parseError == nil)
        #expect(src.info.isFinalized)

        // Frame counts agree with ffprobe's packet counts.
        let packets = try Probe.countPackets(fx.src640)
        #expect(src.video.count == packets["video"])
        #expect(src.audio.count == packets["audio"])
        // Keyframes: one every 60 frames (-g 60), same as ffprobe's K flags.
        let probeKeys = try Probe.packets(fx.src640, stream: "v").filter { $0.1 }.count
        #expect(src.video.filter(\.isKeyframe).count == probeKeys)
        // Timestamps agree with ffprobe's packet pts.
        let probeVideo = try Probe.packets(fx.src640, stream: "v")
        #expect(probeVideo.count == src.video.count)
        for (p, f) in zip(probeVideo, src.video) {
            #expect(abs(p.0 - Double(f.timestampNs) / 1e9) < 0.0015)
        }
        // Each frame's bytes sit at the reported offset.
        let data = try Data(contentsOf: URL(fileURLWithPath: fx.src640))
        for f in src.all.prefix(50) {
            #expect(Array(data[Int(f.offset)..<(Int(f.offset) + f.bytes.count)]) == f.bytes)
        }
        let clustersFrames = src.info.clusters.reduce(0) { $0 + $1.frameCount }
        #expect(clustersFrames == src.all.count)
    }
}
