/// Builds offers for Capstan's sample peer and reads the answers
/// (RFC 3264 §5, §7; JSEP RFC 8829 §5.2, §5.10).
public enum SDPOfferer {
    static let proto = "UDP/TLS/RTP/SAVPF"

    /// An offer with an Opus section (mid `0`) and/or a VP8 section, in one
    /// BUNDLE group, `rtcp-mux`, `setup:actpass`, `sendonly` (or `sendrecv`
    /// when looping back), with SSRC, CNAME and msid.
    public static func offer(options: OfferOptions) -> SessionDescription {
        var offer = SessionDescription(origin: SDPOrigin(sessionID: "\(options.sessionID)",
                                                         sessionVersion: "\(options.sessionVersion)"))
        let direction: MediaDirection = options.direction ?? (options.loopback ? .sendrecv : .sendonly)
        var mids: [String] = []
        let video = options.videoCodec.kind == .video ? options.videoCodec : .vp8
        for (kind, codec) in [(MediaKind.audio, SupportedCodec.opus), (.video, video)] {
            guard options.streams.track(for: kind) != nil else { continue }
            let mid = "\(mids.count)"
            mids.append(mid)
            let map = RTPMap(payloadType: codec.defaultPayloadType, encodingName: codec.encodingName,
                             clockRate: codec.clockRate, channels: codec.channels)
            let feedback = codec.kind == .video ? [
                RTCPFeedback(payloadType: map.payloadType, type: "nack"),
                RTCPFeedback(payloadType: map.payloadType, type: "nack", parameter: "pli"),
                RTCPFeedback(payloadType: map.payloadType, type: "ccm", parameter: "fir"),
            ] : []
            offer.media.append(.local(kind: kind, proto: proto, codec: map,
                                      formatParameters: codec == .h264
                                          ? "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
                                          : codec == .vp9 ? "profile-id=0"
                                          : codec == .av1 ? "level-idx=5;profile=0;tier=0"
                                          : codec.localFormatParameters,
                                      feedback: feedback, mid: mid,
                                      ufrag: options.iceUfrag, pwd: options.icePwd,
                                      fingerprint: options.fingerprint, setup: .actpass, direction: direction,
                                      streams: options.streams, candidates: options.candidates))
        }
        if !mids.isEmpty {
            offer.attributes.insert(SDPAttribute("group", SDPGroup(semantics: "BUNDLE", mids: mids).serialized), at: 0)
        }
        if options.iceLite { offer.addAttribute("ice-lite") }
        return offer
    }

