/// The codecs Capstan records and sends: Opus (RFC 7587), VP8 (RFC 7741),
/// VP9 (RFC 9628, profile-id 0), AV1 (AOMedia RTP payload format, profile 0)
/// and H.264 (RFC 6184, packetization-mode 0 and 1), with RTX (RFC 4588) for
/// video and RED (RFC 2198) for Opus when offered (`MediaDescription+Repair`).
/// No FEC or HEVC.
public enum SupportedCodec: String, Sendable, Equatable, CaseIterable {
    case opus
    case vp8 = "VP8"
    case vp9 = "VP9"
    case av1 = "AV1"
    case h264 = "H264"

    /// The video codecs that can be recorded, in Capstan's default order of preference.
    public static let recordableVideo: [SupportedCodec] = [.vp8, .vp9, .av1, .h264]

    /// The codec for a media kind, when we offer (audio Opus, video VP8).
    public init?(kind: MediaKind) {
        switch kind {
        case .audio: self = .opus
        case .video: self = .vp8
        default: return nil
        }
    }

    /// A video codec by its SDP encoding name (`VP8`, `H264`; case-insensitive).
    public init?(videoName name: String) {
        switch name.uppercased() {
        case "VP8": self = .vp8
        case "VP9": self = .vp9
        case "AV1": self = .av1
        case "H264": self = .h264
        default: return nil
        }
    }

    public var kind: MediaKind { self == .opus ? .audio : .video }
    public var encodingName: String { self == .opus ? "opus" : rawValue }
    public var clockRate: UInt32 { self == .opus ? 48000 : 90000 }
    /// Opus is always `/2` in SDP (RFC 7587 §7).
    public var channels: Int? { self == .opus ? 2 : nil }
    /// Our payload type when we offer.
    public var defaultPayloadType: UInt8 {
        switch self {
        case .opus: 111
        case .vp8: 96
        case .vp9: 98
        case .av1: 45
        case .h264: 102
        }
    }
    /// The `a=fmtp` we write for it (H.264: see `answerFormatParameters`).
    public var localFormatParameters: String? { self == .opus ? "minptime=10;useinbandfec=1" : nil }

    /// The `a=fmtp` of our answer to the offered `fmtp` of the chosen format.
    /// H.264 (RFC 6184 §8.2.2): the same `packetization-mode`, and the
    /// offered `profile-level-id` (`firstMatch` took only a profile Capstan
    /// records; passthrough records any level).
    /// VP9: `profile-id=0` (RFC 9628 §6.1; the only profile taken). AV1: the
    /// offered `profile`, `level-idx` and `tier` echoed (AV1 RTP §7.2.2).
    func answerFormatParameters(offered: String?) -> String? {
        if self == .vp9 { return "profile-id=0" }
        if self == .av1 {
            let parts = ["level-idx", "profile", "tier"].compactMap { name in
                Self.parameter(name, in: offered).map { "\(name)=\($0)" }
            }
            return parts.isEmpty ? nil : parts.joined(separator: ";")
        }
        guard self == .h264 else { return localFormatParameters }
        var parts = ["level-asymmetry-allowed=1"]
        parts.append("packetization-mode=\(Self.packetizationMode(offered))")
        if let profile = Self.parameter("profile-level-id", in: offered) { parts.append("profile-level-id=\(profile)") }
        return parts.joined(separator: ";")
    }

    /// True when an rtpmap names this codec (name case-insensitive: GStreamer writes `OPUS`).
    public func matches(_ map: RTPMap) -> Bool {
        guard map.encodingName.lowercased() == encodingName.lowercased(), map.clockRate == clockRate else {
            return false
        }
        return self != .opus || map.channels == 2
    }

