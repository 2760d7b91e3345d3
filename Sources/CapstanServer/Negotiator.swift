import DTLS
import ICE
import SDP
import STUN
import Transport

/// Turns SDP into a configured `TransportSession`, for every signaller:
/// answering an offer (WHIP, WebSocket client calls) and offering then
/// reading the answer (the daemon calls a WebSocket client).
struct Negotiator: Sendable {
    let configuration: CapstanConfiguration
    /// The current certificate for each new negotiation (rotated, issue 11).
    let certificates: CertificateStore
    let mediaPort: UInt16
    /// The ICE-TCP listener's port; nil when `mediaTCP` is off.
    var tcpPort: UInt16? = nil

    /// Our host candidates: UDP on every announced address, then (ICE-TCP on) a
    /// `tcptype passive` TCP candidate on each, at a lower priority (RFC 6544 §4.2).
    var candidates: [ICECandidate] {
        let addresses = configuration.candidateAddresses
        let udp = addresses.map { ICECandidate.host(address: $0, port: mediaPort) }
        guard let tcpPort else { return udp }
        return udp + addresses.enumerated().map { index, address in
            ICECandidate.tcpPassiveHost(address: address, port: tcpPort, otherPreference: UInt16(8191 - min(index, 8191)))
        }
    }

    /// Answers `offer`; the transport is ready to register. With `echo`
    /// (loopback modes) sendrecv sections are answered `sendrecv` from fresh
    /// SSRCs of our own, which the echo sends from.
    func answer(offer text: String, id: String, echo: Bool = false) throws(SignallingError) -> (answer: NegotiatedAnswer, transport: TransportSession) {
        let offer: SessionDescription
        do {
            offer = try SessionDescription(parsing: Array(text.utf8), limits: SDPLimits(maxSize: configuration.maxSDPBytes))
        } catch {
            throw .badRequest("unparsable offer: \(error.reason)")
        }
        let credentials = ICECredentials.generate()
        let certificate = certificates.current()
        let negotiated: NegotiatedAnswer
        do {
            var options = AnswerOptions(
                iceUfrag: credentials.ufrag, icePwd: credentials.password,
                fingerprint: .sha256(certificate.sha256Fingerprint),
                candidates: candidates, mode: echo ? .sendrecv(Self.echoStreams(id: id)) : .recvonly,
                sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
            options.videoCodecs = configuration.videoCodecs
            if configuration.dataChannels {
                options.dataChannels = DataChannelAnswerPolicy(maxMessageSize: configuration.dataChannelLimits.maxMessageSize)
            }
            negotiated = try SDPAnswerer.answer(offer: offer, options: options)
        } catch {
            if case .unsupportedCodecs = error { throw .unsupportedCodecs("unsupported offer: \(error.reason)") }
            throw .badRequest("unsupported offer: \(error.reason)")
        }
        let transport = try makeTransport(id: id, credentials: credentials, certificate: certificate,
                                          negotiated: negotiated.session)
        return (negotiated, transport)
    }

    /// Our own tracks for loopback: random SSRCs, one stream.
    static func echoStreams(id: String) -> LocalStreams {
        LocalStreams(cname: "capstan-\(id)", streamID: "capstan-\(id)",
                     audio: LocalTrack(ssrc: .random(in: 1...UInt32.max), trackID: "capstan-audio"),
                     video: LocalTrack(ssrc: .random(in: 1...UInt32.max), trackID: "capstan-video"))
    }

    /// A `recvonly`, ice-lite offer for calling a peer, with the credentials
    /// and certificate the transport will use once the answer arrives.
    func offer() -> PendingOffer {
        let credentials = ICECredentials.generate()
        let certificate = certificates.current()
        var options = OfferOptions(
            iceUfrag: credentials.ufrag, icePwd: credentials.password,
            fingerprint: .sha256(certificate.sha256Fingerprint), candidates: candidates,
            streams: LocalStreams(cname: "capstan", streamID: "capstan",
                                  audio: LocalTrack(ssrc: 1, trackID: "audio"),
                                  video: LocalTrack(ssrc: 2, trackID: "video")),
            sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        options.direction = .recvonly
        options.iceLite = true
        return PendingOffer(offer: SDPOfferer.offer(options: options), credentials: credentials, certificate: certificate)
    }

    /// Our offer while we wait for the peer's answer.
    struct PendingOffer {
        var offer: SessionDescription
        var credentials: ICECredentials
        var certificate: DTLSCertificate
    }

    /// Reads the peer's answer to our `offer`; the transport is ready to register.
    func accept(answer text: String, to pending: PendingOffer,
                id: String) throws(SignallingError) -> (session: NegotiatedSession, transport: TransportSession) {
        let negotiated: NegotiatedSession
        do {
            let answer = try SessionDescription(parsing: Array(text.utf8), limits: SDPLimits(maxSize: configuration.maxSDPBytes))
            negotiated = try SDPOfferer.readAnswer(answer, for: pending.offer)
        } catch {
            throw .badRequest("unusable answer: \(error.reason)")
        }
        guard !negotiated.tracks.isEmpty else { throw .badRequest("the answer accepts no media") }
        return (negotiated, try makeTransport(id: id, credentials: pending.credentials, certificate: pending.certificate,
                                              negotiated: negotiated))
    }

    private func makeTransport(id: String, credentials: ICECredentials, certificate: DTLSCertificate,
                               negotiated: NegotiatedSession) throws(SignallingError) -> TransportSession {
        do {
            return try TransportSession(
                id: id, localUfrag: credentials.ufrag, localPassword: credentials.password,
                remoteUfrag: negotiated.remoteICEUfrag, remotePassword: negotiated.remoteICEPwd,
                iceMode: .lite, dtlsRole: negotiated.dtlsRole == .server ? .server : .client,
                certificate: certificate,
                remoteFingerprints: negotiated.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) },
                consentTimeoutNs: UInt64(configuration.consentTimeoutSeconds) * 1_000_000_000)
        } catch {
            throw .badRequest("cannot use the peer's DTLS fingerprint: \(error)")
        }
    }
}
