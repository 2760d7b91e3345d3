import Testing
@testable import SDP

/// RTX (RFC 4588) and RED (RFC 2198) in answers: taken when offered for the
/// codec we answer, left out otherwise.
@Suite("SDPAnswerer RTX and RED")
struct RepairFormatTests {
    @Test func h264GetsItsOwnRTX() throws {
        var options = recordingOptions()
        options.videoCodecs = [.h264]
        let result = try SDPAnswerer.answer(offer: try parse(try fixture("chromium-156-default-offer.sdp")), options: options)
        #expect(result.answer.media[1].formats == ["102", "103"])
        #expect(result.answer.media[1].formatParameters(for: 103)?.parameters == "apt=102")
        #expect(result.session.video?.rtxPayloadType == 103)
    }

    @Test func rtxNeedsNACK() throws {
        let text = try fixture("chromium-156-default-offer.sdp").replacingOccurrences("a=rtcp-fb:96 nack\r\n", with: "")
        let offer = try parse(text)
        #expect(!offer.media[1].rtcpFeedback(for: 96).contains { $0.type == "nack" && $0.parameter == nil })
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.answer.media[1].formats == ["96"])
        #expect(result.session.video?.rtxPayloadType == nil && result.session.video?.remoteRTXSSRCs == [])
    }

    @Test func rtxForAnotherCodecOnlyIsNotAnswered() throws {
        let text = try fixture("chromium-156-default-offer.sdp").replacingOccurrences("a=fmtp:97 apt=96", with: "a=fmtp:97 apt=98")
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.answer.media[1].formats == ["96"])
        #expect(!result.answerSDP.contains("rtx"))
    }

    @Test(arguments: ["110/111", "111/0", "111/", "", "x"])
    func redMustCarryOnlyOpus(parameters: String) throws {
        let text = try fixture("chromium-156-default-offer.sdp")
            .replacingOccurrences("a=fmtp:63 111/111", with: parameters.isEmpty ? "a=fmtp:63" : "a=fmtp:63 \(parameters)")
        guard let offer = try? parse(text) else { return }   // an empty fmtp may not parse: nothing to answer then
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.answer.media[0].formats == ["111"])
        #expect(result.session.audio?.redPayloadType == nil)
    }

    @Test func redWithThreeBlocksOfOpusIsAnswered() throws {
        let text = try fixture("chromium-156-default-offer.sdp").replacingOccurrences("a=fmtp:63 111/111", with: "a=fmtp:63 111/111/111")
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.answer.media[0].formats == ["63", "111"])
        #expect(result.answer.media[0].formatParameters(for: 63)?.parameters == "111/111")
    }

    @Test func loopbackAnswersNeitherRTXNorRED() throws {
        let text = try fixture("chromium-156-default-offer.sdp").replacingOccurrences("a=sendonly", with: "a=sendrecv")
        let streams = LocalStreams(cname: "capstan", streamID: "loop",
                                   audio: LocalTrack(ssrc: 1111, trackID: "loop-audio"),
                                   video: LocalTrack(ssrc: 2222, trackID: "loop-video"))
        var options = recordingOptions()
        options.mode = .sendrecv(streams)
        let result = try SDPAnswerer.answer(offer: try parse(text), options: options)
        #expect(result.answer.media.map(\.formats) == [["111"], ["96"]])
        #expect(result.session.tracks.allSatisfy { $0.rtxPayloadType == nil && $0.redPayloadType == nil })
    }

    @Test func rtxSSRCsComeFromFIDGroupsOfTheMediaSSRC() throws {
        var text = try fixture("chromium-156-default-offer.sdp")
        // A second FID group for an SSRC that is not this section's media: ignored.
        text = text.replacingOccurrences("a=ssrc-group:FID", with: "a=ssrc-group:FID 1 2\r\na=ssrc-group:FID")
        let offer = try parse(text)
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        let video = try #require(result.session.video)
        #expect(video.remoteRTXSSRCs.count == 1)
        #expect(video.remoteRTXSSRCs.allSatisfy { !video.remoteSSRCs.contains($0) })
        let group = try #require(offer.media[1].ssrcGroups.last)
        #expect(video.remoteRTXSSRCs == [group.ssrcs[1]] && video.remoteSSRCs == [group.ssrcs[0]])
    }
}
