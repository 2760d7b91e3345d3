import Testing
@testable import SDP

@Suite("SessionDescription parse and serialize")
struct SessionDescriptionTests {
    @Test(arguments: capturedFixtures + reconstructedAcceptedFixtures + ["obs-30-whip-h264-offer.sdp", "datachannel-only-offer.sdp"])
    func fixtureRoundTrips(name: String) throws {
        let text = try fixture(name)
        let parsed = try parse(text)
        #expect(!parsed.media.isEmpty)
        let serialized = parsed.serialized
        let reparsed = try parse(serialized)
        #expect(reparsed == parsed)
        // Serialization of what we produced is byte-exact.
        #expect(reparsed.serialized == serialized)
        // The captured files are CRLF with fields in RFC order: byte-exact too.
        if text.contains("\r\n") { #expect(serialized == text) }
        // Every non-empty input line survives, in order.
        let inputLines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let outputLines = serialized.split(separator: "\r\n", omittingEmptySubsequences: true)
        #expect(inputLines.map(String.init) == outputLines.map(String.init))
    }

    @Test func toleratesBareLineFeeds() throws {
        let crlf = try fixture("chromium-156-vp8-opus-offer.sdp")
        let lfOnly = crlf.split(separator: "\r\n").joined(separator: "\n")
        #expect(!lfOnly.contains("\r"))
        #expect(try parse(lfOnly) == parse(crlf))
    }

    @Test func chromiumFields() throws {
        let offer = try parse(try fixture("chromium-156-default-offer.sdp"))
        #expect(offer.origin.sessionID == "3177574061148422994")
        #expect(offer.origin.sessionVersion == "2")
        #expect(offer.timings == [SDPTiming(start: 0, stop: 0)])
        #expect(offer.bundleGroup == SDPGroup(semantics: "BUNDLE", mids: ["0", "1"]))
        #expect(offer.hasAttribute("extmap-allow-mixed"))
        #expect(offer.attribute("msid-semantic") == " WMS ab2096a0-8c5d-44f7-91e8-b6cfda121874")
        let audio = offer.media[0]
        #expect(audio.kind == .audio && audio.port == 56347 && audio.proto == "UDP/TLS/RTP/SAVPF")
        #expect(audio.formats == ["111", "63", "9", "0", "8", "13", "110", "126"])
        #expect(audio.connection == SDPConnection(address: "127.0.0.1"))
        #expect(audio.mid == "0")
        #expect(audio.iceUfrag == "z3FP" && audio.icePwd == "zNiH9sBb9UTGIda4DBwnKA6C")
        #expect(audio.iceOptions == ["trickle"])
        #expect(audio.setup == .actpass)
        #expect(audio.direction == .sendonly)
        #expect(audio.isRTCPMux && !audio.isRTCPMuxOnly && !audio.isBundleOnly)
        #expect(audio.rtpMap(for: 111) == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(audio.rtpMap(for: 0) == RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000))
        #expect(audio.formatParameters(for: 111)?.dictionary == ["minptime": "10", "useinbandfec": "1"])
        #expect(audio.extensionMaps.first == ExtensionMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"))
        #expect(audio.msid == MediaStreamID(streamID: "ab2096a0-8c5d-44f7-91e8-b6cfda121874",
                                            trackID: "3198100b-3b25-47c6-93ad-8406929e698f"))
        #expect(audio.ssrcs == [3955057328])
        #expect(audio.candidates.count == 2)
        #expect(audio.fingerprints.first?.algorithm == "sha-256")
        let video = offer.media[1]
        #expect(video.formats.count == 23)
        #expect(video.ssrcGroups == [SSRCGroup(semantics: "FID", ssrcs: [809402888, 2954938905])])
        #expect(video.rtcpFeedback(for: 96).map(\.serialized) == ["96 goog-remb", "96 transport-cc", "96 ccm fir", "96 nack", "96 nack pli"])
        #expect(video.primarySSRCs == [809402888])
    }

    @Test func firefoxSessionLevelDirectionIsOverriddenByMedia() throws {
        let offer = try parse(try fixture("firefox-153esr-default-offer.sdp"))
        #expect(offer.direction == .sendrecv)
        #expect(offer.fingerprints.count == 1)
        for section in offer.media {
            #expect(section.direction == .sendonly)
            #expect(offer.effectiveDirection(of: section) == .sendonly)
            #expect(section.fingerprints.isEmpty)
            #expect(offer.effectiveFingerprints(of: section) == offer.fingerprints)
            #expect(section.hasAttribute("rtcp"))
        }
        #expect(offer.media[0].attribute("rtcp") == "34891 IN IP4 127.0.0.1")
        #expect(offer.media[1].extensionMaps.contains(ExtensionMap(id: 6, direction: .recvonly,
            uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay")))
    }

    @Test func effectiveDirectionDefaultsToSendrecv() throws {
        let text = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\n"
        let offer = try parse(text)
        #expect(offer.media[0].direction == nil)
        #expect(offer.effectiveDirection(of: offer.media[0]) == .sendrecv)
    }

    @Test func keepsUnknownAttributesAndOptionalLines() throws {
        let text = """
        v=0\r
        o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r
        s=Lecture\r
        i=A seminar\r
        u=http://www.example.com/seminars/sdp.pdf\r
        e=j.doe@example.com (Jane Doe)\r
        p=+1 617 555-6011\r
        c=IN IP4 233.252.0.1/127\r
        b=AS:2000\r
        t=2873397496 2873404696\r
        r=7d 1h 0 25h\r
        z=2882844526 -1h\r
        a=x-unknown:keep me\r
        a=recvonly\r
        m=audio 49170/2 RTP/AVP 0\r
        i=audio\r
        b=TIAS:64000\r
        a=x-flag\r
        m=video 51372 RTP/AVP 99\r
        a=rtpmap:99 h263-1998/90000\r

        """
        let parsed = try parse(text)
        #expect(parsed.serialized == text)
        #expect(parsed.information == "A seminar" && parsed.emails.count == 1 && parsed.phones.count == 1)
        #expect(parsed.timings[0].repeats == ["7d 1h 0 25h"])
        #expect(parsed.attribute("x-unknown") == "keep me")
        #expect(parsed.media[0].portCount == 2 && parsed.media[0].title == "audio")
        #expect(parsed.media[0].attribute("x-flag") == "")
        #expect(parsed.media[0].mediaLine == "audio 49170/2 RTP/AVP 0")
    }
}
