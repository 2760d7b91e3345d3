import Testing
@testable import SDP

@Suite("SDPOfferer")
struct SDPOffererTests {
    static let streams = LocalStreams(cname: "peer-cname", streamID: "peer-stream",
                                      audio: LocalTrack(ssrc: 0xA0A0_0001, trackID: "peer-audio"),
                                      video: LocalTrack(ssrc: 0xB0B0_0002, trackID: "peer-video"))

    static func offerOptions(loopback: Bool, streams: LocalStreams = streams) -> OfferOptions {
        OfferOptions(iceUfrag: "PeeR", icePwd: "peerPasswordIsLongEnough",
                     fingerprint: .sha256("01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"),
                     candidates: [.host(address: "127.0.0.1", port: 50000)],
                     streams: streams, loopback: loopback, sessionID: 77)
    }

    @Test func offerShape() throws {
        let offer = SDPOfferer.offer(options: Self.offerOptions(loopback: false))
        let text = offer.serialized
        #expect(try SessionDescription(parsing: text) == offer)
        #expect(try SessionDescription(parsing: text).serialized == text)
        #expect(offer.bundleGroup?.mids == ["0", "1"])
        #expect(offer.media.map(\.kind) == [.audio, .video])
        #expect(offer.media.map(\.formats) == [["111"], ["96"]])
        #expect(offer.media[0].rtpMap(for: 111) == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(offer.media[1].rtpMap(for: 96) == RTPMap(payloadType: 96, encodingName: "VP8", clockRate: 90000))
        #expect(offer.media[1].rtcpFeedback.map(\.serialized) == ["96 nack", "96 nack pli", "96 ccm fir"])
        for section in offer.media {
            #expect(section.direction == .sendonly && section.setup == .actpass && section.isRTCPMux)
            #expect(section.iceUfrag == "PeeR" && section.fingerprints.count == 1)
            #expect(section.msid?.streamID == "peer-stream")
            #expect(section.ssrcAttributes.contains { $0.attribute == "cname" && $0.value == "peer-cname" })
            #expect(!section.iceOptions.contains("trickle"))
        }
        #expect(offer.media[0].ssrcs == [0xA0A0_0001] && offer.media[1].ssrcs == [0xB0B0_0002])
    }

    @Test func audioOnlyOffer() {
        var streams = Self.streams
        streams.video = nil
        let offer = SDPOfferer.offer(options: Self.offerOptions(loopback: false, streams: streams))
        #expect(offer.media.map(\.kind) == [.audio])
        #expect(offer.bundleGroup?.mids == ["0"])
    }

