import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import MediaBridge
import MediaPipeline
import Ogg
import Testing

/// RTX (RFC 4588) and Opus RED (RFC 2198) through the replay harness: a
/// lossy link where retransmissions come only on the RTX stream (VP8, VP9,
/// AV1 and H.264), and RED audio whose redundancy must replace gap fill.
@Suite("MediaBridge replay: RTX and RED")
struct RTXREDReplayTests {
    struct RTXCase: CustomTestStringConvertible, Sendable {
        var name: String
        var codec = "VP8"
        var seed: UInt64
        var announced: Bool
        var reorderNs: UInt64
        var testDescription: String { codec == "VP8" ? name : "\(codec), \(name)" }
    }

    /// VP8 as before, then VP9 (libvpx), AV1 (libaom; skipped without it, as
    /// in VP9AV1ReplayTests) and H.264 (libopenh264; skipped without it, as in
    /// H264ReplayTests) over the same lossy link.
    static let rtxCases: [RTXCase] = [
        RTXCase(name: "RTX SSRC from the FID group", seed: 41, announced: true, reorderNs: 0),
        RTXCase(name: "RTX SSRC learnt, 30 ms reordering", seed: 42, announced: false, reorderNs: 30 * ms),
        RTXCase(name: "RTX SSRC from the FID group", codec: "VP9", seed: 43, announced: true, reorderNs: 0),
        RTXCase(name: "RTX SSRC from the FID group", codec: "AV1", seed: 44, announced: true, reorderNs: 0),
        RTXCase(name: "RTX SSRC from the FID group", codec: "H264", seed: 45, announced: true, reorderNs: 0),
        RTXCase(name: "RTX SSRC learnt, 30 ms reordering", codec: "H264", seed: 46, announced: false, reorderNs: 30 * ms),
    ].filter { ($0.codec != "AV1" || AV1Encoder.isAvailable) && ($0.codec != "H264" || H264Encoder.isAvailable) }

