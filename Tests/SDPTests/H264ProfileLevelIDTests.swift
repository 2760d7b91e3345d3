import Testing
@testable import SDP

/// H.264 `profile-level-id` (RFC 6184 §8.1) in the answer: only formats whose
/// profile Capstan records and browsers play (Constrained Baseline, Baseline,
/// Main, High) are answered, in the offerer's order; malformed values,
/// High 10, High 4:2:2, High 4:4:4 and unknown profiles are skipped.
@Suite("SDPAnswerer: H.264 profile-level-id")
struct H264ProfileLevelIDTests {
    /// The OBS H.264 offer with its video section's formats replaced: each
    /// (payload type, fmtp or nil) an `H264/90000` format with NACK and PLI,
    /// plus `VP8/90000` formats for `vp8` payload types. Without audio when
    /// `audio` is false.
    static func offer(h264 formats: [(UInt8, String?)], vp8: [UInt8] = [], audio: Bool = true) throws -> String {
        var text = try fixture("obs-30-whip-h264-offer.sdp")
        let payloadTypes = (formats.map(\.0) + vp8).map(String.init).joined(separator: " ")
        text = text.replacingOccurrences("m=video 51234 UDP/TLS/RTP/SAVPF 96\n", with: "m=video 51234 UDP/TLS/RTP/SAVPF \(payloadTypes)\n")
        var lines = ""
        for (pt, fmtp) in formats {
            lines += "a=rtpmap:\(pt) H264/90000\na=rtcp-fb:\(pt) nack\na=rtcp-fb:\(pt) nack pli\n"
            if let fmtp { lines += "a=fmtp:\(pt) \(fmtp)\n" }
        }
        for pt in vp8 { lines += "a=rtpmap:\(pt) VP8/90000\na=rtcp-fb:\(pt) nack\na=rtcp-fb:\(pt) nack pli\n" }
        text = text.replacingOccurrences("""
            a=rtpmap:96 H264/90000
            a=rtcp-fb:96 nack
            a=rtcp-fb:96 nack pli
            a=rtcp-fb:96 goog-remb
            a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1

            """, with: lines)
        if !audio {
            let start = try #require(text.firstRange(of: "m=audio"))
            let end = try #require(text.firstRange(of: "m=video"))
            text.removeSubrange(start.lowerBound..<end.lowerBound)
            text = text.replacingOccurrences("a=group:BUNDLE 0 1", with: "a=group:BUNDLE 1")
                .replacingOccurrences("a=group:LS 0 1\n", with: "")
        }
        #expect(text.contains("m=video 51234 UDP/TLS/RTP/SAVPF \(payloadTypes)\n") && !text.contains("goog-remb"),
                "the fixture changed: the offer was not rewritten")
        return text
    }

    static func fmtp(_ profileLevelID: String) -> String {
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=\(profileLevelID)"
    }

    @Test func parsesTheThreeOctets() {
        #expect(H264ProfileLevelID(parsing: "42e01f") == H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0xe0, levelIDC: 0x1f))
        #expect(H264ProfileLevelID(parsing: "640C34") == H264ProfileLevelID(profileIDC: 0x64, profileIOP: 0x0c, levelIDC: 0x34))
        for malformed in ["", "42e01", "42e01f0", "42e0zf", "0x42e0", "42 e01", "+42e01", "４２e01f"] {
            #expect(H264ProfileLevelID(parsing: malformed) == nil, "\(malformed)")
        }
        // Absent: 42001f (RFC 6184 §8.1); present but malformed: nil.
        #expect(H264ProfileLevelID(fmtp: "packetization-mode=1") == H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0, levelIDC: 0x1f))
        #expect(H264ProfileLevelID(fmtp: nil) == .default)
        #expect(H264ProfileLevelID(fmtp: "packetization-mode=1;profile-level-id=42e0") == nil)
    }

    @Test func skipsMalformedAndHigh10AndAnswersMainInTheOfferersOrder() throws {
        let text = try Self.offer(h264: [(96, Self.fmtp("42e0z1")), (97, Self.fmtp("6e001f")),
                                         (98, Self.fmtp("4d001f")), (99, Self.fmtp("42e01f"))])
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.video?.codecName == "H264" && result.session.video?.payloadType == 98)
        #expect(result.answer.media[1].formats == ["98"])
        #expect(result.answerSDP.contains("a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"))
        #expect(!result.answerSDP.contains("6e001f") && !result.answerSDP.contains("42e0z1"))

        // The offerer's order among acceptable formats: Constrained Baseline first is answered first.
        let cbFirst = try Self.offer(h264: [(97, Self.fmtp("6e001f")), (99, Self.fmtp("42e01f")), (98, Self.fmtp("4d001f"))])
        let answered = try SDPAnswerer.answer(offer: try parse(cbFirst), options: recordingOptions())
        #expect(answered.session.video?.payloadType == 99)
        #expect(answered.answerSDP.contains("a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
    }

    @Test("a profile browsers play is answered and echoed",
          arguments: ["42e01f", "42c01f", "42001f", "42E01F", "4d001f", "4d0032", "64001f", "640c1f", "640034"])
    func recordableProfile(_ value: String) throws {
        let text = try Self.offer(h264: [(102, Self.fmtp(value))])
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio, .video])
        #expect(result.session.video?.codecName == "H264" && result.session.video?.payloadType == 102)
        #expect(result.answerSDP.contains("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=\(value)"))
    }

    @Test("without profile-level-id the format is Baseline 42001f and is answered")
    func absentProfileIsBaseline() throws {
        let text = try Self.offer(h264: [(102, "packetization-mode=1"), (103, nil)])
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.video?.payloadType == 102)
        #expect(result.answerSDP.contains("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1\r\n"))
    }

    @Test("High 10, 4:2:2, 4:4:4, Extended, unknown or malformed H.264 as the only video: video rejected, audio recorded",
          arguments: ["6e001f", "7a001f", "f4001f", "58001f", "00001f", "ff001f", "42e01", "42e01f0", "zzzzzz", "0x42e0"])
    func unrecordableProfileRejectsVideo(_ value: String) throws {
        let text = try Self.offer(h264: [(102, Self.fmtp(value)), (104, "packetization-mode=0;profile-level-id=\(value)")])
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio])
        #expect(result.session.rejected.map(\.mid) == ["1"])
        let reason = try #require(result.session.rejected.first?.reason)
        #expect(reason.contains("offered: H264/90000") && reason.contains("Baseline, Main or High profile"), "\(reason)")
        #expect(result.answer.media[1].port == 0 && !result.answerSDP.contains("H264"))
        #expect(result.answer.bundleGroup?.mids == ["0"])
    }

    @Test func unrecordableH264BesideVP8FallsBackToVP8() throws {
        let text = try Self.offer(h264: [(102, Self.fmtp("f4001f"))], vp8: [96])
        var options = recordingOptions()
        options.videoCodecs = [.h264, .vp8]
        let result = try SDPAnswerer.answer(offer: try parse(text), options: options)
        #expect(result.session.video?.codecName == "VP8" && result.session.video?.payloadType == 96)
    }

    @Test func onlyUnrecordableH264AndNoAudioIsRefused() throws {
        let text = try Self.offer(h264: [(102, Self.fmtp("6e001f")), (104, Self.fmtp("7a001f"))], audio: false)
        #expect {
            try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        } throws: { error in
            guard case .unsupportedCodecs(let reason) = error as? SDPError else { return false }
            return reason.contains("offered: H264/90000")
                && reason.contains("H264/90000 (packetization-mode 0 or 1, Baseline, Main or High profile)")
        }
        // The same offer with High profile is answered.
        let high = try Self.offer(h264: [(102, Self.fmtp("6e001f")), (104, Self.fmtp("64001f"))], audio: false)
        let result = try SDPAnswerer.answer(offer: try parse(high), options: recordingOptions())
        #expect(result.session.video?.payloadType == 104 && result.session.tracks.map(\.kind) == [.video])
    }
}
