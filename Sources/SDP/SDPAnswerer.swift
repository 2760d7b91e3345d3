/// Builds Capstan's answer to a peer's offer (RFC 3264 §6, JSEP RFC 8829 §5.3).
///
/// Policy: max-bundle (RFC 8843), rtcp-mux required (RFC 5761), ICE-lite
/// (RFC 8445 §2.5) with our host candidates, DTLS-SRTP (RFC 5763/5764),
/// at most one Opus audio and one video section (VP8 or H.264, by
/// `AnswerOptions.videoCodecs`); everything else is rejected with port 0,
/// its mid and our transport attributes (see `MediaDescription.rejected`).
public enum SDPAnswerer {
    /// Answers `offer`, or throws ``SDPError/unacceptableOffer(reason:)`` when
    /// nothing can be accepted or the offer lacks ICE credentials or a fingerprint
    /// — ``SDPError/unsupportedCodecs(reason:)`` when nothing is accepted and a
    /// section was refused for its codecs (the reason names the codecs offered
    /// and the ones Capstan records).
    public static func answer(offer: SessionDescription, options: AnswerOptions) throws(SDPError) -> NegotiatedAnswer {
        if let problem = ICECredentials.validate(ufrag: options.iceUfrag, pwd: options.icePwd) {
            throw .unacceptableOffer(reason: "local credentials: \(problem)")
        }
        guard !offer.media.isEmpty else { throw .unacceptableOffer(reason: "offer has no media sections") }
        let bundle = offer.bundleGroup
        let streams: LocalStreams?
        switch options.mode {
        case .sendrecv(let local), .sendonly(let local): streams = local
        case .recvonly: streams = nil
        }
        let publishing: Bool
        if case .sendonly = options.mode { publishing = true } else { publishing = false }

        var decisions: [SectionDecision] = []
        var taken: Set<String> = []
        for section in offer.media {
            let decision = section.kind == .application
                ? decideDataChannel(section, bundle: bundle, policy: options.dataChannels, taken: taken)
                : decide(section, in: offer, bundle: bundle, streams: streams, publishing: publishing, taken: taken,
                         videoCodecs: options.videoCodecs)
            switch decision {
            case .accept, .acceptDataChannel: taken.insert(section.kind.description)
            case .reject: break
            }
            decisions.append(decision)
        }
        let acceptedIndices = decisions.indices.filter {
            switch decisions[$0] {
            case .accept, .acceptDataChannel: true
            case .reject: false
            }
        }
        let mediaAccepted = decisions.contains { if case .accept = $0 { true } else { false } }
        guard let tagIndex = acceptedIndices.first, mediaAccepted else {
            let reasons = decisions.enumerated().map { index, decision -> String in
                switch decision {
                case .reject(let reason, _): "m=\(offer.media[index].kind) #\(index): \(reason)"
                case .acceptDataChannel: "m=application #\(index): data channels ride beside audio or video, and there is none"
                case .accept: ""
                }
            }
            let reason = "no acceptable media section (\(reasons.joined(separator: "; ")))"
            let codecRefusal = decisions.contains { if case .reject(_, codecs: true) = $0 { true } else { false } }
            throw codecRefusal ? .unsupportedCodecs(reason: reason) : .unacceptableOffer(reason: reason)
        }
        if acceptedIndices.count > 1 && bundle == nil {
            throw .unacceptableOffer(reason: "offer has several media sections but no a=group:BUNDLE; WHIP requires BUNDLE (RFC 9725)")
        }

        // Transport parameters come from the bundle tag: the first accepted section (RFC 8843 §7.3.1).
        let tag = offer.media[tagIndex]
        for index in acceptedIndices {
            let section = offer.media[index]
            let label = section.mid.map { "section '\($0)'" } ?? "section #\(index)"
            guard let credentials = offer.effectiveICECredentials(of: section) else {
                throw .unacceptableOffer(reason: "\(label) has no a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4)")
            }
            if let problem = ICECredentials.validate(ufrag: credentials.ufrag, pwd: credentials.pwd) {
                throw .unacceptableOffer(reason: "\(label): \(problem)")
            }
            guard !offer.effectiveFingerprints(of: section).isEmpty else {
                throw .unacceptableOffer(reason: "\(label) has no valid a=fingerprint (RFC 8122 §5)")
            }
        }
        guard let credentials = offer.effectiveICECredentials(of: tag) else {
            throw .unacceptableOffer(reason: "missing ICE credentials")
        }
        let localSetup: DTLSSetup
        let role: DTLSRole
        switch offer.effectiveSetup(of: tag) {
        case .actpass, .active, nil:
            // RFC 5763 §5: answer passive to actpass (we choose to be DTLS server)
            // and to active; an absent setup means active (RFC 4145 §4).
            localSetup = .passive
            role = .server
        case .passive:
            localSetup = .active
            role = .client
        case .holdconn:
            throw .unacceptableOffer(reason: "a=setup:holdconn: the offer does not want a DTLS connection")
        }

        var answer = SessionDescription(origin: SDPOrigin(sessionID: "\(options.sessionID)",
                                                          sessionVersion: "\(options.sessionVersion)"))
        let bundleMids = bundle == nil ? [] : acceptedIndices.compactMap { offer.media[$0].mid }
        if !bundleMids.isEmpty { answer.addAttribute("group", SDPGroup(semantics: "BUNDLE", mids: bundleMids).serialized) }
        answer.addAttribute("ice-lite")

        var tracks: [NegotiatedTrack] = []
        var rejected: [RejectedSection] = []
        var dataChannel: NegotiatedDataChannel?
        for (index, section) in offer.media.enumerated() {
            switch decisions[index] {
            case .acceptDataChannel(let policy):
                answer.media.append(.dataChannel(answering: section, policy: policy, ufrag: options.iceUfrag,
                                                 pwd: options.icePwd, fingerprint: options.fingerprint,
                                                 setup: localSetup, candidates: options.candidates))
                dataChannel = NegotiatedDataChannel(
                    mid: section.mid, mLineIndex: index, remotePort: section.sctpPort ?? DataChannelSDP.defaultSCTPPort,
                    remoteMaxMessageSize: section.maxMessageSize ?? DataChannelSDP.defaultMaxMessageSize,
                    localPort: policy.sctpPort, localMaxMessageSize: policy.maxMessageSize)
            case .reject(let reason, _):
                answer.media.append(.rejected(answering: section, ufrag: options.iceUfrag, pwd: options.icePwd,
                                              fingerprint: options.fingerprint, setup: localSetup))
                rejected.append(RejectedSection(mLineIndex: index, kind: section.kind, mid: section.mid, reason: reason))
            case .accept(let codec, let supported, let direction):
                let offeredFeedback = section.rtcpFeedback(for: codec.payloadType)
                let isVideo = supported.kind == .video
                let nack = isVideo && offeredFeedback.contains(where: \.isNACK)
                let pli = isVideo && offeredFeedback.contains(where: \.isPLI)
                let fir = isVideo && offeredFeedback.contains(where: \.isFIR)
                let offeredParameters = section.formatParameters(for: codec.payloadType)?.parameters
                var feedback: [RTCPFeedback] = []
                if nack { feedback.append(RTCPFeedback(payloadType: codec.payloadType, type: "nack")) }
                if pli { feedback.append(RTCPFeedback(payloadType: codec.payloadType, type: "nack", parameter: "pli")) }
                if fir { feedback.append(RTCPFeedback(payloadType: codec.payloadType, type: "ccm", parameter: "fir")) }
                // RTX (RFC 4588) with NACK, RED (RFC 2198) for Opus: answered
                // when offered and we only receive (the loopback echo forwards
                // the codec's own payload type only).
                let receiveOnly = direction == .recvonly
                let rtx = isVideo && nack && receiveOnly ? section.retransmissionFormat(for: codec) : nil
                let red = !isVideo && receiveOnly ? section.redundancyFormat(for: codec) : nil
                answer.media.append(.local(kind: section.kind, proto: section.proto, codec: codec,
                                           formatParameters: supported.answerFormatParameters(offered: offeredParameters),
                                           feedback: feedback,
                                           mid: section.mid, ufrag: options.iceUfrag, pwd: options.icePwd,
                                           fingerprint: options.fingerprint, setup: localSetup,
                                           direction: direction, streams: streams, candidates: options.candidates,
                                           leading: red.map { [AssociatedFormat(map: $0, parameters: "\(codec.payloadType)/\(codec.payloadType)")] } ?? [],
                                           trailing: rtx.map { [AssociatedFormat(map: $0, parameters: "apt=\(codec.payloadType)")] } ?? []))
                let offerSends = offer.effectiveDirection(of: section).sends
                tracks.append(NegotiatedTrack(
                    kind: section.kind, mLineIndex: index, mid: section.mid, direction: direction,
                    payloadType: codec.payloadType, codecName: codec.encodingName, clockRate: codec.clockRate,
                    channels: codec.channels, formatParameters: offeredParameters,
                    nack: nack, pli: pli, fir: fir,
                    remoteSSRCs: offerSends ? section.primarySSRCs : [], remoteCNAME: section.firstCNAME,
                    localSSRC: direction.sends ? streams?.track(for: section.kind)?.ssrc : nil,
                    extensionMaps: section.extensionMaps,
                    rtxPayloadType: rtx?.payloadType,
                    remoteRTXSSRCs: rtx != nil && offerSends ? section.retransmissionSSRCs(of: section.primarySSRCs) : [],
                    redPayloadType: red?.payloadType))
            }
        }

        var session = NegotiatedSession(
            remoteICEUfrag: credentials.ufrag, remoteICEPwd: credentials.pwd, remoteICELite: offer.isICELite,
            remoteFingerprints: offer.effectiveFingerprints(of: tag), dtlsRole: role,
            remoteCandidates: tag.candidates.filter { $0.component == 1 },
            remoteEndOfCandidates: tag.hasEndOfCandidates || offer.hasEndOfCandidates,
            bundleMids: bundleMids, tracks: tracks, rejected: rejected)
        session.dataChannel = dataChannel
        return NegotiatedAnswer(answer: answer, session: session)
    }

