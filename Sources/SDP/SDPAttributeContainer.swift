/// Something holding an ordered list of `a=` lines: a ``SessionDescription``
/// or a ``MediaDescription``. Typed accessors live in extensions of this
/// protocol so both levels share them; values that do not parse are skipped
/// by the plain accessors (the offer may carry garbage we never use).
public protocol SDPAttributeContainer {
    var attributes: [SDPAttribute] { get set }
}

extension SDPAttributeContainer {
    /// The value of the first attribute with this name ("" for a flag attribute).
    public func attribute(_ name: String) -> String? {
        guard let found = attributes.first(where: { $0.name == name }) else { return nil }
        return found.value ?? ""
    }

    /// The values of every attribute with this name, in order.
    public func attributes(named name: String) -> [String] {
        attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil }
    }

    /// True when an attribute with this name is present.
    public func hasAttribute(_ name: String) -> Bool {
        attributes.contains(where: { $0.name == name })
    }

    /// Appends an attribute.
    public mutating func addAttribute(_ name: String, _ value: String? = nil) {
        attributes.append(SDPAttribute(name, value))
    }

    /// Removes every attribute with this name.
    public mutating func removeAttributes(named name: String) {
        attributes.removeAll(where: { $0.name == name })
    }

    // MARK: ICE (RFC 8839 §5.4, §5.6) and trickle (RFC 8840 §8.2)

    public var iceUfrag: String? { attribute("ice-ufrag") }
    public var icePwd: String? { attribute("ice-pwd") }
    /// Tokens of every `a=ice-options`.
    public var iceOptions: [String] {
        attributes(named: "ice-options").flatMap { $0.split(separator: " ").map(String.init) }
    }
    /// `a=ice-lite` (RFC 8839 §5.3), session level.
    public var isICELite: Bool { hasAttribute("ice-lite") }
    /// Candidates that parse; see ``parseCandidates()`` for the strict form.
    public var candidates: [ICECandidate] {
        attributes(named: "candidate").compactMap { try? ICECandidate(parsing: $0) }
    }
    /// Every `a=candidate`, failing on the first bad one.
    public func parseCandidates() throws(SDPError) -> [ICECandidate] {
        var result: [ICECandidate] = []
        for value in attributes(named: "candidate") { result.append(try ICECandidate(parsing: value)) }
        return result
    }
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    public var hasEndOfCandidates: Bool { hasAttribute("end-of-candidates") }

    // MARK: DTLS (RFC 8122 §5, RFC 4145 §4)

    public var fingerprints: [SDPFingerprint] {
        attributes(named: "fingerprint").compactMap { try? SDPFingerprint(parsing: $0) }
    }
    public var setup: DTLSSetup? { attribute("setup").flatMap { DTLSSetup(rawValue: $0) } }

    // MARK: Direction (RFC 8866 §6.7)

    /// The direction attribute written at this level, if any (the last one wins).
    public var direction: MediaDirection? {
        attributes.last(where: { MediaDirection(rawValue: $0.name) != nil && $0.value == nil })
            .flatMap { MediaDirection(rawValue: $0.name) }
    }

    // MARK: Media section attributes

    /// `a=mid` (RFC 5888 §4).
    public var mid: String? { attribute("mid") }
    /// `a=rtcp-mux` (RFC 5761 §5.1.1).
    public var isRTCPMux: Bool { hasAttribute("rtcp-mux") }
    /// `a=rtcp-mux-only` (RFC 8858 §3).
    public var isRTCPMuxOnly: Bool { hasAttribute("rtcp-mux-only") }
    /// `a=bundle-only` (RFC 8843 §6).
    public var isBundleOnly: Bool { hasAttribute("bundle-only") }
    public var rtpMaps: [RTPMap] { attributes(named: "rtpmap").compactMap { try? RTPMap(parsing: $0) } }
    public var formatParameters: [FormatParameters] {
        attributes(named: "fmtp").compactMap { try? FormatParameters(parsing: $0) }
    }
    public var rtcpFeedback: [RTCPFeedback] {
        attributes(named: "rtcp-fb").compactMap { try? RTCPFeedback(parsing: $0) }
    }
    public var extensionMaps: [ExtensionMap] {
        attributes(named: "extmap").compactMap { try? ExtensionMap(parsing: $0) }
    }
    public var ssrcAttributes: [SSRCAttribute] {
        attributes(named: "ssrc").compactMap { try? SSRCAttribute(parsing: $0) }
    }
    public var ssrcGroups: [SSRCGroup] {
        attributes(named: "ssrc-group").compactMap { try? SSRCGroup(parsing: $0) }
    }
    /// The first `a=msid` (RFC 8830 §2).
    public var msid: MediaStreamID? { attribute("msid").flatMap { try? MediaStreamID(parsing: $0) } }

    // MARK: Session attributes

    /// `a=group` lines (RFC 5888 §5).
    public var groups: [SDPGroup] { attributes(named: "group").compactMap { try? SDPGroup(parsing: $0) } }
    /// The first `a=group:BUNDLE` (RFC 8843 §7.1).
    public var bundleGroup: SDPGroup? { groups.first(where: \.isBundle) }
}

extension MediaDescription {
    /// The `a=rtpmap` for a payload type.
    public func rtpMap(for payloadType: UInt8) -> RTPMap? { rtpMaps.first { $0.payloadType == payloadType } }
    /// The `a=fmtp` for a payload type.
    public func formatParameters(for payloadType: UInt8) -> FormatParameters? {
        formatParameters.first { $0.payloadType == payloadType }
    }
    /// The `a=rtcp-fb` lines that apply to a payload type (including `*`).
    public func rtcpFeedback(for payloadType: UInt8) -> [RTCPFeedback] {
        rtcpFeedback.filter { $0.applies(to: payloadType) }
    }
    /// Distinct SSRCs of `a=ssrc` lines, in order of appearance.
    public var ssrcs: [UInt32] {
        var seen: [UInt32] = []
        for item in ssrcAttributes where !seen.contains(item.ssrc) { seen.append(item.ssrc) }
        return seen
    }
}

extension SessionDescription {
    /// Media-level direction, else session-level, else `sendrecv` (RFC 8866 §6.7).
    public func effectiveDirection(of section: MediaDescription) -> MediaDirection {
        section.direction ?? direction ?? .sendrecv
    }
    /// Media-level ICE credentials, else session-level (RFC 8839 §5.4).
    public func effectiveICECredentials(of section: MediaDescription) -> (ufrag: String, pwd: String)? {
        guard let ufrag = section.iceUfrag ?? iceUfrag, let pwd = section.icePwd ?? icePwd else { return nil }
        return (ufrag, pwd)
    }
    /// Media-level fingerprints, else session-level (RFC 8122 §5).
    public func effectiveFingerprints(of section: MediaDescription) -> [SDPFingerprint] {
        let local = section.fingerprints
        return local.isEmpty ? fingerprints : local
    }
    /// Media-level setup, else session-level (RFC 4145 §4).
    public func effectiveSetup(of section: MediaDescription) -> DTLSSetup? { section.setup ?? setup }
}
