import Foundation
import Testing
@testable import WebM

@Suite struct WebMResolutionChangeTests {
    @Test func switchesFrom640x480To320x240AtAKeyframe() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let fx = try Fixtures.get()
        let big = try SourceMedia(path: fx.src640)
        let small = try SourceMedia(path: fx.src320)
        let switchAt = try #require(small.video.first { $0.isKeyframe && $0.timestampNs > 0 }?.timestampNs)
        let part1 = big.video.filter { $0.timestampNs < switchAt }
        let part2 = small.video.filter { $0.timestampNs >= switchAt }
        #expect(part2.first?.isKeyframe == true)

        let out = dir.path("switch.webm")
        let writer = try WebMWriter(path: out, video: big.videoTrack, audio: big.audioTrack,
                                    muxingApp: "t", writingApp: "t")
        var video = (part1 + part2)[...]
        for a in big.audio {
            while let v = video.first, v.timestampNs <= a.timestampNs {
                try writer.writeFrame(track: .video, timestampNs: v.timestampNs, keyframe: v.isKeyframe, data: v.bytes)
                video = video.dropFirst()
            }
            try writer.writeFrame(track: .audio, timestampNs: a.timestampNs, keyframe: true, data: a.bytes)
        }
        for v in video {
            try writer.writeFrame(track: .video, timestampNs: v.timestampNs, keyframe: v.isKeyframe, data: v.bytes)
        }
        let summary = try writer.finalize()
        #expect(summary.videoFrames == part1.count + part2.count)

        // Decodes without a single error line.
        let decode = try ToolRunner.run("ffmpeg", ["-v", "error", "-i", out, "-f", "null", "-"])
        #expect(decode.status == 0)
        #expect(decode.stderr.isEmpty, "\(decode.stderr)")

        // The decoder sees both resolutions, in the right amounts.
        let frames = try ToolRunner.check("ffprobe", ["-v", "error", "-select_streams", "v",
                                                      "-show_entries", "frame=width,height", "-of", "csv=p=0", out])
        let sizes = frames.stdout.split(separator: "\n").map(String.init)
        #expect(sizes.filter { $0 == "640,480" }.count == part1.count)
        #expect(sizes.filter { $0 == "320,240" }.count == part2.count)

        // The reader delivers both parts' frames unchanged.
        var got: [WebMFrame] = []
        let info = try WebMReader.read(path: out) { got.append($0) }
        let gotVideo = got.filter { $0.trackNumber == writerNumber(info, .video) }
        #expect(gotVideo.map(\.bytes) == (part1 + part2).map(\.bytes))
        #expect(info.isFinalized)
    }
}