    private enum SectionDecision {
        case accept(codec: RTPMap, supported: SupportedCodec, direction: MediaDirection)
        case acceptDataChannel(DataChannelAnswerPolicy)
        /// `codecs`: refused because no offered codec is one Capstan records.
        case reject(String, codecs: Bool = false)
    }

    /// An `m=application` section: a data channel (RFC 8841) bundled with the
    /// media, when the policy allows data channels.
    private static func decideDataChannel(_ section: MediaDescription, bundle: SDPGroup?,
                                          policy: DataChannelAnswerPolicy?, taken: Set<String>) -> SectionDecision {
        guard DataChannelSDP.isDataChannelSection(section) else {
            return .reject("application '\(section.proto) \(section.formats.joined(separator: " "))' is not supported "
                + "(need UDP/DTLS/SCTP webrtc-datachannel)")
        }
        guard let policy else { return .reject("data channels are off (dataChannels.enabled: false)") }
        if section.isRejected { return .reject("disabled by the offerer (port 0)") }
        guard let bundle, let mid = section.mid, bundle.mids.contains(mid) else {
            return .reject("a data channel must be in the offer's BUNDLE group with the media")
        }
        guard !taken.contains(section.kind.description) else { return .reject("only one data channel section is accepted") }
        return .acceptDataChannel(policy)
    }

