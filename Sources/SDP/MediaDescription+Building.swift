extension MediaDescription {
    /// An RTP section over DTLS-SRTP with our transport attributes, codec and
    /// candidates. Shared by ``SDPAnswerer`` and ``SDPOfferer``.
    /// `leading` formats go before the codec in the `m=` line (RED: a
    /// WebRTC sender uses RED only when it comes before the codec it
    /// protects), `trailing` ones after it (RTX).
    static func local(kind: MediaKind, proto: String, codec: RTPMap, formatParameters: String?,
                      feedback: [RTCPFeedback], mid: String?, ufrag: String, pwd: String,
                      fingerprint: SDPFingerprint, setup: DTLSSetup, direction: MediaDirection,
                      streams: LocalStreams?, candidates: [ICECandidate],
                      leading: [AssociatedFormat] = [], trailing: [AssociatedFormat] = []) -> MediaDescription {
        let (port, connection) = transportAddress(of: candidates)
        let formats = leading.map { "\($0.map.payloadType)" } + ["\(codec.payloadType)"]
            + trailing.map { "\($0.map.payloadType)" }
        var section = MediaDescription(kind: kind, port: port, proto: proto, formats: formats,
                                       connection: connection)
        if let mid { section.addAttribute("mid", mid) }
        section.addAttribute("ice-ufrag", ufrag)
        section.addAttribute("ice-pwd", pwd)
        section.addAttribute("fingerprint", fingerprint.serialized)
        section.addAttribute("setup", setup.rawValue)
        section.addAttribute(direction.rawValue)
        let track = direction.sends ? streams?.track(for: kind) : nil
        if let streams, let track {
            section.addAttribute("msid", MediaStreamID(streamID: streams.streamID, trackID: track.trackID).serialized)
        }
        section.addAttribute("rtcp-mux")
        section.addAttribute("rtpmap", codec.serialized)
        if let formatParameters {
            section.addAttribute("fmtp", FormatParameters(format: "\(codec.payloadType)", parameters: formatParameters).serialized)
        }
        for item in feedback { section.addAttribute("rtcp-fb", item.serialized) }
        for format in leading + trailing {
            section.addAttribute("rtpmap", format.map.serialized)
            section.addAttribute("fmtp", FormatParameters(format: "\(format.map.payloadType)",
                                                          parameters: format.parameters).serialized)
        }
        if let streams, let track {
            section.addAttribute("ssrc", SSRCAttribute(ssrc: track.ssrc, attribute: "cname", value: streams.cname).serialized)
            section.addAttribute("ssrc", SSRCAttribute(ssrc: track.ssrc, attribute: "msid",
                                                       value: "\(streams.streamID) \(track.trackID)").serialized)
        }
        for candidate in candidates { section.addAttribute("candidate", candidate.attributeValue) }
        section.addAttribute("end-of-candidates")
        return section
    }

    /// A rejected section: port 0, one format, `c=` and the mid (RFC 3264 §6,
    /// RFC 8829 §5.3.1). An RTP section over DTLS also keeps our ICE
    /// credentials, fingerprint, setup and `rtcp-mux`: a peer may check them
    /// on every section, rejected or not (aiortc refuses an answer with a
    /// section lacking ICE credentials, a DTLS role or rtcp-mux), and they
    /// are harmless where a peer ignores them.
    static func rejected(answering offered: MediaDescription, ufrag: String, pwd: String,
                         fingerprint: SDPFingerprint, setup: DTLSSetup) -> MediaDescription {
        var section = MediaDescription(kind: offered.kind, port: 0, proto: offered.proto,
                                       formats: Array(offered.formats.prefix(1)),
                                       connection: SDPConnection(address: "0.0.0.0"))
        if let mid = offered.mid { section.addAttribute("mid", mid) }
        if offered.proto.uppercased().hasSuffix("RTP/SAVPF") {
            section.addAttribute("ice-ufrag", ufrag)
            section.addAttribute("ice-pwd", pwd)
            section.addAttribute("fingerprint", fingerprint.serialized)
            section.addAttribute("setup", setup.rawValue)
            section.addAttribute("inactive")
            section.addAttribute("rtcp-mux")
        } else if offered.proto.uppercased().contains("DTLS") {
            // A data channel section (UDP/DTLS/SCTP): aiortc checks ICE
            // credentials and the DTLS role on every section and refused the
            // whole answer without them; it also starts SCTP towards the
            // answer's a=sctp-port whatever the port, so name the default.
            section.addAttribute("ice-ufrag", ufrag)
            section.addAttribute("ice-pwd", pwd)
            section.addAttribute("fingerprint", fingerprint.serialized)
            section.addAttribute("setup", setup.rawValue)
            if offered.proto.uppercased().hasSuffix("SCTP") {
                section.addAttribute("sctp-port", "\(DataChannelSDP.defaultSCTPPort)")
            }
        }
        return section
    }

    /// Port and `c=` from the first UDP component-1 candidate, else `9` and
    /// `0.0.0.0` (RFC 8840 §4.1.1 dummy values).
    static func transportAddress(of candidates: [ICECandidate]) -> (UInt16, SDPConnection) {
        let rtp = candidates.filter { $0.component == 1 }
        if let first = rtp.first(where: { $0.transport == .udp }) ?? rtp.first {
            return (first.port, SDPConnection(address: first.address))
        }
        return (9, SDPConnection(address: "0.0.0.0"))
    }
}

/// A format answered beside the codec that carries the media: RTX (RFC 4588,
/// `apt=`) or RED (RFC 2198, `111/111`), with its `a=fmtp` parameters.
struct AssociatedFormat: Sendable, Equatable {
    var map: RTPMap
    var parameters: String
}