    /// The first format of the section, in `m=` preference order (the
    /// offerer's), that is this codec in a form Capstan records: H.264 with
    /// packetization-mode 0 or 1 (mode 2, interleaved, is not taken) and a
    /// `profile-level-id` of a profile browsers play (`H264ProfileLevelID`).
    func firstMatch(in section: MediaDescription) -> RTPMap? {
        let maps = section.rtpMaps
        for format in section.formats {
            guard let pt = UInt8(format), let map = maps.first(where: { $0.payloadType == pt }), matches(map) else {
                continue
            }
            if self == .h264 {
                let mode = Self.packetizationMode(section.formatParameters(for: pt)?.parameters)
                guard mode == "0" || mode == "1" else { continue }
                guard H264ProfileLevelID(fmtp: section.formatParameters(for: pt)?.parameters)?.isRecordable == true else {
                    continue
                }
            }
            // VP9 profile 0 (8-bit 4:2:0) and AV1 Main profile only; absent means 0.
            if self == .vp9 {
                guard (Self.parameter("profile-id", in: section.formatParameters(for: pt)?.parameters) ?? "0") == "0" else { continue }
            }
            if self == .av1 {
                guard (Self.parameter("profile", in: section.formatParameters(for: pt)?.parameters) ?? "0") == "0" else { continue }
            }
            return map
        }
        return nil
    }

    /// `packetization-mode` of an H.264 fmtp; absent means 0 (RFC 6184 §8.1).
    static func packetizationMode(_ parameters: String?) -> String {
        parameter("packetization-mode", in: parameters) ?? "0"
    }

    /// The value of `name` in an fmtp parameter list (`a=1;b=2`), if present.
    static func parameter(_ name: String, in parameters: String?) -> String? {
        guard let parameters else { return nil }
        for item in parameters.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].filter { $0 != " " }
            if key.lowercased() == name.lowercased() { return String(parts[1].filter { $0 != " " }) }
        }
        return nil
    }
}

/// An H.264 `profile-level-id` (RFC 6184 §8.1): three octets in six hex
/// digits — `profile_idc`, `profile-iop` (the constraint_set flags of the
/// SPS) and `level_idc`. Absent means `42001f` (Baseline, level 3.1).
struct H264ProfileLevelID: Equatable, Sendable {
    var profileIDC: UInt8
    var profileIOP: UInt8
    var levelIDC: UInt8

    /// The default when an fmtp has no `profile-level-id` (RFC 6184 §8.1).
    static let `default` = H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0x00, levelIDC: 0x1f)

    init(profileIDC: UInt8, profileIOP: UInt8, levelIDC: UInt8) {
        self.profileIDC = profileIDC
        self.profileIOP = profileIOP
        self.levelIDC = levelIDC
    }

    /// Exactly six hex digits; nil otherwise.
    init?(parsing text: String) {
        let digits = Array(text.utf8)
        guard digits.count == 6 else { return nil }
        var octets: [UInt8] = []
        for i in stride(from: 0, to: 6, by: 2) {
            guard let high = Self.hexValue(digits[i]), let low = Self.hexValue(digits[i + 1]) else { return nil }
            octets.append(high << 4 | low)
        }
        self.init(profileIDC: octets[0], profileIOP: octets[1], levelIDC: octets[2])
    }

    /// The `profile-level-id` of an fmtp parameter list: the default when
    /// absent, nil when malformed.
    init?(fmtp parameters: String?) {
        guard let text = SupportedCodec.parameter("profile-level-id", in: parameters) else {
            self = .default
            return
        }
        self.init(parsing: text)
    }

    /// Constrained Baseline and Baseline (`42`, any iop: `42e0`, `42c0`,
    /// `4200`), Main (`4d`) and High (`64`, also Constrained High `640c`):
    /// 8-bit 4:2:0, what browsers play in `<video>` and libavcodec decodes.
    /// Not High 10 (`6e`), High 4:2:2 (`7a`), High 4:4:4 (`f4`), Extended
    /// (`58`) or anything else.
    var isRecordable: Bool { [0x42, 0x4d, 0x64].contains(profileIDC) }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
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

    /// The codecs the section offers, as `NAME/rate` in `m=` order, each once
    /// (`H264/90000, VP8/90000, rtx/90000`), for error messages.
    var offeredCodecNames: [String] {
        let maps = rtpMaps
        var seen: [String] = []
        for format in formats {
            guard let pt = UInt8(format), let map = maps.first(where: { $0.payloadType == pt }) else { continue }
            let name = "\(map.encodingName)/\(map.clockRate)"
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
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
