import Testing
@testable import SDP

/// The daemon calling a peer (WebSocket `POST /api/calls`): it offers
/// `recvonly` as an ICE-lite agent; the peer answers `sendonly`.
@Suite("recorder offer ↔ publisher answer")
struct RecorderOfferTests {
    static let fingerprint = SDPFingerprint.sha256(
        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89")

    func recorderOffer() -> SessionDescription {
        SDPOfferer.offer(options: {
            var options = OfferOptions(
                iceUfrag: "daem", icePwd: "daemonpassword0123456789", fingerprint: Self.fingerprint,
                candidates: [ICECandidate.host(address: "127.0.0.1", port: 50000)],
                streams: LocalStreams(cname: "capstan", streamID: "capstan",
                                      audio: LocalTrack(ssrc: 1, trackID: "a"), video: LocalTrack(ssrc: 2, trackID: "v")),
                sessionID: 9)
            options.direction = .recvonly
            options.iceLite = true
            return options
        }())
    }

    @Test("a recvonly ice-lite offer carries no SSRCs and is answered sendonly by a publisher")
    func publisherAnswersRecorder() throws {
        let offer = try SessionDescription(parsing: recorderOffer().serialized)
        #expect(offer.isICELite)
        #expect(offer.media.allSatisfy { $0.direction == .recvonly && $0.ssrcs.isEmpty && $0.msid == nil })

        let streams = LocalStreams(cname: "pub", streamID: "pub",
                                   audio: LocalTrack(ssrc: 11, trackID: "a"), video: LocalTrack(ssrc: 22, trackID: "v"))
        let answer = try SDPAnswerer.answer(offer: offer, options: AnswerOptions(
            iceUfrag: "peer", icePwd: "peerpassword012345678901", fingerprint: Self.fingerprint,
            candidates: [], mode: .sendonly(streams), sessionID: 3))
        #expect(answer.session.tracks.count == 2)
        #expect(answer.session.tracks.allSatisfy { $0.direction == .sendonly })
        #expect(answer.answer.media.map(\.ssrcs) == [[11], [22]])

        // The recorder reads it back: both tracks accepted, it receives.
        let negotiated = try SDPOfferer.readAnswer(try SessionDescription(parsing: answer.answerSDP), for: offer)
        #expect(negotiated.tracks.count == 2)
        #expect(negotiated.tracks.map(\.remoteSSRCs) == [[11], [22]])
        #expect(negotiated.dtlsRole == .client || negotiated.dtlsRole == .server)
    }

    @Test("the recording answerer still refuses a recvonly offer")
    func recorderRefusesRecvonly() throws {
        let offer = try SessionDescription(parsing: recorderOffer().serialized)
        #expect(throws: SDPError.self) {
            try SDPAnswerer.answer(offer: offer, options: AnswerOptions(
                iceUfrag: "peer", icePwd: "peerpassword012345678901", fingerprint: Self.fingerprint,
                candidates: [], mode: .recvonly, sessionID: 3))
        }
    }
}