    @Test(arguments: [false, true])
    func offerAnswerReadAnswerRoundTrip(loopback: Bool) throws {
        let offerOptions = Self.offerOptions(loopback: loopback)
        let offer = SDPOfferer.offer(options: offerOptions)
        let serverStreams = LocalStreams(cname: "capstan", streamID: "capstan-loop",
                                         audio: LocalTrack(ssrc: 5555, trackID: "a"), video: LocalTrack(ssrc: 6666, trackID: "v"))
        var answerOptions = recordingOptions()
        answerOptions.mode = loopback ? .sendrecv(serverStreams) : .recvonly
        // The answer travels as text, as over WHIP.
        let received = try SessionDescription(parsing: offer.serialized)
        let negotiated = try SDPAnswerer.answer(offer: received, options: answerOptions)
        let answer = try SessionDescription(parsing: negotiated.answerSDP)
        let peer = try SDPOfferer.readAnswer(answer, for: offer)
        let server = negotiated.session

        #expect(server.dtlsRole == .server && peer.dtlsRole == .client)
        #expect(server.remoteICEUfrag == offerOptions.iceUfrag && server.remoteICEPwd == offerOptions.icePwd)
        #expect(peer.remoteICEUfrag == answerOptions.iceUfrag && peer.remoteICEPwd == answerOptions.icePwd)
        #expect(server.remoteFingerprints == [offerOptions.fingerprint])
        #expect(peer.remoteFingerprints == [answerOptions.fingerprint])
        #expect(peer.remoteICELite && !server.remoteICELite)
        #expect(server.remoteCandidates == offerOptions.candidates)
        #expect(peer.remoteCandidates == answerOptions.candidates)
        #expect(peer.remoteEndOfCandidates && server.remoteEndOfCandidates)
        #expect(peer.bundleMids == ["0", "1"] && server.bundleMids == ["0", "1"])
        #expect(peer.tracks.map(\.payloadType) == [111, 96])
        #expect(server.tracks.map(\.payloadType) == peer.tracks.map(\.payloadType))
        #expect(peer.tracks.map(\.clockRate) == [48000, 90000])
        #expect(server.tracks.map(\.remoteSSRCs) == [[0xA0A0_0001], [0xB0B0_0002]])
        #expect(peer.tracks.map(\.localSSRC) == [0xA0A0_0001, 0xB0B0_0002])
        #expect(peer.video.map { ($0.nack, $0.pli, $0.fir) } ?? (false, false, false) == (true, true, true))
        #expect(server.video.map { ($0.nack, $0.pli, $0.fir) } ?? (false, false, false) == (true, true, true))
        if loopback {
            #expect(server.tracks.map(\.direction) == [.sendrecv, .sendrecv])
            #expect(peer.tracks.map(\.direction) == [.sendrecv, .sendrecv])
            #expect(peer.tracks.map(\.remoteSSRCs) == [[5555], [6666]])
            #expect(peer.tracks.map(\.remoteCNAME) == ["capstan", "capstan"])
        } else {
            #expect(server.tracks.map(\.direction) == [.recvonly, .recvonly])
            #expect(peer.tracks.map(\.direction) == [.sendonly, .sendonly])
            #expect(peer.tracks.map(\.remoteSSRCs) == [[], []])
        }
    }

    @Test func rejectedSectionShowsUpAsNotAccepted() throws {
        let offer = SDPOfferer.offer(options: Self.offerOptions(loopback: false))
        var answer = try SDPAnswerer.answer(offer: offer, options: recordingOptions()).answer
        answer.media[1] = MediaDescription(kind: .video, port: 0, proto: "UDP/TLS/RTP/SAVPF", formats: ["96"],
                                           attributes: [SDPAttribute("mid", "1")])
        let session = try SDPOfferer.readAnswer(answer, for: offer)
        #expect(session.tracks.map(\.kind) == [.audio])
        #expect(session.rejected.map(\.mid) == ["1"])
    }

    @Test func answerSayingActiveMakesUsServer() throws {
        let offer = SDPOfferer.offer(options: Self.offerOptions(loopback: false))
        var answer = try SDPAnswerer.answer(offer: offer, options: recordingOptions()).answer
        for index in answer.media.indices {
            answer.media[index].removeAttributes(named: "setup")
            answer.media[index].addAttribute("setup", "active")
        }
        #expect(try SDPOfferer.readAnswer(answer, for: offer).dtlsRole == .server)
        for index in answer.media.indices {
            answer.media[index].removeAttributes(named: "setup")
            answer.media[index].addAttribute("setup", "actpass")
        }
        #expect(throws: SDPError.self) { try SDPOfferer.readAnswer(answer, for: offer) }
    }

    @Test func mismatchedAnswersThrow() throws {
        let offer = SDPOfferer.offer(options: Self.offerOptions(loopback: false))
        let good = try SDPAnswerer.answer(offer: offer, options: recordingOptions()).answer
        var missing = good
        missing.media.removeLast()
        #expect(throws: SDPError.self) { try SDPOfferer.readAnswer(missing, for: offer) }
        var foreignPT = good
        foreignPT.media[0].formats = ["0"]
        #expect(throws: SDPError.self) { try SDPOfferer.readAnswer(foreignPT, for: offer) }
        var wrongDirection = good
        wrongDirection.media[0].removeAttributes(named: "recvonly")
        wrongDirection.media[0].addAttribute("sendonly")
        #expect(throws: SDPError.self) { try SDPOfferer.readAnswer(wrongDirection, for: offer) }
    }
}
