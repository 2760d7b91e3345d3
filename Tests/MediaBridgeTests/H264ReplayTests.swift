import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import Testing

/// H.264 (libopenh264, RFC 6184 mode 1) through the replay harness's lossy
/// link into a MediaBridge: a Matroska file that libavcodec, ffprobe and
/// ffmpeg decode frame for frame; NACK recovers loss; after a 3 s outage
/// recording resumes at the IDR that answers the PLI; a resolution change
/// mid-stream (a new SPS with the next IDR) keeps the file playable.
@Suite("MediaBridge replay, H.264", .enabled(if: H264Encoder.isAvailable))
struct H264ReplayTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var seed: UInt64
        var loss: Double
        var outage: Range<UInt64>?
        var testDescription: String { "\(Int(loss * 100)) % loss\(outage == nil ? "" : ", 3 s outage")" }
    }

    @Test("loss, reordering, outage: .mkv, every written frame decodes, ≥ 97 % of decodable frames written",
          arguments: [Case(seed: 11, loss: 0), Case(seed: 12, loss: 0.05),
                      Case(seed: 14, loss: 0.01, outage: 2_000 * ms..<5_000 * ms)])
    func replay(_ c: Case) throws {
        let loss = c.loss
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: c.seed)
        settings.h264 = true
        settings.loss = loss
        settings.outage = c.outage
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
        if loss == 0 && c.outage == nil {
            #expect(written == h.framePackets.count, "\(written) of \(h.framePackets.count)")
        } else {
            #expect(Double(written) >= 0.97 * Double(decodable), "\(written) of \(decodable) decodable frames")
        }
        if loss >= 0.05 { #expect((video.packetsRecoveredByNACK ?? 0) > 0, "NACK recovered nothing") }
        if let outage = c.outage {
            #expect(sidecar.plisSent >= 2, "PLI after the outage")
            let blocks = try videoBlocks(path: h.path)
            #expect(blocks.count == written)
            let frameSent = { (index: Int) in UInt64(index) * ReplayHarness.frameIntervalNs }
            // Nothing sent during the outage is in the file; the first frame after it is an IDR
            // (flagged a keyframe, an IDR slice with SPS and PPS in the block, a keyframe from the encoder).
            #expect(!blocks.contains { outage.contains(frameSent($0.index)) }, "a frame from the outage")
            let resume = try #require(blocks.first { frameSent($0.index) >= outage.upperBound })
            #expect(resume.isKeyframe, "resumed at frame \(resume.index), not a keyframe")
            #expect(h.frameIsKey[resume.index], "frame \(resume.index) was not an IDR from the encoder")
            let types = try #require(h264NALTypes(resume.bytes), "block of frame \(resume.index) is not length-prefixed NAL units")
            #expect(types.contains(5) && types.contains(7) && types.contains(8), "NAL types \(types)")
            // Frames sent after the outage are in the file (from the IDR that answered the PLI on).
            let after = blocks.filter { frameSent($0.index) >= outage.upperBound }.count
            let decodableAfter = h.decodableFrames.filter { frameSent($0) >= outage.upperBound }.count
            #expect(after >= 60 && after == decodableAfter, "\(after) frames after the outage in the file, \(decodableAfter) decodable")
        }
        if let output = try H264FileChecks.ffmpegDecodeOutput(h.path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(h.path) {
            #expect(probe.codec == "h264" && probe.frames == written, "ffprobe \(probe)")
        }
        print("h264 replay \(loss * 100) % loss\(c.outage == nil ? "" : " + 3 s outage"): \(written) frames written of \(h.framePackets.count) sent, \(decodable) decodable; "
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
