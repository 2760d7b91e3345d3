import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import Testing

/// VP9 (libvpx, RFC 9628) and AV1 (libaom, AV1 RTP) through the replay
/// harness's lossy link into a MediaBridge: a WebM file that `capstan
/// inspect` (libvpx / dav1d), ffprobe and ffmpeg decode frame for frame;
/// NACK recovers 5 % loss; after a 3 s outage recording resumes at the next
/// keyframe (PLI); a resolution change mid-stream keeps the file playable.
@Suite("MediaBridge replay, VP9 and AV1")
struct VP9AV1ReplayTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var codec: String
        var seed: UInt64
        var loss: Double
        var outage: Range<UInt64>?
        var testDescription: String { "\(codec) \(Int(loss * 100)) % loss\(outage == nil ? "" : ", 3 s outage")" }
    }

    static let cases: [Case] = ["VP9", "AV1"].flatMap { codec in
        [Case(codec: codec, seed: 21, loss: 0), Case(codec: codec, seed: 22, loss: 0.05),
         Case(codec: codec, seed: 23, loss: 0.01, outage: 2_000 * ms..<5_000 * ms)]
    }.filter { $0.codec != "AV1" || AV1Encoder.isAvailable }

    @Test("loss, reordering, outage: .webm, every written frame decodes, ≥ 97 % of decodable frames written", arguments: cases)
    func replay(_ c: Case) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: c.seed)
        settings.codec = c.codec
        settings.loss = c.loss
        settings.outage = c.outage
        settings.reorderNs = 30 * ms
        settings.seconds = c.outage == nil ? 6 : 8
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()

        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.file == "replay.webm" && sidecar.container == "webm")
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.codec == c.codec)
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.decodeErrors == 0, "\(report.track(.video)?.firstDecodeError ?? "")")
        #expect(report.track(.video)?.codec == (c.codec == "VP9" ? "V_VP9" : "V_AV1") && report.track(.video)?.decoded == true)
        let written = report.track(.video)?.frames ?? 0
        #expect(written == video.frames)
        let decodable = h.decodableFrames.count
        #expect(written <= decodable)
        if c.loss == 0 && c.outage == nil {
            #expect(written == h.framePackets.count, "\(written) of \(h.framePackets.count)")
        } else {
            #expect(Double(written) >= 0.97 * Double(decodable), "\(written) of \(decodable) decodable frames")
        }
        if c.loss >= 0.05 { #expect((video.packetsRecoveredByNACK ?? 0) > 0, "NACK recovered nothing") }
        if let outage = c.outage {
            #expect(sidecar.plisSent >= 2, "PLI after the outage")
            // Frames sent after the outage are in the file (from the keyframe that answered the PLI).
            let after = h.decodableFrames.filter { UInt64($0) * ReplayHarness.frameIntervalNs >= outage.upperBound }.count
            #expect(after >= 60, "only \(after) decodable frames after the outage")
        }
        if let output = try H264FileChecks.ffmpegDecodeOutput(h.path) { #expect(output.isEmpty, "ffmpeg: \(output)") }
        if let probe = try H264FileChecks.ffprobeVideo(h.path) {
            #expect(probe.codec == (c.codec == "VP9" ? "vp9" : "av1") && probe.frames == written, "ffprobe \(probe)")
        }
        print("\(c.codec) replay \(c.loss * 100) % loss\(c.outage == nil ? "" : " + 3 s outage"): \(written) frames written of "
              + "\(h.framePackets.count) sent, \(decodable) decodable; NACKs \(sidecar.nacksSent), recovered "
              + "\(video.packetsRecoveredByNACK ?? 0), lost \(video.packetsLost), PLIs \(sidecar.plisSent)")
    }

    @Test("a resolution change mid-call: one playable .webm, both sizes in inspect and the sidecar",
          arguments: ["VP9", "AV1"].filter { $0 != "AV1" || AV1Encoder.isAvailable })
    func resolutionChange(codec: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 24)
        settings.codec = codec
        settings.seconds = 5
        settings.resize = (at: 2_000 * ms, width: 480, height: 360)
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.decodeErrors == 0, "\(report.track(.video)?.firstDecodeError ?? "")")
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
