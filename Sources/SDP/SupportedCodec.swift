/// The codecs Capstan records and sends: Opus (RFC 7587) and VP8 (RFC 7741).
/// Nothing else is negotiated: no RTX, RED, FEC, H.264, VP9 or AV1.
public enum SupportedCodec: Sendable, Equatable {
    case opus
    case vp8

    /// The codec for a media kind.
    public init?(kind: MediaKind) {
        switch kind {
        case .audio: self = .opus
        case .video: self = .vp8
        default: return nil
        }
    }

    public var encodingName: String { self == .opus ? "opus" : "VP8" }
    public var clockRate: UInt32 { self == .opus ? 48000 : 90000 }
    /// Opus is always `/2` in SDP (RFC 7587 §7).
    public var channels: Int? { self == .opus ? 2 : nil }
    /// Our payload type when we offer.
    public var defaultPayloadType: UInt8 { self == .opus ? 111 : 96 }
    /// The `a=fmtp` we write for it.
    public var localFormatParameters: String? { self == .opus ? "minptime=10;useinbandfec=1" : nil }

    /// True when an rtpmap names this codec (name case-insensitive: GStreamer writes `OPUS`).
    public func matches(_ map: RTPMap) -> Bool {
        guard map.encodingName.lowercased() == encodingName.lowercased(), map.clockRate == clockRate else {
            return false
        }
        return self == .vp8 || map.channels == 2
    }

    /// The first format of the section, in `m=` preference order, that is this codec.
    func firstMatch(in section: MediaDescription) -> RTPMap? {
        let maps = section.rtpMaps
        for format in section.formats {
            guard let pt = UInt8(format), let map = maps.first(where: { $0.payloadType == pt }) else { continue }
            if matches(map) { return map }
        }
        return nil
    }
}

extension MediaDescription {
    /// SSRCs of media, leaving out the repair SSRCs named second in an
    /// `a=ssrc-group:FID` (RFC 4588 §8.1) or `FEC-FR` (RFC 5956 §4.3) group.
    var primarySSRCs: [UInt32] {
        let repair = Set(ssrcGroups.filter { $0.semantics == "FID" || $0.semantics == "FEC-FR" }
            .flatMap { $0.ssrcs.dropFirst() })
        return ssrcs.filter { !repair.contains($0) }
    }

    /// The CNAME of the first SSRC that has one.
    var firstCNAME: String? {
        ssrcAttributes.first(where: { $0.attribute == "cname" })?.value
    }
}

enum ICECredentials {
    /// `ice-ufrag` is 4-256 ice-chars, `ice-pwd` 22-256 (RFC 8839 §5.4).
    static func validate(ufrag: String, pwd: String) -> String? {
        guard (4...256).contains(ufrag.count), ufrag.allSatisfy(ICECandidate.isICEChar) else {
            return "ice-ufrag must be 4-256 ice-chars"
        }
        guard (22...256).contains(pwd.count), pwd.allSatisfy(ICECandidate.isICEChar) else {
            return "ice-pwd must be 22-256 ice-chars"
        }
        return nil
    }
}