    @Test("5 % loss, retransmissions only via RTX: every frame recorded; probes and foreign RTX dropped and counted",
          arguments: rtxCases)
    func rtxRecoversEveryFrame(_ c: RTXCase) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: c.seed, seconds: 10)
        if c.codec == "H264" { settings.h264 = true } else if c.codec != "VP8" { settings.codec = c.codec }
        settings.loss = 0.05
        settings.reorderNs = c.reorderNs
        settings.rtx = true
        settings.rtxAnnounced = c.announced
        settings.rtxPaddingIntervalNs = 250 * ms
        settings.foreignRTXIntervalNs = 1_000 * ms
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        // The frames the encoder produced (an encoder may skip one: none of its packets exist).
        let sent = h.framePackets.indices.filter { !h.framePackets[$0].isEmpty }
        #expect(sent.count >= 290, "the encoder produced \(sent.count) frames in 10 s")

        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
        #expect(report.track(.video)?.decoded == true, "capstan inspect decoded the \(c.codec) track")
        #expect(report.track(.video)?.frames == sent.count, "inspect: \(report.track(.video)?.frames ?? 0) of \(sent.count) frames")
        // Every frame sent is in the file, by its time: each lost packet came back on the RTX stream.
        let indices = try videoFrameIndices(path: h.path)
        #expect(indices == sent, "missing: \(Set(sent).subtracting(indices).sorted()), extra: \(Set(indices).subtracting(sent).sorted())")
        if c.codec == "VP8" || c.codec == "VP9" {
            // And by the picture: libvpx decodes each frame and its counter is read back.
            let decoded = try DecodedRecording(path: h.path, patterns: [TestPattern(width: 320, height: 240)],
                                               codec: c.codec == "VP9" ? .vp9 : .vp8)
            #expect(decoded.decodeErrors == 0)
            let counters = decoded.video.compactMap(\.counter)
            #expect(counters.count == decoded.video.count)
            #expect(zip(counters, counters.dropFirst()).allSatisfy { $0 < $1 }, "frames in order, no repeats")
            #expect(counters == sent, "missing: \(Set(sent).subtracting(counters).sorted())")
        }
        if let probe = try H264FileChecks.ffprobeVideo(h.path) {
            #expect(probe.codec == c.codec.lowercased() && probe.frames == sent.count, "ffprobe \(probe)")
        }
        if let output = try H264FileChecks.ffmpegDecodeOutput(h.path) { #expect(output.isEmpty, "ffmpeg: \(output)") }

        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        #expect(sidecar.container == (c.codec == "H264" ? "matroska" : "webm"))
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.codec == c.codec)
        #expect(video.rtxPayloadType == ReplayHarness.rtxPayloadType)
        #expect(video.rtxSSRC == ReplayHarness.rtxSSRC)
        let rtx = try #require(video.rtxPackets)
        #expect(rtx > 0 && h.retransmissions > 0)
        // Only RTX answers NACKs here, and an RTX packet is used only for a hole: each one recovered a
        // packet. With reordering the jitter buffer also counts originals that came after their NACK,
        // and retransmissions of packets that came after all are unneeded.
        if c.reorderNs == 0 {
            #expect(video.packetsRecoveredByNACK == rtx)
        } else {
            #expect((video.packetsRecoveredByNACK ?? 0) >= rtx && (video.rtxUnneeded ?? 0) > 0)
        }
        #expect(rtx + (video.rtxUnneeded ?? 0) <= h.retransmissions)
        #expect(video.packetsLost == 0)
        #expect(video.frames == sent.count)
        #expect((video.rtxPaddingDropped ?? 0) == h.deliveredRTXPadding && h.deliveredRTXPadding > 30)
        #expect((video.rtxDropped ?? 0) == h.deliveredForeignRTX && h.deliveredForeignRTX > 5)
        #expect(h.bridge.ignoredPackets == 0 && h.bridge.malformedPackets == 0)
        print("RTX replay \(c.testDescription): \(video.frames) of \(sent.count) frames; \(h.retransmissions) retransmitted on RTX, "
              + "\(rtx) unwrapped into the jitter buffer, \(video.packetsRecoveredByNACK ?? 0) recovered, \(video.rtxUnneeded ?? 0) unneeded, "
              + "\(video.rtxPaddingDropped ?? 0) padding probes and \(video.rtxDropped ?? 0) foreign RTX dropped; NACKs \(sidecar.nacksSent), PLIs \(sidecar.plisSent)")
    }

    @Test("without RTX negotiated, RTX packets are not media: the same run loses frames")
    func rtxUnnegotiatedIsIgnored() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 41, seconds: 4)
        settings.loss = 0.05
        settings.rtx = true
        let h = try ReplayHarness(settings: settings, directory: scratch.path, negotiateRTX: false)
        try h.run()
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        let video = try #require(sidecar.tracks.first { $0.kind == "video" })
        #expect(video.rtxPackets == nil && video.packetsRecoveredByNACK == 0)
        #expect(h.bridge.ignoredPackets > 0)
        #expect(video.frames < h.framePackets.count)
    }

    struct REDCase: CustomTestStringConvertible, Sendable {
        var name: String
        var seed: UInt64
        var distance: Int
        var hostileEvery = 0
        var testDescription: String { name }
    }

    @Test("Opus RED at 10 % loss: lost packets come back from the next packets' redundancy, byte for byte; gap fill only where no redundancy arrived",
          arguments: [
              REDCase(name: "distance 1", seed: 51, distance: 1),
              REDCase(name: "distance 2", seed: 52, distance: 2),
              REDCase(name: "distance 1, every 25th packet a hostile RED header", seed: 53, distance: 1, hostileEvery: 25),
          ])
    func redRecoversLostAudio(_ c: REDCase) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: c.seed, seconds: 10)
        settings.video = false
        settings.loss = 0.10
        settings.redDistance = c.distance
        settings.hostileREDEvery = c.hostileEvery
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()

        let report = MediaInspector.inspect(path: h.path)
        #expect(report.valid && report.finalized, "\(report.problems)")

        // What the file should hold: packet i itself when it, or a later
        // packet within `distance` carrying it, arrived (a hostile packet
        // neither counts as arriving nor carries anything).
        let last = try #require(h.deliveredAudio.max())
        let arrived = h.deliveredAudio.subtracting(h.hostileRED)
        var expectRecovered = 0, expectFilled = 0
        var expected: [Int: [UInt8]] = [:]
        for i in 0...last {
            if arrived.contains(i) {
                expected[i] = TestAudio.packets[i % TestAudio.packets.count]
            } else if (1...c.distance).contains(where: { arrived.contains(i + $0) }) {
                expected[i] = TestAudio.packets[i % TestAudio.packets.count]
                expectRecovered += 1
            } else {
                expectFilled += 1
            }
        }
        #expect(expectRecovered > 20, "the link lost packets that RED can bring back")

        // The file, packet by packet at its sample position: the original
        // bytes where expected, a loss-concealment filler elsewhere.
        let reader = try OggOpusReader(path: h.path)
        var position = 0
        var fileHas: [Int: [UInt8]] = [:]
        var fillers = 0
        _ = try reader.forEachPacket { packet in
            let samples = try OpusPacketInfo(parsing: packet.data).totalSamples
            if position % 960 == 0 && samples == 960 && packet.data == TestAudio.packets[(position / 960) % TestAudio.packets.count] {
                fileHas[position / 960] = packet.data
            } else {
                fillers += 1
            }
            position += samples
        }
        #expect(position == (last + 1) * 960, "audio as long as sent")
        #expect(fileHas.count == expected.count)
        #expect(Set(fileHas.keys) == Set(expected.keys), "missing: \(Set(expected.keys).subtracting(fileHas.keys).sorted())")

        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        let audio = try #require(sidecar.tracks.first)
        #expect(audio.redPayloadType == ReplayHarness.redPayloadType)
        #expect(audio.redRecovered == expectRecovered)
        #expect(audio.gapFillMs == Int64(expectFilled * 20))
        #expect(audio.redDropped == h.deliveredAudio.intersection(h.hostileRED).count)
        #expect(audio.redPackets == audio.packetsReceived - audio.duplicates)
        if c.hostileEvery > 0 { #expect((audio.redDropped ?? 0) > 5) }
        print("RED replay \(c.name): \(last + 1) packets sent, \(last + 1 - h.deliveredAudio.count) lost on the link, "
              + "\(audio.redRecovered ?? 0) recovered from redundancy, \(audio.gapsFilled ?? 0) gap fills (\(audio.gapFillMs ?? 0) ms), "
              + "\(audio.redDropped ?? 0) hostile RED dropped; \(fillers) filler packets in the file")
    }

    @Test("plain Opus at the same 10 % loss fills every lost packet (the RED test's baseline)")
    func withoutREDEveryLossIsFilled() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = ReplayHarness.Settings(seed: 51, seconds: 10)
        settings.video = false
        settings.loss = 0.10
        let h = try ReplayHarness(settings: settings, directory: scratch.path)
        try h.run()
        let sidecar = try RecordingSidecar.read(from: h.sidecarPath)
        let audio = try #require(sidecar.tracks.first)
        let last = try #require(h.deliveredAudio.max())
        #expect(audio.gapFillMs == Int64((last + 1 - h.deliveredAudio.count) * 20))
        #expect(audio.redRecovered == nil)
    }
}