    private static func decide(_ section: MediaDescription, in offer: SessionDescription, bundle: SDPGroup?,
                               streams: LocalStreams?, publishing: Bool, taken: Set<String>,
                               videoCodecs: [SupportedCodec]) -> SectionDecision {
        guard SupportedCodec(kind: section.kind) != nil else {
            return .reject("media kind '\(section.kind)' is not supported")
        }
        guard section.proto.uppercased().hasSuffix("RTP/SAVPF") else {
            return .reject("transport '\(section.proto)' is not supported (need UDP/TLS/RTP/SAVPF)")
        }
        if section.isRejected { return .reject("disabled by the offerer (port 0)") }
        let offered = offer.effectiveDirection(of: section)
        let direction: MediaDirection
        if publishing && (offered == .recvonly || offered == .sendrecv) {
            guard streams?.track(for: section.kind) != nil else { return .reject("no local \(section.kind) track to send") }
            direction = .sendonly
        } else {
            switch offered {
            case .sendrecv: direction = streams?.track(for: section.kind) != nil ? .sendrecv : .recvonly
            case .sendonly: direction = .recvonly
            case .recvonly, .inactive: return .reject("offer direction '\(offered.rawValue)' sends nothing to record")
            }
        }
        guard section.isRTCPMux else { return .reject("rtcp-mux is required (RFC 5761 §5.1.1, RFC 8829 §4.1.1)") }
        if let bundle {
            guard let mid = section.mid, bundle.mids.contains(mid) else {
                return .reject("section is not in the offer's BUNDLE group")
            }
        }
        guard !taken.contains(section.kind.description) else {
            return .reject("only one \(section.kind) section is accepted")
        }
        let candidates = section.kind == .audio ? [SupportedCodec.opus] : videoCodecs.filter { $0.kind == .video }
        for codec in candidates {
            if let map = codec.firstMatch(in: section) { return .accept(codec: map, supported: codec, direction: direction) }
        }
        let offeredNames = section.offeredCodecNames.joined(separator: ", ")
        if section.kind == .audio {
            return .reject("no Opus 48000/2 among the offered audio codecs (offered: \(offeredNames); Capstan records: opus/48000/2)",
                           codecs: true)
        }
        let recorded = candidates.map { codec -> String in
            switch codec {
            case .h264: "H264/90000 (packetization-mode 0 or 1, Baseline, Main or High profile)"
            case .vp9: "VP9/90000 (profile-id 0)"
            case .av1: "AV1/90000 (profile 0)"
            default: "\(codec.encodingName)/90000"
            }
        }
        return .reject("no video codec Capstan records among the offered ones (offered: \(offeredNames); "
            + "Capstan records: \(recorded.joined(separator: ", ")))", codecs: true)
    }
}
