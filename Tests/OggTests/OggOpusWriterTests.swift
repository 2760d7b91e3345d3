import Foundation
import Testing
import Codecs
@testable import Ogg

/// Encodes `seconds` of a 440 Hz tone (20 ms packets) into an Ogg Opus file.
func writeToneFile(_ path: String, seconds: Int = 10, channels: Int = 1, bitrate: Int = 32_000,
                   comments: [String] = ["TITLE=tone"]) throws -> (packets: [[UInt8]], head: OpusHead) {
    let encoder = try OpusEncoder(channels: channels, bitrate: bitrate)
    let head = OpusHead(channels: UInt8(channels), preSkip: UInt16(encoder.lookahead))
    let writer = try OggOpusWriter(path: path, head: head, vendor: "Capstan 0.1.0", comments: comments)
    var tone = ToneGenerator(frequency: 440, channels: channels)
    var packets: [[UInt8]] = []
    for _ in 0..<(seconds * 50) {
        let packet = try encoder.encode(tone.nextFrame())
        try writer.write(packet: packet)
        packets.append(packet)
    }
    try writer.finalize()
    return (packets, head)
}

@Suite struct OggOpusWriterTests {
    @Test func tenSecondsOfToneSatisfyOpusinfoFfprobeAndFfmpeg() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("tone.ogg")
        let (packets, head) = try writeToneFile(path)
        #expect(packets.count == 500)
        let expectedSamples = 500 * 960 - Int(head.preSkip)

        let info = try runTool("opusinfo", [path], in: dir.url)
        #expect(info.status == 0, "opusinfo: \(info.allText)")
        #expect(!info.allText.contains("WARNING"), "opusinfo: \(info.allText)")
        #expect(!info.allText.contains("ERROR"), "opusinfo: \(info.allText)")
        let length = try #require(opusinfoPlaybackLength(info.allText), "no playback length in \(info.allText)")
        #expect(abs(length - Double(expectedSamples) / 48_000) < 0.0015)
        #expect(info.allText.contains("Capstan 0.1.0"))
        #expect(info.allText.contains("TITLE=tone"))

