import Foundation
import Testing
import Codecs
@testable import Ogg

@Suite struct OggOpusReaderTests {
    @Test func roundTripsPacketsGranulesAndTags() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("rt.ogg")
        let (packets, head) = try writeToneFile(path, seconds: 3, channels: 2, comments: ["TITLE=tone", "ARTIST=Capstan"])
        let reader = try OggOpusReader(path: path)
        #expect(reader.head == head)
        #expect(reader.tags == OpusTags(vendor: "Capstan 0.1.0", comments: ["TITLE=tone", "ARTIST=Capstan"]))
        let decoder = try OpusDecoder(channels: 2)
        var read: [[UInt8]] = []
        var lastGranule: Int64 = -1
        let summary = try reader.forEachPacket { (packet: OggOpusPacket) throws in
            #expect(packet.index == read.count)
            read.append(packet.data)
            if packet.granulePosition >= 0 {
                // The granule of the page counts every packet up to this one.
                #expect(packet.granulePosition == Int64(read.count * 960))
                lastGranule = packet.granulePosition
            }
            #expect(try decoder.decode(packet.data) == 960)
        }
        #expect(read == packets)
        #expect(summary.packetCount == packets.count)
        #expect(summary.isIntact)
        #expect(summary.endOfStreamSeen && !summary.truncated)
        #expect(summary.badPageCount == 0 && summary.packetGapCount == 0 && summary.malformedPacketCount == 0)
        #expect(lastGranule == Int64(packets.count * 960))
        #expect(summary.lastGranulePosition == lastGranule)
        #expect(summary.decodedSamples == Int64(packets.count * 960))
        #expect(summary.durationSamples == Int64(packets.count * 960) - Int64(head.preSkip))
        let pages = walkPages(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(summary.pageCount == pages.count)
    }

    @Test func readsOpusencOutputAndHonoursEndTrimming() throws {
        let dir = try TemporaryDirectory()
        let wav = dir.path("x.wav"), opus = dir.path("x.opus")
        let gen = try runTool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=5", wav], in: dir.url)
        try #require(gen.status == 0, "ffmpeg: \(gen.stderr)")
        let enc = try runTool("opusenc", ["--quiet", wav, opus], in: dir.url)
        try #require(enc.status == 0, "opusenc: \(enc.stderr)")

        let reader = try OggOpusReader(path: opus)
        #expect(reader.head.channels == 1)
        #expect(reader.head.inputSampleRate == 44_100)
        #expect(reader.tags?.vendor.hasPrefix("libopus") == true)
        #expect(reader.tags?.comments.contains { $0.hasPrefix("ENCODER=opusenc") } == true)
        let decoder = try OpusDecoder(channels: 1)
        var errors = 0
        let summary = try reader.forEachPacket { (packet: OggOpusPacket) throws in
            do { _ = try decoder.decode(packet.data) } catch { errors += 1 }
        }
        #expect(errors == 0)
        #expect(summary.isIntact)
        #expect(try ffprobePacketCount(opus, in: dir) == summary.packetCount)
        // 5 s at 48 kHz exactly: the last granule trims the padding of the final packet.
        #expect(summary.durationSamples == 240_000)
        #expect(summary.decodedSamples > summary.durationSamples + Int64(reader.head.preSkip))
        #expect(try ffmpegDecodedSamples(opus, in: dir) == Int(summary.durationSamples))
    }

    @Test func emptyGarbageAndForeignFilesThrowClearErrors() throws {
        let dir = try TemporaryDirectory()
        let empty = dir.path("empty.ogg")
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: OggError.emptyFile) { try OggOpusReader(path: empty) }

        var rng = SystemRandomNumberGenerator()
        let garbage = dir.path("garbage.ogg")
        try Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: OggError.notOgg) { try OggOpusReader(path: garbage) }
        #expect(OggError.notOgg.description.contains("not an Ogg file"))

        #expect(throws: OggError.openFailed(path: dir.path("missing.ogg"), errno: ENOENT)) {
            try OggOpusReader(path: dir.path("missing.ogg"))
        }

        // An Ogg file whose stream is FLAC, not Opus.
        let flac = dir.path("x.oga")
        let gen = try runTool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "flac", "-f", "ogg", flac], in: dir.url)
        try #require(gen.status == 0, "ffmpeg: \(gen.stderr)")
        #expect(throws: OggError.notOpus) { try OggOpusReader(path: flac) }

        // Cut inside the first page: nothing to read.
        let tone = dir.path("tone.ogg")
        _ = try writeToneFile(tone, seconds: 1)
        let cut = dir.path("cut.ogg")
        try Data(try Data(contentsOf: URL(fileURLWithPath: tone)).prefix(30)).write(to: URL(fileURLWithPath: cut))
        #expect(throws: OggError.truncatedHeader) { try OggOpusReader(path: cut) }
        #expect(throws: OggError.truncatedHeader) { try OggOpusRepair.repair(input: cut, output: dir.path("out.ogg")) }
    }

    @Test func corruptPageIsSkippedAndCounted() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("tone.ogg")
        let (packets, _) = try writeToneFile(path, seconds: 6, bitrate: 16_000)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let pages = walkPages(data)
        let victim = pages[pages.count / 2]
        data[victim.offset + victim.length - 5] ^= 0x55   // breaks that page's CRC
        let bad = dir.path("bad.ogg")
        try data.write(to: URL(fileURLWithPath: bad))
        let summary = try OggOpusReader.summarize(path: bad)
        #expect(summary.badPageCount >= 1)
        #expect(summary.packetGapCount >= 1)
        #expect(!summary.isIntact)
        #expect(summary.packetCount < packets.count)
        #expect(summary.packetCount >= packets.count - victim.packetsCompleted - 1)
        #expect(summary.endOfStreamSeen)

        let fixed = dir.path("fixed.ogg")
        guard case .repaired(let report) = try OggOpusRepair.repair(input: bad, output: fixed) else {
            Issue.record("a corrupt file must be repaired"); return
        }
        #expect(report.packetsKept == summary.packetCount)
        let after = try OggOpusReader.summarize(path: fixed)
        #expect(after.isIntact)
        #expect(after.packetCount == summary.packetCount)
        let info = try runTool("opusinfo", [fixed], in: dir.url)
        #expect(info.status == 0, "opusinfo: \(info.allText)")
    }
}
