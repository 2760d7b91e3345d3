import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import Testing

/// H.264 (libopenh264, RFC 6184 mode 1) through the replay harness's lossy
/// link into a MediaBridge: a Matroska file that libavcodec, ffprobe and
/// ffmpeg decode frame for frame; NACK recovers loss; a resolution change
/// mid-stream (a new SPS with the next IDR) keeps the file playable.
@Suite("MediaBridge replay, H.264", .enabled(if: H264Encoder.isAvailable))
struct H264ReplayTests {
    @Test("0 % and 5 % loss with reordering: .mkv, every written frame decodes, ≥ 97 % of decodable frames written",
          arguments: [(UInt64(11), 0.0), (UInt64(12), 0.05)])
    func replay(seed: UInt64, loss: Double) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: seed)
        settings.h264 = true
        settings.loss = loss
        settings.reorderNs = 30 * ms
        settings.seconds = 8
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()

        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.file == "replay.mkv" && sidecar.container == "matroska")
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.codec == "H264")
        #expect(sidecar.timeToFirstKeyframeMs != nil)

        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.decodeErrors == 0)
        #expect(report.track(.video)?.codec == "V_MPEG4/ISO/AVC" && report.track(.video)?.decoded == true)
        let written = report.track(.video)?.frames ?? 0
        #expect(written == video.frames)
        let decodable = h.decodableFrames.count
        #expect(written <= decodable)
        if loss == 0 {
            #expect(written == h.framePackets.count, "\(written) of \(h.framePackets.count)")
        } else {
            #expect(Double(written) >= 0.97 * Double(decodable), "\(written) of \(decodable) decodable frames")
            #expect((video.packetsRecoveredByNACK ?? 0) > 0, "NACK recovered nothing")
        }
        if let output = try H264FileChecks.ffmpegDecodeOutput(h.path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(h.path) {
            #expect(probe.codec == "h264" && probe.frames == written, "ffprobe \(probe)")
        }
        print("h264 replay \(loss * 100) % loss: \(written) frames written of \(h.framePackets.count) sent, \(decodable) decodable; "
              + "NACKs \(sidecar.nacksSent), recovered \(video.packetsRecoveredByNACK ?? 0), lost \(video.packetsLost), PLIs \(sidecar.plisSent)")
    }

    @Test("a resolution change mid-call: one playable .mkv, both sizes in inspect and the sidecar")
    func resolutionChange() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 13)
        settings.h264 = true
        settings.seconds = 5
        settings.resize = (at: 2_000 * ms, width: 480, height: 360)  // 360 is coded as 368, cropped
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.decodeErrors == 0)
        #expect(report.track(.video)?.resolutions.map { [$0.width, $0.height] } == [[320, 240], [480, 360]])
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        let sizes = sidecar.tracks.first { $0.kind == "video" }?.resolutions ?? []
        #expect(sizes.map { [$0.width, $0.height] } == [[320, 240], [480, 360]])
        if let output = try H264FileChecks.ffmpegDecodeOutput(h.path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(h.path) {
            #expect(probe.frames == report.track(.video)?.frames, "ffprobe \(probe)")
        }
    }
}
