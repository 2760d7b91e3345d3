import Testing
@testable import SDP

@Suite("SDPAnswerer")
struct SDPAnswererTests {
    /// Checks that hold for every acceptable WebRTC offer with Opus and VP8.
    @Test(arguments: capturedFixtures + reconstructedAcceptedFixtures)
    func answersFixture(name: String) throws {
        let offer = try parse(try fixture(name))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        let answer = try parse(result.answerSDP)
        #expect(answer == result.answer)
        #expect(answer.serialized == result.answerSDP)
        #expect(answer.media.count == offer.media.count)
        #expect(answer.isICELite)
        #expect(answer.origin.sessionID == "4242")

        let offeredMids = offer.media.compactMap(\.mid)
        #expect(answer.media.compactMap(\.mid) == offeredMids)
        #expect(answer.bundleGroup?.mids == offeredMids)          // both sections accepted, in m= order
        #expect(result.session.bundleMids == offeredMids)

        for (offered, answered) in zip(offer.media, answer.media) {
            #expect(answered.kind == offered.kind)
            #expect(answered.port == 40000)
            #expect(answered.connection == SDPConnection(address: "127.0.0.1"))
            // One codec, plus RTX (video, after it) and RED (audio, before it) when offered.
            let repair = ["rtx", "red"]
            let codecs = answered.rtpMaps.filter { !repair.contains($0.encodingName.lowercased()) }
            #expect(codecs.count == 1)
            let pt = try #require(codecs.first?.payloadType)
            let offeredMap = try #require(offered.rtpMap(for: pt))
            let answeredMap = try #require(answered.rtpMap(for: pt))
            #expect(answeredMap == offeredMap)                   // offer's PT and name kept
            #expect(answered.formats.count == answered.rtpMaps.count)
            for map in answered.rtpMaps where map.payloadType != pt {
                #expect(offered.rtpMap(for: map.payloadType) == map)   // offered as such
                let parameters = answered.formatParameters(for: map.payloadType)?.parameters
                if offered.kind == .audio {
                    #expect(map.encodingName.lowercased() == "red" && parameters == "\(pt)/\(pt)")
                    #expect(answered.formats == ["\(map.payloadType)", "\(pt)"])
                } else {
                    #expect(map.encodingName.lowercased() == "rtx" && parameters == "apt=\(pt)")
                    #expect(answered.formats == ["\(pt)", "\(map.payloadType)"])
                }
            }
            if offered.kind == .audio {
                #expect(offeredMap.encodingName.lowercased() == "opus" && offeredMap.channels == 2)
                #expect(answered.formatParameters(for: pt)?.parameters == "minptime=10;useinbandfec=1")
                #expect(answered.rtcpFeedback.isEmpty)
            } else {
                #expect(offeredMap.encodingName == "VP8")
                let allowed = Set(["nack", "nack pli", "ccm fir"])
                let written = answered.rtcpFeedback.map { [$0.type, $0.parameter].compactMap { $0 }.joined(separator: " ") }
                #expect(written.allSatisfy(allowed.contains))
                #expect(answered.rtcpFeedback.allSatisfy { $0.payloadType == pt })
                let offeredFeedback = offered.rtcpFeedback(for: pt)
                #expect(answered.rtcpFeedback.contains{ $0.isPLI } == offeredFeedback.contains{ $0.isPLI })
                #expect(answered.rtcpFeedback.contains{ $0.isNACK } == offeredFeedback.contains{ $0.isNACK })
                #expect(answered.rtcpFeedback.contains{ $0.isFIR } == offeredFeedback.contains{ $0.isFIR })
            }
            #expect(answered.iceUfrag == "CapS" && answered.icePwd == "capstanPasswordOf24Chars")
            #expect(answered.fingerprints == [localFingerprint])
            #expect(answered.setup == .passive)
            #expect(answered.direction == .recvonly)
            #expect(answered.isRTCPMux)
            #expect(answered.candidates == [.host(address: "127.0.0.1", port: 40000)])
            #expect(answered.hasEndOfCandidates)
            #expect(answered.extensionMaps.isEmpty && answered.ssrcAttributes.isEmpty && answered.msid == nil)
            let others = Set(answered.attributes.map(\.name))
            #expect(others.isSubset(of: ["mid", "ice-ufrag", "ice-pwd", "fingerprint", "setup", "recvonly", "rtcp-mux",
                                         "rtpmap", "fmtp", "rtcp-fb", "candidate", "end-of-candidates"]))
        }

        let session = result.session
        #expect(session.dtlsRole == .server)
        #expect(session.rejected.isEmpty)
        let tag = offer.media[0]
        #expect(session.remoteICEUfrag == tag.iceUfrag ?? offer.iceUfrag)
        #expect(session.remoteICEPwd == tag.icePwd ?? offer.icePwd)
        #expect(session.remoteFingerprints == offer.effectiveFingerprints(of: tag))
        #expect(session.remoteCandidates == tag.candidates.filter { $0.component == 1 })
        #expect(session.tracks.map(\.kind) == offer.media.map(\.kind))
        for track in session.tracks {
            let offered = offer.media[track.mLineIndex]
            #expect(track.mid == offered.mid)
            #expect(track.direction == .recvonly && track.localSSRC == nil)
            #expect(offered.rtpMap(for: track.payloadType)?.encodingName == track.codecName)
            #expect(track.clockRate == (track.kind == .audio ? 48000 : 90000))
            #expect(track.channels == (track.kind == .audio ? 2 : nil))
            #expect(track.remoteSSRCs == offered.primarySSRCs)
            #expect(track.extensionMaps == offered.extensionMaps)
        }
    }

    @Test func chromiumDefaultChoosesVP8AndOpusWithRTXAndRED() throws {
        let offer = try parse(try fixture("chromium-156-default-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        for banned in ["VP9", "AV1", "H264", "ulpfec", "red/90000", "G722", "PCMU", "PCMA", "telephone-event",
                       "transport-cc", "goog-remb", "extmap", "ssrc-group"] {
            #expect(!result.answerSDP.contains(banned), "answer contains \(banned)")
        }
        // RED first: libwebrtc sends RED only when it precedes Opus in the answer.
        #expect(result.answer.media[0].formats == ["63", "111"])
        #expect(result.answer.media[0].rtpMap(for: 63) == RTPMap(payloadType: 63, encodingName: "red", clockRate: 48000, channels: 2))
        #expect(result.answer.media[0].formatParameters(for: 63)?.parameters == "111/111")
        #expect(result.answer.media[0].rtcpFeedback.isEmpty)
        // RTX for VP8 (apt=96) only, not the other codecs' RTX formats.
        #expect(result.answer.media[1].formats == ["96", "97"])
        #expect(result.answer.media[1].rtpMap(for: 97) == RTPMap(payloadType: 97, encodingName: "rtx", clockRate: 90000))
        #expect(result.answer.media[1].formatParameters(for: 97)?.parameters == "apt=96")
        #expect(result.answer.media[1].rtcpFeedback.allSatisfy { $0.payloadType == 96 })
        #expect(result.answerSDP.contains("a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"))
        let audio = try #require(result.session.audio)
        #expect(audio.payloadType == 111 && audio.redPayloadType == 63 && audio.rtxPayloadType == nil)
        let video = try #require(result.session.video)
        #expect(video.nack && video.pli && video.fir)
        #expect(video.remoteSSRCs == [809402888])          // RTX SSRC of the FID group left out
        #expect(video.rtxPayloadType == 97 && video.remoteRTXSSRCs == [2954938905] && video.redPayloadType == nil)
        #expect(video.remoteCNAME == "LYKX4LZo//Ux5N80")
        #expect(result.session.remoteCandidates.count == 2)
        #expect(result.session.remoteCandidates[1].tcpType == .active)
        #expect(!result.session.remoteEndOfCandidates)
    }

    @Test func firefoxDefault() throws {
        let offer = try parse(try fixture("firefox-153esr-default-offer.sdp"))
        #expect(offer.direction == .sendrecv)
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        // Session-level sendrecv is overridden by media-level sendonly: we answer recvonly.
        #expect(result.answer.media.map(\.direction) == [.recvonly, .recvonly])
        #expect(result.answer.direction == nil)
        #expect(result.answer.media.map(\.formats) == [["109"], ["120", "124"]])   // VP8 + its RTX; no audio RED offered
        #expect(result.session.video?.rtxPayloadType == 124 && result.session.video?.remoteRTXSSRCs == [4197975510])
        #expect(result.session.audio?.redPayloadType == nil)
        #expect(!result.answerSDP.contains("a=rtcp:"))
        // Component 2 (RTCP) candidates are dropped, `::1` ones kept.
        let remote = result.session.remoteCandidates
        #expect(remote.count == 4 && remote.allSatisfy { $0.component == 1 })
        #expect(remote.contains { $0.address == "::1" && $0.addressKind == .ipv6 && $0.port == 34694 })
        #expect(result.session.remoteEndOfCandidates)
        #expect(result.session.remoteFingerprints == offer.fingerprints)   // session-level fingerprint
        #expect(result.session.audio?.remoteSSRCs == [2446213988])
        #expect(result.session.video?.remoteSSRCs == [2700610484])
    }

    @Test func firefoxVP8FeedbackOnlyForChosenPayloadType() throws {
        let offer = try parse(try fixture("firefox-153esr-vp8-opus-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.answer.media[1].rtcpFeedback.map(\.serialized) == ["120 nack", "120 nack pli", "120 ccm fir"])
        #expect(result.session.video?.remoteSSRCs == [181892391])
    }

    @Test func gstreamerBundleOnlyAudio() throws {
        let offer = try parse(try fixture("gstreamer-1.22-webrtcbin-offer.sdp"))
        #expect(offer.media[1].port == 0 && offer.media[1].isBundleOnly && !offer.media[1].isRejected)
        #expect(offer.media.allSatisfy { $0.isRTCPMuxOnly })
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.answer.bundleGroup?.mids == ["video0", "audio1"])
        #expect(result.answer.media.map(\.port) == [40000, 40000])
        #expect(!result.answer.media.contains{ $0.isBundleOnly })
        let audio = try #require(result.session.audio)
        #expect(audio.codecName == "OPUS" && audio.payloadType == 111 && audio.mid == "audio1")
        #expect(result.answer.media[1].rtpMap(for: 111)?.encodingName == "OPUS")
        let video = try #require(result.session.video)
        #expect(!video.nack && video.pli && video.fir)          // only what was offered
        #expect(result.answer.media[0].rtcpFeedback.map(\.serialized) == ["96 nack pli", "96 ccm fir"])
        #expect(result.session.remoteICEUfrag == "DDEWu2mBcQMJ1ouaNlKBZCWA4U7EGJIC")
        #expect(result.session.remoteCandidates.count == 3)
        #expect(result.session.remoteCandidates.last?.tcpType == .passive)
        #expect(video.remoteSSRCs == [1060278560] && audio.remoteSSRCs == [1470476930])
    }

    @Test func aiortcSeveralFingerprints() throws {
        let offer = try parse(try fixture("aiortc-1.16-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.session.remoteFingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
        #expect(result.session.remoteFingerprints[2].bytes.count == 64)
        #expect(result.session.audio?.payloadType == 96 && result.session.video?.payloadType == 97)
        #expect(result.session.video.map { ($0.nack, $0.pli, $0.fir) } ?? (false, false, true) == (true, true, false))
        #expect(result.session.remoteICEUfrag == "yj2u")
    }

    @Test func safariPicksVP8BehindH264() throws {
        let offer = try parse(try fixture("safari-17-offer.sdp"))
        #expect(offer.hasAttribute("extmap-allow-mixed"))
        #expect(offer.media[1].formats.first == "96")
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.answer.media[1].formats == ["100", "101"])
        #expect(result.answer.media[0].formats == ["63", "111"])
        #expect(result.session.video?.remoteRTXSSRCs == [2247460181])
        #expect(result.session.video?.payloadType == 100 && result.session.video?.codecName == "VP8")
        #expect(!result.answerSDP.contains("H264") && !result.answerSDP.contains("extmap-allow-mixed"))
        #expect(result.session.remoteCandidates.map(\.addressKind) == [.ipv4, .ipv6])
        #expect(result.session.video?.remoteSSRCs == [3804115672])
    }

    @Test func obsWithH264IsAnsweredH264AndOpus() throws {
        let offer = try parse(try fixture("obs-30-whip-h264-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio, .video])
        #expect(result.session.rejected.isEmpty)
        #expect(result.session.video?.codecName == "H264" && result.session.video?.payloadType == 96)
        #expect(result.session.video.map { ($0.nack, $0.pli, $0.fir) } ?? (false, false, true) == (true, true, false))
        #expect(result.answerSDP.contains("a=rtpmap:96 H264/90000"))
        #expect(result.answerSDP.contains("a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        #expect(result.answer.bundleGroup?.mids == ["0", "1"])
        // Credentials and fingerprint came from session level.
        #expect(result.session.remoteICEUfrag == "Wb1T")
        #expect(result.session.remoteFingerprints == offer.fingerprints)
        #expect(result.session.audio?.formatParameters?.contains("stereo=1") == true)
    }

    @Test func ffmpegWHIPOfferIsAnsweredH264AndOpus() throws {
        let offer = try parse(try fixture("ffmpeg-whip-h264-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio, .video])
        #expect(result.session.video?.codecName == "H264" && result.session.video?.payloadType == 106)
        #expect(result.session.audio?.payloadType == 111)
        // FFmpeg offers a=setup:active: we are the DTLS server, answering passive.
        #expect(result.session.dtlsRole == .server && result.answerSDP.contains("a=setup:passive"))
        #expect(result.answerSDP.contains("a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        #expect(result.session.video?.remoteSSRCs == [1786293340])
        // No rtcp-fb offered: no NACK/PLI answered.
        #expect(result.session.video.map { $0.nack || $0.pli } == false)
    }

    @Test func hevcVideoBesideOpusRecordsAudioAndSaysWhy() throws {
        let offer = try parse(try fixture("obs-30-whip-hevc-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio])
        #expect(result.session.rejected.map(\.mid) == ["1"])
        let reason = result.session.rejected[0].reason
        #expect(reason.contains("H265/90000") && reason.contains("VP8/90000") && reason.contains("H264/90000"), "\(reason)")
        let rejected = result.answer.media[1]
        #expect(rejected.port == 0 && rejected.mid == "1" && rejected.kind == .video)
        // What peers check on every section (aiortc: ICE credentials, DTLS role, rtcp-mux).
        for name in ["ice-ufrag", "ice-pwd", "fingerprint", "setup", "rtcp-mux"] {
            #expect(rejected.hasAttribute(name), "rejected section lacks a=\(name)")
        }
        #expect(result.answer.bundleGroup?.mids == ["0"])
    }

    @Test func hevcOnlyOfferIsRefusedNamingTheCodecs() throws {
        var text = try fixture("obs-30-whip-hevc-offer.sdp")
        let audio = try #require(text.firstRange(of: "m=audio"))
        let video = try #require(text.firstRange(of: "m=video"))
        text.removeSubrange(audio.lowerBound..<video.lowerBound)
        text = text.replacingOccurrences("a=group:BUNDLE 0 1", with: "a=group:BUNDLE 1")
            .replacingOccurrences("a=group:LS 0 1\n", with: "")
        #expect {
            try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        } throws: { error in
            guard case .unsupportedCodecs(let reason) = error as? SDPError else { return false }
            return reason.contains("offered: H265/90000") && reason.contains("Capstan records: VP8/90000, VP9/90000 (profile-id 0), AV1/90000 (profile 0), H264/90000")
        }
    }

    @Test func videoCodecsOrderDecidesAndTheOffererOrdersFormats() throws {
        let offer = try parse(try fixture("safari-17-offer.sdp"))
        var options = recordingOptions()
        options.videoCodecs = [.h264, .vp8]
        let result = try SDPAnswerer.answer(offer: offer, options: options)
        // Safari's first H.264 format (High, 640c1f) wins over its second (Constrained Baseline).
        #expect(result.session.video?.codecName == "H264" && result.session.video?.payloadType == 96)
        #expect(result.answerSDP.contains("profile-level-id=640c1f"))
        options.videoCodecs = [.vp8]
        let vp8Only = try SDPAnswerer.answer(offer: try parse(try fixture("obs-30-whip-h264-offer.sdp")), options: options)
        #expect(vp8Only.session.tracks.map(\.kind) == [.audio])
        #expect(vp8Only.session.rejected.first?.reason.contains("Capstan records: VP8/90000)") == true)
    }

    @Test func h264InterleavedModeIsNotTaken() throws {
        let text = try fixture("obs-30-whip-h264-offer.sdp")
            .replacingOccurrences("packetization-mode=1", with: "packetization-mode=2")
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio])
        // Without fmtp packetization-mode is 0 (RFC 6184 §8.1), which is taken.
        let mode0 = try fixture("obs-30-whip-h264-offer.sdp")
            .replacingOccurrences("a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1\n", with: "")
        let answered = try SDPAnswerer.answer(offer: try parse(mode0), options: recordingOptions())
        #expect(answered.session.video?.codecName == "H264")
        #expect(answered.answerSDP.contains("a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=0"))
    }

    @Test func obsWithVP8AcceptsBoth() throws {
        let offer = try parse(try fixture("obs-30-whip-vp8-offer.sdp"))
        let result = try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        #expect(result.session.tracks.map(\.kind) == [.audio, .video])
        #expect(result.session.video.map { ($0.nack, $0.pli, $0.fir) } ?? (false, false, true) == (true, true, false))
        #expect(result.session.video?.remoteSSRCs == [1127745231])
    }

    @Test func dataChannelOnlyOfferThrows() throws {
        let offer = try parse(try fixture("datachannel-only-offer.sdp"))
        #expect {
            try SDPAnswerer.answer(offer: offer, options: recordingOptions())
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("no acceptable media section") && reason.contains("data channels")
        }
    }

    @Test func dataChannelOnlyOfferThrowsWithDataChannelsOn() throws {
        let offer = try parse(try fixture("datachannel-only-offer.sdp"))
        var options = recordingOptions()
        options.dataChannels = DataChannelAnswerPolicy(maxMessageSize: 65_536)
        #expect {
            try SDPAnswerer.answer(offer: offer, options: options)
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("data channels ride beside audio or video")
        }
    }

    static func offerWithDataChannel(extra: String = "a=sctp-port:5000\r\n") throws -> String {
        var text = try fixture("chromium-156-vp8-opus-offer.sdp")
        text = text.replacingOccurrences("a=group:BUNDLE 0 1", with: "a=group:BUNDLE 0 1 2")
        // The transport attributes a browser puts on every section.
        let ufrag = try #require(text.firstRange(of: "a=ice-ufrag:")).lowerBound
        let transport = text[ufrag...].split(separator: "\r\n").prefix(while: { !$0.hasPrefix("a=mid") })
            .filter { $0.hasPrefix("a=ice-") || $0.hasPrefix("a=fingerprint") || $0.hasPrefix("a=setup") }
        text += "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
            + transport.map { "\($0)\r\n" }.joined() + "a=mid:2\r\n" + extra
        return text
    }

    /// Policy off: the section is rejected, but keeps what peers check on
    /// every section (aiortc refused the whole answer with `ICE username
    /// fragment or password is missing`), and names the default SCTP port.
    @Test func dataChannelBesideMediaIsRejectedWithItsMidWhenOff() throws {
        let result = try SDPAnswerer.answer(offer: try parse(try Self.offerWithDataChannel()), options: recordingOptions())
        #expect(result.answer.media.count == 3)
        let section = result.answer.media[2]
        #expect(section.port == 0 && section.mid == "2")
        #expect(section.mediaLine == "application 0 UDP/DTLS/SCTP webrtc-datachannel")
        #expect(section.iceUfrag == result.answer.media[0].iceUfrag && section.icePwd != nil)
        #expect(section.attribute("fingerprint") != nil && section.attribute("setup") == "passive")
        #expect(section.sctpPort == 5000)
        #expect(result.answer.bundleGroup?.mids == ["0", "1"])
        #expect(result.session.rejected.first?.reason.contains("data channels are off") == true)
        #expect(result.session.dataChannel == nil)
    }

    @Test func dataChannelAcceptedInTheBundleWithSCTPPortAndMaxMessageSize() throws {
        var options = recordingOptions()
        options.dataChannels = DataChannelAnswerPolicy(maxMessageSize: 16_384)
        let offer = try Self.offerWithDataChannel(extra: "a=sctp-port:5001\r\na=max-message-size:262144\r\n")
        let result = try SDPAnswerer.answer(offer: try parse(offer), options: options)
        let section = result.answer.media[2]
        #expect(section.mediaLine == "application 40000 UDP/DTLS/SCTP webrtc-datachannel")
        #expect(section.sctpPort == 5000)
        #expect(section.maxMessageSize == 16_384)
        #expect(section.iceUfrag == result.answer.media[0].iceUfrag)
        #expect(section.hasAttribute("end-of-candidates"))
        #expect(result.answer.bundleGroup?.mids == ["0", "1", "2"])
        #expect(result.session.dataChannel == NegotiatedDataChannel(
            mid: "2", mLineIndex: 2, remotePort: 5001, remoteMaxMessageSize: 262_144, localPort: 5000,
            localMaxMessageSize: 16_384))
        // Round trip: the answer parses as SDP.
        #expect(try parse(result.answerSDP).media[2].maxMessageSize == 16_384)
        // Absent attributes take RFC 8841's defaults.
        let plain = try SDPAnswerer.answer(offer: try parse(try Self.offerWithDataChannel(extra: "")), options: options)
        #expect(plain.session.dataChannel?.remotePort == 5000)
        #expect(plain.session.dataChannel?.remoteMaxMessageSize == 65_536)
    }

    @Test func legacyDataChannelSectionIsRejectedWithTransportAttributes() throws {
        var text = try Self.offerWithDataChannel(extra: "a=sctpmap:5000 webrtc-datachannel 1024\r\n")
        text = text.replacingOccurrences("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", with: "m=application 9 DTLS/SCTP 5000")
        var options = recordingOptions()
        options.dataChannels = DataChannelAnswerPolicy(maxMessageSize: 65_536)
        let result = try SDPAnswerer.answer(offer: try parse(text), options: options)
        #expect(result.answer.media[2].port == 0)
        #expect(result.answer.media[2].iceUfrag != nil)
        #expect(result.session.rejected.first?.reason.contains("not supported") == true)
    }

    @Test func secondVideoAndInactiveSectionsAreRejected() throws {
        var text = try fixture("chromium-156-vp8-opus-offer.sdp")
        let videoStart = try #require(text.firstRange(of: "m=video"))
        let video = String(text[videoStart.lowerBound...])
        text = text.replacingOccurrences("a=group:BUNDLE 0 1", with: "a=group:BUNDLE 0 1 2 3")
        text += video.replacingOccurrences("a=mid:1", with: "a=mid:2")
        text += video.replacingOccurrences("a=mid:1", with: "a=mid:3").replacingOccurrences("a=sendonly", with: "a=inactive")
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.answer.media.map(\.port) == [40000, 40000, 0, 0])
        #expect(result.session.rejected.map(\.mid) == ["2", "3"])
        #expect(result.session.rejected[0].reason.contains("only one video"))
        #expect(result.session.rejected[1].reason.contains("inactive"))
    }

    @Test func withoutRTCPMuxSectionIsRejectedWithReason() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp")
        let noMuxVideo = removingLine("a=rtcp-mux", inSectionWithMid: "1", of: text)
        let partial = try SDPAnswerer.answer(offer: try parse(noMuxVideo), options: recordingOptions())
        #expect(partial.session.tracks.map(\.kind) == [.audio])
        #expect(partial.session.rejected.first?.reason.contains("rtcp-mux") == true)
        #expect(partial.answer.media[1].port == 0)

        let noMuxAtAll = text.replacingOccurrences("a=rtcp-mux\r\n", with: "")
        #expect {
            try SDPAnswerer.answer(offer: try parse(noMuxAtAll), options: recordingOptions())
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("rtcp-mux")
        }
    }

    @Test func withoutFingerprintThrows() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp")
        let noFingerprint = text.split(separator: "\r\n").filter { !$0.hasPrefix("a=fingerprint") }
            .joined(separator: "\r\n") + "\r\n"
        #expect {
            try SDPAnswerer.answer(offer: try parse(noFingerprint), options: recordingOptions())
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("fingerprint")
        }
    }

    @Test func withoutICECredentialsThrows() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp")
        let noPwd = text.split(separator: "\r\n").filter { !$0.hasPrefix("a=ice-pwd") }.joined(separator: "\r\n") + "\r\n"
        #expect {
            try SDPAnswerer.answer(offer: try parse(noPwd), options: recordingOptions())
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("ice-pwd")
        }
    }

    /// RFC 5763 §5: the answerer must use active or passive; to an `active`
    /// offer it answers `passive` (we are the DTLS server), to `passive` it
    /// answers `active` (we are the client), to `actpass` we choose `passive`.
    @Test(arguments: [
        (DTLSSetup.actpass, DTLSSetup.passive, DTLSRole.server),
        (.active, .passive, .server),
        (.passive, .active, .client),
    ])
    func setupRoles(offered: DTLSSetup, answered: DTLSSetup, role: DTLSRole) throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp")
            .replacingOccurrences("a=setup:actpass", with: "a=setup:\(offered.rawValue)")
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.answer.media.allSatisfy { $0.setup == answered })
        #expect(result.session.dtlsRole == role)
    }

    @Test func holdconnThrows() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp").replacingOccurrences("a=setup:actpass", with: "a=setup:holdconn")
        #expect(throws: SDPError.self) { try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions()) }
    }

    @Test func loopbackAnswersSendrecvWithSSRCAndMsid() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp").replacingOccurrences("a=sendonly", with: "a=sendrecv")
        let streams = LocalStreams(cname: "capstan", streamID: "loop",
                                   audio: LocalTrack(ssrc: 1111, trackID: "loop-audio"),
                                   video: LocalTrack(ssrc: 2222, trackID: "loop-video"))
        var options = recordingOptions()
        options.mode = .sendrecv(streams)
        let result = try SDPAnswerer.answer(offer: try parse(text), options: options)
        #expect(result.answer.media.map(\.direction) == [.sendrecv, .sendrecv])
        #expect(result.answer.media[0].msid == MediaStreamID(streamID: "loop", trackID: "loop-audio"))
        #expect(result.answer.media[1].ssrcAttributes.contains(SSRCAttribute(ssrc: 2222, attribute: "cname", value: "capstan")))
        #expect(result.session.tracks.map(\.localSSRC) == [1111, 2222])
        #expect(result.session.tracks.map(\.direction) == [.sendrecv, .sendrecv])

        // A sendonly offer in loopback mode still gets recvonly (RFC 3264 §6.1).
        let sendonly = try SDPAnswerer.answer(offer: try parse(try fixture("chromium-156-vp8-opus-offer.sdp")), options: options)
        #expect(sendonly.answer.media.map(\.direction) == [.recvonly, .recvonly])
        #expect(sendonly.answer.media.allSatisfy { $0.ssrcAttributes.isEmpty && $0.msid == nil })
    }

    @Test func severalSectionsWithoutBundleThrow() throws {
        let text = try fixture("chromium-156-vp8-opus-offer.sdp").replacingOccurrences("a=group:BUNDLE 0 1\r\n", with: "")
        #expect {
            try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        } throws: { error in
            guard case .unacceptableOffer(let reason) = error as? SDPError else { return false }
            return reason.contains("BUNDLE")
        }
    }

    @Test func ipv6LocalCandidateSetsConnectionLine() throws {
        let offer = try parse(try fixture("aiortc-1.16-offer.sdp"))
        let options = recordingOptions(candidates: [.host(address: "2001:db8::7", port: 5004),
                                                    .host(address: "192.0.2.7", port: 5004)])
        let result = try SDPAnswerer.answer(offer: offer, options: options)
        #expect(result.answer.media[0].connection == SDPConnection(networkType: "IN", addressType: "IP6", address: "2001:db8::7"))
        #expect(result.answer.media[0].candidates.count == 2)
    }
}

/// Drops one line from the media section with the given mid.
func removingLine(_ line: String, inSectionWithMid mid: String, of text: String) -> String {
    var sections = text.components("m=")
    for index in sections.indices where sections[index].contains("a=mid:\(mid)\r\n") {
        sections[index] = sections[index].replacingOccurrences(line + "\r\n", with: "")
    }
    return sections.joined(separator: "m=")
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    func components(_ separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
