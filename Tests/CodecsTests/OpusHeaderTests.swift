import CapstanTestSupport
import Testing
@testable import Codecs

@Suite struct OpusHeaderTests {
    // RFC 7845 §5.1 layout: "OpusHead", version 1, 2 channels, pre-skip 312,
    // input rate 48000, gain 0, mapping family 0.
    let stereoHead = bytes(hex: "4f70757348656164 01 02 3801 80bb0000 0000 00")

    @Test func parsesIdentificationHeader() throws {
        let head = try OpusHead(parsing: stereoHead)
        #expect(head.version == 1)
        #expect(head.channels == 2)
        #expect(head.preSkip == 312)
        #expect(head.inputSampleRate == 48_000)
        #expect(head.outputGain == 0)
        #expect(head.mappingFamily == 0)
        #expect(head.serialize() == stereoHead)
        #expect(head.encodedSize == stereoHead.count)
    }

    @Test func roundTripsNegativeGainAndFamily1() throws {
        var head = OpusHead(channels: 3, preSkip: 3840, inputSampleRate: 44_100, outputGain: -256)
        head.mappingFamily = 1
        head.channelMapping = .init(streamCount: 2, coupledCount: 1, mapping: [0, 2, 1])
        let bytes = head.serialize()
        #expect(bytes.count == head.encodedSize)
        #expect(try OpusHead(parsing: bytes) == head)
    }

    @Test(arguments: 0..<19)
    func truncatedHeadThrows(length: Int) {
        #expect(throws: CodecsError.self) { try OpusHead(parsing: Array(stereoHead.prefix(length))) }
    }

    @Test func rejectsBadMagicVersionAndChannels() {
        var bad = stereoHead; bad[0] = 0x6F
        #expect(throws: CodecsError.malformedOpusHeader(.badMagic)) { try OpusHead(parsing: bad) }
        bad = stereoHead; bad[8] = 0x10
        #expect(throws: CodecsError.malformedOpusHeader(.unsupportedVersion(0x10))) { try OpusHead(parsing: bad) }
        bad = stereoHead; bad[9] = 0
        #expect(throws: CodecsError.malformedOpusHeader(.invalidChannelCount(0))) { try OpusHead(parsing: bad) }
        bad = stereoHead; bad[9] = 3   // family 0 allows only 1 or 2 channels
        #expect(throws: CodecsError.malformedOpusHeader(.invalidChannelCount(3))) { try OpusHead(parsing: bad) }
    }

    // RFC 7845 §5.2 layout: vendor "abc", two comments.
    let tagsBytes = bytes(hex: "4f70757354616773 03000000 616263 02000000 05000000 413d783132 03000000 423d79")

    @Test func parsesAndSerializesCommentHeader() throws {
        let tags = try OpusTags(parsing: tagsBytes)
        #expect(tags.vendor == "abc")
        #expect(tags.comments == ["A=x12", "B=y"])
        #expect(tags.serialize() == tagsBytes)
        #expect(tags.encodedSize == tagsBytes.count)
    }

    @Test func truncatedOrLyingCommentHeaderThrows() {
        for n in 0..<tagsBytes.count {
            #expect(throws: CodecsError.self) { try OpusTags(parsing: Array(tagsBytes.prefix(n))) }
        }
        // A comment count of 2^32-1 with no data behind it.
        let lying = bytes(hex: "4f70757354616773 00000000 ffffffff")
        #expect(throws: CodecsError.malformedOpusHeader(.truncated)) { try OpusTags(parsing: lying) }
        let badUTF8 = bytes(hex: "4f70757354616773 01000000 ff 00000000")
        #expect(throws: CodecsError.malformedOpusHeader(.invalidUTF8)) { try OpusTags(parsing: badUTF8) }
    }
}
