import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import Testing

/// Replays deterministic RTP streams (real VP8 and Opus, packetized) through a
/// lossy, reordering, duplicating link into a MediaBridge and judges the file
/// it writes by decoding it.
@Suite("MediaBridge replay")
struct ReplayTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var seed: UInt64
        var loss: Double
        var outage: Range<UInt64>?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "0 % loss", seed: 1, loss: 0),
        Case(name: "5 % loss", seed: 2, loss: 0.05),
        Case(name: "20 % loss", seed: 3, loss: 0.20),
        Case(name: "3 s outage + 2 % loss", seed: 4, loss: 0.02, outage: 3_000 * ms..<6_000 * ms),
    ]

    @Test("loss, 50 ms reordering, 5 % duplicates: frames missing only where lost, no corrupt frame, audio = wall clock, A/V ≤ 20 ms",
          arguments: cases)
    func replay(_ c: Case) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: c.seed)
        settings.loss = c.loss
        settings.duplicates = 0.05
        settings.reorderNs = 50 * ms
        settings.outage = c.outage
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()

        // The sidecar is on disk and matches.
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.endReason == "remote-hangup")
        #expect(sidecar.file == "replay.webm" && sidecar.container == "webm")
        #expect(sidecar.writeError == nil)

        // Inspector and ffprobe accept the file.
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.finalized)
        #expect(report.decodeErrors == 0)
        if let probe = ffprobe(h.path) { #expect(probe.status == 0, "\(probe.output)") }

        // Video: every written frame decodes, is a frame that truly arrived
        // whole with its references, in order; nothing decodable is missing
        // except what came too late.
        let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240)])
        #expect(decoded.decodeErrors == 0)
        let counters = decoded.video.compactMap(\.counter)
        #expect(counters.count == decoded.video.count, "every picture shows a readable frame counter")
        #expect(zip(counters, counters.dropFirst()).allSatisfy { $0 < $1 }, "frames in order, no repeats")
        let written = Set(counters)
        let decodable = h.decodableFrames
        #expect(written.isSubset(of: decodable), "written but not decodable: \(written.subtracting(decodable).sorted())")
        if c.loss == 0 && c.outage == nil {
            #expect(written == decodable, "missing: \(decodable.subtracting(written).sorted())")
            #expect(written.count == h.framePackets.count)
        } else {
            #expect(Double(written.count) >= 0.97 * Double(decodable.count),
                    "\(written.count) of \(decodable.count) decodable frames written")
        }
        #expect(sidecar.tracks.first { $0.kind == "video" }?.frames == written.count)
        print("replay \(c.name): \(written.count) frames written of \(h.framePackets.count) sent, \(decodable.count) decodable; "
              + "audio \(report.track(.audio)?.durationNs ?? 0) ns; NACKs \(sidecar.nacksSent), retransmitted \(h.retransmissions), "
              + "recovered \(sidecar.tracks[0].packetsRecoveredByNACK ?? 0), lost \(sidecar.tracks[0].packetsLost); PLIs \(sidecar.plisSent), "
              + "FIRs \(sidecar.firsSent); gap fill \(sidecar.tracks[1].gapFillMs ?? 0) ms; A/V worst \(decoded.video.map { abs($0.timeNs - Int64($0.counter!) * Int64(ReplayHarness.frameIntervalNs)) }.max() ?? 0) ns")

        // Audio lasts as long as it was sent (gaps filled).
        let lastAudio = try #require(h.deliveredAudio.max())
        let expectedAudioNs = Int64(lastAudio + 1) * 20_000_000
        let audioNs = try #require(report.track(.audio)?.durationNs)
        #expect(abs(audioNs - expectedAudioNs) <= expectedAudioNs / 100, "audio \(audioNs) ns, sent \(expectedAudioNs) ns")

        // A/V: frame k was captured k/30 s after audio packet 0 (file time 0).
        let worst = decoded.video.map { abs($0.timeNs - Int64($0.counter!) * Int64(ReplayHarness.frameIntervalNs)) }.max() ?? 0
        #expect(worst <= 20_000_000, "worst A/V offset \(worst / 1_000_000) ms")

        if c.loss > 0 {
            let video = try #require(sidecar.tracks.first { $0.kind == "video" })
            #expect(video.packetsRecoveredByNACK ?? 0 > 0, "NACK recovered packets")
            #expect(sidecar.nacksSent > 0)
            #expect(h.retransmissions > 0)
        }
        if c.outage != nil {
            #expect(sidecar.plisSent >= 2, "PLI after the outage")
            #expect((sidecar.tracks.first { $0.kind == "audio" }?.gapFillMs ?? 0) >= 2_900)
        }
    }

    /// Arrival time puts video 100 ms late; once each track has two sender
    /// reports the correction slews it into line (5 % while the error is
    /// gross, never a step), and video time never goes backward.
    @Test("sender reports line up audio and video although video arrives 100 ms later than audio")
    func senderReportSync() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 7, seconds: 10)
        settings.videoDelayNs = 120 * ms
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240)])
        #expect(decoded.video.count >= 295)
        let error = decoded.video.map { ($0.counter!, $0.timeNs - Int64($0.counter!) * Int64(ReplayHarness.frameIntervalNs)) }
        let early = error.filter { $0.0 < 90 }.map { abs($0.1) }.max() ?? .max
        let late = error.filter { $0.0 >= 210 }.map { abs($0.1) }.max() ?? .max
        #expect(early <= 102_000_000, "before two reports arrival time rules: \(early / 1_000_000) ms")
        #expect(late <= 20_000_000, "worst A/V offset after 7 s \(late / 1_000_000) ms")
        #expect(zip(decoded.video, decoded.video.dropFirst()).allSatisfy { $0.timeNs < $1.timeNs })
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.avSynchronized)
        #expect(abs((sidecar.avCorrectionMs ?? 0) + 100) <= 2, "correction \(String(describing: sidecar.avCorrectionMs))")
        #expect(abs((sidecar.avOffsetMs ?? 0) - 100) <= 2, "measured A/V offset \(String(describing: sidecar.avOffsetMs))")
        // The closing time is measured and survives the sidecar's JSON round trip.
        let finalizeMs = try #require(sidecar.finalizeMs)
        #expect(finalizeMs >= 0)
    }

    /// DESIGN.md §4 "One timeline": sender reports whose NTP/RTP pairs
    /// jitter by ±40 ms and drift 1 ms/s, on a stream with loss, duplicates
    /// and reordering. Frame intervals are the RTP intervals (to the file's
    /// millisecond tick), times strictly increase in both tracks, ffmpeg
    /// decodes with nothing to say, and A/V stays within 20 ms.
    @Test("jittering, drifting sender reports never step the timeline", arguments: [UInt64(21), 22, 23])
    func jitteringSenderReports(seed: UInt64) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: seed, seconds: 12)
        settings.loss = 0.05
        settings.duplicates = 0.02
        settings.reorderNs = 30 * ms
        settings.senderReportJitterNs = 40 * Int64(ms)
        settings.senderReportDriftNsPerSecond = Int64(ms)
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()

        let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240)])
        #expect(decoded.decodeErrors == 0)
        #expect(decoded.video.count >= 300, "\(decoded.video.count) frames")
        let frames = decoded.video.filter { $0.counter != nil }
        #expect(frames.count == decoded.video.count)
        var worstInterval: Int64 = 0
        for (a, b) in zip(frames, frames.dropFirst()) {
            #expect(b.timeNs > a.timeNs, "video time went from \(a.timeNs) to \(b.timeNs)")
            let rtpIntervalMs = (Int64(b.counter! - a.counter!) * 1_000 + 15) / 30  // rounded to the ms tick
            let fileIntervalMs = (b.timeNs - a.timeNs) / 1_000_000
            worstInterval = max(worstInterval, abs(fileIntervalMs - rtpIntervalMs))
        }
        #expect(worstInterval <= 1, "a frame interval differs from its RTP interval by \(worstInterval) ms")
        #expect(zip(decoded.audioTimesNs, decoded.audioTimesNs.dropFirst()).allSatisfy { $0 < $1 }, "audio strictly increasing")
        let worstAV = frames.map { abs($0.timeNs - Int64($0.counter!) * Int64(ReplayHarness.frameIntervalNs)) }.max() ?? .max
        #expect(worstAV <= 20_000_000, "worst A/V offset \(Double(worstAV) / 1e6) ms")

        let ffmpeg = try ExternalProcess.run("ffmpeg", ["-v", "error", "-i", h.path, "-fps_mode", "passthrough",
                                                        "-enc_time_base", "-1", "-f", "null", "-"], timeout: 60)
        #expect(ffmpeg.status == 0)
        #expect(ffmpeg.stderr.isEmpty, "ffmpeg: \(ffmpeg.stderr)")
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.avSynchronized)
        #expect(sidecar.timestampClamps == 0)
        print("jittering SRs seed \(seed): \(frames.count) frames, worst interval error \(worstInterval) ms, "
              + "worst A/V \(Double(worstAV) / 1e6) ms, correction \(sidecar.avCorrectionMs ?? 0) ms")
    }

    @Test("without sender reports, arrival time lines the tracks up")
    func arrivalTimeSync() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 8, seconds: 4)
        settings.sendSenderReports = false
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240)])
        let worst = decoded.video.map { abs($0.timeNs - Int64($0.counter!) * Int64(ReplayHarness.frameIntervalNs)) }.max() ?? .max
        #expect(worst <= 20_000_000, "worst A/V offset \(worst / 1_000_000) ms")
        #expect(try RecordingSidecar.read(from: h.sidecarPath).avSynchronized == false)
    }

    @Test("a resolution change mid-call: one playable file, both sizes in the sidecar")
    func resolutionChange() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 9, seconds: 6)
        settings.resize = (at: 3_000 * ms, width: 240, height: 180)
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid, "\(report.problems)")
        #expect(report.track(.video)?.resolutions.map { [$0.width, $0.height] } == [[320, 240], [240, 180]])
        if let probe = ffprobe(h.path) { #expect(probe.status == 0, "\(probe.output)") }
        let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240),
                                                                    TestPattern(width: 240, height: 180)])
        #expect(decoded.decodeErrors == 0)
        #expect(decoded.video.allSatisfy { $0.counter != nil })
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        let sizes = sidecar.tracks.first { $0.kind == "video" }?.resolutions ?? []
        #expect(sizes.map { [$0.width, $0.height] } == [[320, 240], [240, 180]])
        #expect(abs((sizes.last?.atMs ?? 0) - 3_000) <= 100)
    }

    @Test("audio only: an Ogg Opus file as long as the call")
    func audioOnly() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 10, seconds: 5)
        settings.video = false
        settings.loss = 0.05
        settings.reorderNs = 30 * ms
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        #expect(h.path.hasSuffix("replay.ogg"))
        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid && report.finalized, "\(report.problems)")
        #expect(report.container == .ogg)
        let expected = Int64(h.deliveredAudio.max()! + 1) * 20_000_000
        let duration = try #require(report.durationNs)
        #expect(abs(duration - expected) <= expected / 100, "\(duration) vs \(expected)")
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.container == "ogg" && sidecar.tracks.count == 1)
        #expect(sidecar.tracks[0].gapsFilled ?? 0 > 0)
    }

    @Test("no media at all: the session still leaves a finalized file and its sidecar")
    func noMedia() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 11, seconds: 1)
        settings.outage = 0..<10_000 * ms
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run(endReason: "failed")
        #expect(FileManager.default.fileExists(atPath: h.path))
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.endReason == "failed")
        #expect(sidecar.tracks.allSatisfy { $0.frames == 0 })
        #expect(sidecar.plisSent >= 2, "PLI at once and repeated while no keyframe comes")
        #expect(!FileManager.default.fileExists(atPath: h.bridge.configuration.reservePath))
    }
}