    /// Reads the answer to `offer`: remote credentials, fingerprints,
    /// candidates, our DTLS role (answer `passive` → we are client; `active`
    /// → we are server; RFC 5763 §5) and the accepted and rejected sections.
    public static func readAnswer(_ answer: SessionDescription, for offer: SessionDescription) throws(SDPError) -> NegotiatedSession {
        guard answer.media.count == offer.media.count else {
            throw .unacceptableAnswer(reason: "answer has \(answer.media.count) media sections, offer has \(offer.media.count) (RFC 3264 §6)")
        }
        var tracks: [NegotiatedTrack] = []
        var rejected: [RejectedSection] = []
        var tagIndex: Int?
        for (index, (offered, answered)) in zip(offer.media, answer.media).enumerated() {
            guard offered.kind == answered.kind else {
                throw .unacceptableAnswer(reason: "m= section #\(index) is \(answered.kind), offered \(offered.kind)")
            }
            if let offeredMid = offered.mid, let answeredMid = answered.mid, offeredMid != answeredMid {
                throw .unacceptableAnswer(reason: "m= section #\(index) has mid '\(answeredMid)', offered '\(offeredMid)'")
            }
            if answered.port == 0 && !answered.isBundleOnly {
                rejected.append(RejectedSection(mLineIndex: index, kind: offered.kind, mid: offered.mid,
                                                reason: "rejected by the answerer (port 0)"))
                continue
            }
            let offeredMaps = offered.rtpMaps
            var chosen: RTPMap?
            for format in answered.formats {
                guard let pt = UInt8(format), let ours = offeredMaps.first(where: { $0.payloadType == pt }) else { continue }
                if let theirs = answered.rtpMap(for: pt), theirs.encodingName.lowercased() != ours.encodingName.lowercased() {
                    throw .unacceptableAnswer(reason: "payload type \(pt) is \(theirs.encodingName) in the answer, \(ours.encodingName) in the offer")
                }
                chosen = ours
                break
            }
            guard let codec = chosen else {
                throw .unacceptableAnswer(reason: "m= section #\(index) answers no payload type we offered")
            }
            let theirDirection = answer.effectiveDirection(of: answered)
            let ourOffered = offer.effectiveDirection(of: offered)
            let ours = theirDirection.reversed
            guard (!ours.sends || ourOffered.sends), (!ours.receives || ourOffered.receives) else {
                throw .unacceptableAnswer(reason: "m= section #\(index) answers '\(theirDirection.rawValue)' to '\(ourOffered.rawValue)' (RFC 3264 §6.1)")
            }
            let feedback = answered.rtcpFeedback(for: codec.payloadType)
            if tagIndex == nil { tagIndex = index }
            tracks.append(NegotiatedTrack(
                kind: offered.kind, mLineIndex: index, mid: offered.mid, direction: ours,
                payloadType: codec.payloadType, codecName: codec.encodingName, clockRate: codec.clockRate,
                channels: codec.channels,
                formatParameters: answered.formatParameters(for: codec.payloadType)?.parameters,
                nack: feedback.contains(where: \.isNACK), pli: feedback.contains(where: \.isPLI),
                fir: feedback.contains(where: \.isFIR),
                remoteSSRCs: theirDirection.sends ? answered.primarySSRCs : [], remoteCNAME: answered.firstCNAME,
                localSSRC: ours.sends ? offered.primarySSRCs.first : nil, extensionMaps: answered.extensionMaps))
        }
        guard let tagIndex else { throw .unacceptableAnswer(reason: "the answer rejected every media section") }
        let bundleMids = answer.bundleGroup?.mids ?? []
        // The answerer's tag is the first mid of its BUNDLE group (RFC 8843 §7.3.1).
        let tag = bundleMids.first.flatMap { mid in answer.media.first(where: { $0.mid == mid }) } ?? answer.media[tagIndex]
        guard let credentials = answer.effectiveICECredentials(of: tag) else {
            throw .unacceptableAnswer(reason: "answer has no a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4)")
        }
        if let problem = ICECredentials.validate(ufrag: credentials.ufrag, pwd: credentials.pwd) {
            throw .unacceptableAnswer(reason: "answer: \(problem)")
        }
        let fingerprints = answer.effectiveFingerprints(of: tag)
        guard !fingerprints.isEmpty else {
            throw .unacceptableAnswer(reason: "answer has no valid a=fingerprint (RFC 8122 §5)")
        }
        let role: DTLSRole
        switch answer.effectiveSetup(of: tag) {
        case .passive: role = .client
        case .active: role = .server
        case let other:
            throw .unacceptableAnswer(reason: "answer must say a=setup:active or passive, not '\(other?.rawValue ?? "nothing")' (RFC 5763 §5)")
        }
        return NegotiatedSession(
            remoteICEUfrag: credentials.ufrag, remoteICEPwd: credentials.pwd, remoteICELite: answer.isICELite,
            remoteFingerprints: fingerprints, dtlsRole: role,
            remoteCandidates: tag.candidates.filter { $0.component == 1 },
            remoteEndOfCandidates: tag.hasEndOfCandidates || answer.hasEndOfCandidates,
            bundleMids: bundleMids, tracks: tracks, rejected: rejected)
    }
}