        #expect(try ffprobePacketCount(path, in: dir) == 500)
        let decoded = try #require(try ffmpegDecodedSamples(path, in: dir))
        #expect(abs(decoded - expectedSamples) <= 960, "ffmpeg decoded \(decoded), expected \(expectedSamples)")
    }

    @Test func pageLayoutFollowsRFC7845() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("layout.ogg")
        let (packets, head) = try writeToneFile(path, seconds: 5, bitrate: 16_000)
        let pages = walkPages(try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(pages.count >= 3)
        // §3: the first page holds exactly the OpusHead packet, with BOS.
        #expect(pages[0].isBOS)
        #expect(pages[0].lacing == [19])
        #expect([UInt8](pages[0].body) == head.serialize())
        #expect(pages[0].granule == 0)
        // The second page starts with OpusTags and ends with it (granule 0).
        #expect(pages[1].body.starts(with: Array("OpusTags".utf8)))
        #expect(pages[1].granule == 0)
        #expect(pages[1].lacing.last! < 255)
        #expect(!pages[1].isBOS)
        // Audio pages: granules increase, at most one second (plus one packet) apart.
        var previous: Int64 = 0
        for page in pages.dropFirst(2) where page.granule >= 0 {
            #expect(page.granule > previous)
            #expect(page.granule - previous <= 48_000 + 960, "page gap \(page.granule - previous)")
            previous = page.granule
        }
        // Only the last page has EOS, and its granule counts every packet.
        #expect(pages.last!.isEOS)
        #expect(pages.dropLast().allSatisfy { !$0.isEOS })
        #expect(pages.last!.granule == Int64(packets.count * 960))
        #expect(pages.reduce(0) { $0 + $1.packetsCompleted } == packets.count + 2)
        #expect(Set(pages.map(\.serial)).count == 1)
        #expect(pages.map(\.sequence) == (0..<UInt32(pages.count)).map { $0 })
    }

    @Test func gapsAreFilledWithLostFramePackets() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("gap.ogg")
        let encoder = try OpusEncoder(channels: 2, bitrate: 48_000)
        let head = OpusHead(channels: 2, preSkip: UInt16(encoder.lookahead))
        let writer = try OggOpusWriter(path: path, head: head, vendor: "Capstan 0.1.0")
        var tone = ToneGenerator(frequency: 440, channels: 2)
        for _ in 0..<50 { try writer.write(packet: encoder.encode(tone.nextFrame())) }
        try writer.writeGap(samples: 48_000 + 480)   // 1.01 s lost
        for _ in 0..<50 { try writer.write(packet: encoder.encode(tone.nextFrame())) }
        try writer.finalize()
        let total = 2 * 48_000 + 48_000 + 480
        #expect(writer.granulePosition == Int64(total))

        let summary = try OggOpusReader.summarize(path: path)
        #expect(summary.isIntact)
        #expect(summary.decodedSamples == Int64(total))
        #expect(summary.durationSamples == Int64(total) - Int64(head.preSkip))
        let decoded = try #require(try ffmpegDecodedSamples(path, in: dir))
        #expect(abs(decoded - (total - Int(head.preSkip))) <= 960)
        let info = try runTool("opusinfo", [path], in: dir.url)
        #expect(info.status == 0, "opusinfo: \(info.allText)")
    }

    @Test func invalidPacketIsRejectedAndNothingWritten() throws {
        let dir = try TemporaryDirectory()
        let writer = try OggOpusWriter(path: dir.path("bad.ogg"), head: OpusHead(channels: 1, preSkip: 312),
                                       vendor: "Capstan 0.1.0")
        #expect(throws: OggError.invalidPacket(.malformedOpusPacket(.empty))) { try writer.write(packet: []) }
        #expect(throws: OggError.invalidPacket(.malformedOpusPacket(.noFrames))) { try writer.write(packet: [0xFB, 0x00]) }
        #expect(writer.packetsWritten == 0)
        try writer.finalize()
        #expect(throws: OggError.writerClosed) { try writer.write(packet: [0xF8]) }
        // A header-only stream still reads back, finalized.
        let summary = try OggOpusReader.summarize(path: dir.path("bad.ogg"))
        #expect(summary.packetCount == 0)
        #expect(summary.endOfStreamSeen)
    }

    @Test func fullDiskThrowsENOSPC() throws {
        try #require(FileManager.default.fileExists(atPath: "/dev/full"))
        #expect(throws: OggError.writeFailed(errno: ENOSPC)) {
            try OggOpusWriter(path: "/dev/full", head: OpusHead(channels: 1, preSkip: 312), vendor: "Capstan 0.1.0")
        }
    }

    @Test func writeErrorMidStreamThenFinalizeClosesCleanly() throws {
        signal(SIGPIPE, SIG_IGN)   // make a write to a closed pipe fail with EPIPE instead of killing the process
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let writer = try OggOpusWriter(fileDescriptor: fds[1], head: OpusHead(channels: 1, preSkip: 312),
                                       vendor: "Capstan 0.1.0", flushIntervalSamples: 960)
        #expect(writer.pagesWritten == 2)
        close(fds[0])   // the reader goes away: the next page write fails
        let lost = try OpusPacketInfo.lostFramePacket(frameDuration: .ms20)
        #expect(throws: OggError.writeFailed(errno: EPIPE)) {
            for _ in 0..<10 { try writer.write(packet: lost) }
        }
        // Later writes report the same failure; finalize closes without throwing.
        #expect(throws: OggError.writeFailed(errno: EPIPE)) { try writer.write(packet: lost) }
        var before = stat()
        try #require(fstat(fds[1], &before) == 0)
        try writer.finalize()
        // Closed: the number is invalid now, or (tests run in parallel) reused for another file.
        var after = stat()
        #expect(fstat(fds[1], &after) == -1 || after.st_ino != before.st_ino, "the descriptor is closed")
        try writer.finalize()   // idempotent
    }

    @Test func openFailureCarriesErrno() {
        #expect(throws: OggError.openFailed(path: "/nonexistent-dir/x.ogg", errno: ENOENT)) {
            try OggOpusWriter(path: "/nonexistent-dir/x.ogg", head: OpusHead(channels: 1, preSkip: 312), vendor: "v")
        }
    }
}
