import Testing
@testable import SDP

/// VP9 (RFC 9628 §6, profile-id 0) and AV1 (AV1 RTP §7, profile 0) in answers.
@Suite struct VP9AV1AnswererTests {
    @Test func chromiumOfferAnswersVP9ProfileZeroWhenPreferred() throws {
        let offer = try parse(try fixture("chromium-156-default-offer.sdp"))
        var options = recordingOptions()
        options.videoCodecs = [.vp9, .vp8]
        let result = try SDPAnswerer.answer(offer: offer, options: options)
        let video = try #require(result.session.video)
        #expect(video.codecName == "VP9" && video.payloadType == 98)
        #expect(video.nack && video.pli)
        // VP9 and its RTX (RFC 4588: 99 apt=98 in Chromium's offer).
        #expect(result.answer.media[1].formats == ["98", "99"])
        #expect(result.answerSDP.contains("a=fmtp:99 apt=98"))
        #expect(result.answerSDP.contains("a=fmtp:98 profile-id=0"))
        #expect(!result.answerSDP.contains("profile-id=2"))
    }

    @Test func vp9ProfileTwoAloneIsNotTaken() throws {
        let text = try fixture("chromium-156-default-offer.sdp")
            .replacingOccurrences("a=fmtp:98 profile-id=0", with: "a=fmtp:98 profile-id=1")
        var options = recordingOptions()
        options.videoCodecs = [.vp9]
        let result = try SDPAnswerer.answer(offer: try parse(text), options: options)
        // 98 is profile 1 now and 100 profile 2: no VP9 Capstan takes, the video section is rejected.
        #expect(result.session.video == nil)
        #expect(result.session.rejected.first?.reason.contains("VP9/90000 (profile-id 0)") == true)
    }

    @Test func chromiumOfferAnswersAV1EchoingItsParameters() throws {
        let offer = try parse(try fixture("chromium-156-default-offer.sdp"))
        var options = recordingOptions()
        options.videoCodecs = [.av1, .vp8]
        let result = try SDPAnswerer.answer(offer: offer, options: options)
        let video = try #require(result.session.video)
        #expect(video.codecName == "AV1" && video.payloadType == 45)
        #expect(result.answerSDP.contains("a=fmtp:45 level-idx=5;profile=0;tier=0"))
    }

    @Test func defaultOrderIsVP8VP9AV1H264() {
        #expect(SupportedCodec.recordableVideo == [.vp8, .vp9, .av1, .h264])
        #expect(AnswerOptions(iceUfrag: "abcd", icePwd: String(repeating: "p", count: 22), fingerprint: .sha256("00"),
                              candidates: [], mode: .recvonly, sessionID: 1).videoCodecs == [.vp8, .vp9, .av1, .h264])
    }

    @Test func offererWritesVP9AndAV1Sections() throws {
        for (codec, fmtp) in [(SupportedCodec.vp9, "a=fmtp:98 profile-id=0"), (.av1, "a=fmtp:45 level-idx=5;profile=0;tier=0")] {
            var options = OfferOptions(iceUfrag: "abcd", icePwd: String(repeating: "p", count: 22), fingerprint: .sha256("00"),
                                       streams: LocalStreams(cname: "c", streamID: "s", audio: nil,
                                                             video: LocalTrack(ssrc: 1, trackID: "v")),
                                       sessionID: 1)
            options.videoCodec = codec
            let text = SDPOfferer.offer(options: options).serialized
            #expect(text.contains(fmtp) && text.contains("nack pli"), "\(text)")
        }
    }
}
