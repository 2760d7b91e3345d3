import Codecs
import Foundation
import Ogg
import WebM

/// One VP8 frame made by our encoder, with the time it is written at.
struct SyntheticVideoFrame: Sendable {
    var index: Int
    var timestampNs: Int64
    var isKeyframe: Bool
    var width: Int
    var height: Int
    var data: [UInt8]
}

/// Test media made with our encoders (libvpx VP8 of the moving TestPattern,
/// libopus of a ToneGenerator tone), made once per test process.
struct SyntheticMedia: Sendable {
    static let fps = 30
    static let seconds = 10
    static let keyframeInterval = 60  // every 2 s

    var video: [SyntheticVideoFrame]
    var opusHead: OpusHead
    /// 20 ms packets, one every 20 ms from 0.
    var audio: [[UInt8]]

    var videoKeyframes: Int { video.filter(\.isKeyframe).count }

    static func frameTimeNs(_ index: Int) -> Int64 { Int64(index) * 1_000_000_000 / Int64(fps) }

    /// - Parameter switchTo320At: frame index from which the picture is 320x240.
    static func make(switchTo320At: Int? = nil) throws -> SyntheticMedia {
        let encoder = try VP8Encoder(configuration: .init(width: 640, height: 480, fps: fps, bitrateKbps: 1000,
                                                          keyframeInterval: keyframeInterval))
        var pattern = TestPattern(width: 640, height: 480)
        var image = I420Image(width: 640, height: 480)
        var video: [SyntheticVideoFrame] = []
        for i in 0..<(fps * seconds) {
            if i == switchTo320At {
                try encoder.reconfigure(width: 320, height: 240)
                pattern = TestPattern(width: 320, height: 240)
                image = I420Image(width: 320, height: 240)
            }
            pattern.render(i, into: &image)
            for f in try encoder.encode(image, pts: Int64(i) * 90_000 / Int64(fps)) {
                video.append(SyntheticVideoFrame(index: i, timestampNs: frameTimeNs(i), isKeyframe: f.isKeyframe,
                                                 width: image.width, height: image.height, data: f.data))
            }
        }
        let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
        var tone = ToneGenerator(frequency: 440, channels: 1, frameSamples: opus.frameSamples)
        var audio: [[UInt8]] = []
        for _ in 0..<(seconds * 50) { audio.append(try opus.encode(tone.nextFrame())) }
        return SyntheticMedia(video: video, opusHead: OpusHead(channels: 1, preSkip: UInt16(opus.lookahead)), audio: audio)
    }

    static let standard: Result<SyntheticMedia, any Error> = Result { try make() }
    static let resolutionChange: Result<SyntheticMedia, any Error> = Result { try make(switchTo320At: 150) }

    /// Interleaves video and audio by time and writes them with `WebMWriter`.
    /// With `finalize: false` the writer is flushed but not finalized and the
    /// file on disk is copied to `unfinalizedCopy` (a recording in progress).
    func writeWebM(to path: String, finalize: Bool = true, unfinalizedCopy: String? = nil) throws -> WebMWriterSummary? {
        let first: (w: Int, h: Int) = video.first.map { ($0.width, $0.height) } ?? (640, 480)
        let writer = try WebMWriter(path: path, video: WebMVideoTrack(width: first.w, height: first.h),
                                    audio: .opus(opusHead: opusHead.serialize()),
                                    muxingApp: "InspectionTests", writingApp: "InspectionTests")
        var v = 0, a = 0
        while v < video.count || a < audio.count {
            let audioTime = Int64(a) * 20_000_000
            if v < video.count && (a >= audio.count || video[v].timestampNs <= audioTime) {
                try writer.writeFrame(track: .video, timestampNs: video[v].timestampNs,
                                      keyframe: video[v].isKeyframe, data: video[v].data)
                v += 1
            } else {
                try writer.writeFrame(track: .audio, timestampNs: audioTime, keyframe: true, data: audio[a])
                a += 1
            }
        }
        if let unfinalizedCopy {
            try writer.flush()
            try? FileManager.default.removeItem(atPath: unfinalizedCopy)
            try FileManager.default.copyItem(atPath: path, toPath: unfinalizedCopy)
        }
        return finalize ? try writer.finalize() : nil
    }

    /// Writes the audio as Ogg Opus with `OggOpusWriter`.
    func writeOgg(to path: String) throws {
        let writer = try OggOpusWriter(path: path, head: opusHead, vendor: "InspectionTests")
        for p in audio { try writer.write(packet: p) }
        try writer.finalize()
    }
}
