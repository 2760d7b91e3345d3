/// An `application/trickle-ice-sdpfrag` body (RFC 8840 §9, used by WHIP
/// PATCH, RFC 9725 §4.3.1): optional session-level ICE credentials and
/// options, then `m=` lines each with `a=mid`, candidates and
/// `a=end-of-candidates`. New credentials mean an ICE restart (RFC 8839 §4.4.1.1.1).
public struct TrickleFragment: Sendable, Equatable {
    /// One `m=` line of the fragment and its candidates.
    public struct Section: Sendable, Equatable {
        /// The text after `m=`, kept verbatim (peers write it loosely).
        public var mediaLine: String
        public var mid: String?
        /// Media-level credentials, if the peer put them here (RFC 9725 Figure 3 does).
        public var iceUfrag: String?
        public var icePwd: String?
        public var candidates: [ICECandidate]
        public var endOfCandidates: Bool

        public init(mediaLine: String, mid: String?, iceUfrag: String? = nil, icePwd: String? = nil,
                    candidates: [ICECandidate] = [], endOfCandidates: Bool = false) {
            self.mediaLine = mediaLine
            self.mid = mid
            self.iceUfrag = iceUfrag
            self.icePwd = icePwd
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
        }

        /// The media kind, the first token of the `m=` line.
        public var kind: MediaKind {
            MediaKind(String(mediaLine.split(separator: " ").first ?? ""))
        }
    }

    public var iceUfrag: String?
    public var icePwd: String?
    /// Tokens of session-level `a=ice-options`.
    public var iceOptions: [String]
    /// Session-level `a=group` lines (RFC 9725 Figure 3 carries `BUNDLE`).
    public var groups: [SDPGroup]
    /// Session-level `a=end-of-candidates`.
    public var endOfCandidates: Bool
    public var sections: [Section]

    public init(iceUfrag: String? = nil, icePwd: String? = nil, iceOptions: [String] = [], groups: [SDPGroup] = [],
                endOfCandidates: Bool = false, sections: [Section] = []) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.iceOptions = iceOptions
        self.groups = groups
        self.endOfCandidates = endOfCandidates
        self.sections = sections
    }

    /// Parses a fragment. Unknown attributes are ignored; a bad candidate,
    /// a line that is not `a=`/`m=`, or a candidate outside any `m=` section
    /// fails with a reason.
    public init(parsing text: String, limits: SDPLimits = SDPLimits(maxSize: 16 * 1024)) throws(SDPError) {
        let lines: [SDPLine]
        do { lines = try SDPLine.split(text, limits: limits) } catch {
            if case .limitExceeded = error { throw error }
            throw .invalidFragment(reason: error.reason)
        }
        self.init()
        for line in lines {
            switch line.type {
            case "m":
                guard sections.count < limits.maxMediaSections else {
                    throw .limitExceeded(reason: "more than \(limits.maxMediaSections) m= lines")
                }
                guard !line.value.isEmpty else { throw .invalidFragment(reason: "line \(line.number): empty m= line") }
                sections.append(Section(mediaLine: String(line.value), mid: nil))
            case "a":
                let attribute = SDPAttribute(parsing: line.value)
                let value = attribute.value ?? ""
                if sections.isEmpty {
                    switch attribute.name {
                    case "ice-ufrag": iceUfrag = value
                    case "ice-pwd": icePwd = value
                    case "ice-options": iceOptions += value.split(separator: " ").map(String.init)
                    case "group": if let group = try? SDPGroup(parsing: value) { groups.append(group) }
                    case "end-of-candidates": endOfCandidates = true
                    case "candidate":
                        throw .invalidFragment(reason: "line \(line.number): candidate before any m= line")
                    default: break
                    }
                } else {
                    let index = sections.count - 1
                    switch attribute.name {
                    case "mid": sections[index].mid = value
                    case "ice-ufrag": sections[index].iceUfrag = value
                    case "ice-pwd": sections[index].icePwd = value
                    case "end-of-candidates": sections[index].endOfCandidates = true
                    case "candidate":
                        do { sections[index].candidates.append(try ICECandidate(parsing: value)) } catch {
                            throw .invalidFragment(reason: "line \(line.number): \(error.reason)")
                        }
                    default: break
                    }
                }
            default:
                throw .invalidFragment(reason: "line \(line.number): unexpected '\(line.type)=' line")
            }
        }
    }

    /// The credentials the fragment carries (session level, else the first section's).
    public var credentials: (ufrag: String, pwd: String)? {
        if let iceUfrag, let icePwd { return (iceUfrag, icePwd) }
        for section in sections {
            if let ufrag = section.iceUfrag, let pwd = section.icePwd { return (ufrag, pwd) }
        }
        return nil
    }

    /// True when the fragment carries credentials different from the
    /// current remote ones: an ICE restart (RFC 8839 §4.4.1.1.1, RFC 9725 §4.3.2).
    public func isICERestart(currentUfrag: String, currentPwd: String) -> Bool {
        guard let credentials else { return false }
        return credentials.ufrag != currentUfrag || credentials.pwd != currentPwd
    }

    /// Every candidate with the mid of its section.
    public var allCandidates: [(mid: String?, candidate: ICECandidate)] {
        sections.flatMap { section in section.candidates.map { (section.mid, $0) } }
    }

    /// True when the session or any section says `end-of-candidates`.
    public var isEndOfCandidates: Bool { endOfCandidates || sections.contains(where: \.endOfCandidates) }

    /// The fragment as text with `\r\n` line ends.
    public var serialized: String {
        var out = ""
        if !iceOptions.isEmpty { out += "a=ice-options:\(iceOptions.joined(separator: " "))\r\n" }
        for group in groups { out += "a=group:\(group.serialized)\r\n" }
        if let iceUfrag { out += "a=ice-ufrag:\(iceUfrag)\r\n" }
        if let icePwd { out += "a=ice-pwd:\(icePwd)\r\n" }
        if endOfCandidates { out += "a=end-of-candidates\r\n" }
        for section in sections {
            out += "m=\(section.mediaLine)\r\n"
            if let mid = section.mid { out += "a=mid:\(mid)\r\n" }
            if let ufrag = section.iceUfrag { out += "a=ice-ufrag:\(ufrag)\r\n" }
            if let pwd = section.icePwd { out += "a=ice-pwd:\(pwd)\r\n" }
            for candidate in section.candidates { out += "a=candidate:\(candidate.attributeValue)\r\n" }
            if section.endOfCandidates { out += "a=end-of-candidates\r\n" }
        }
        return out
    }
}

extension TrickleFragment {
    /// Our answer to a peer's ICE restart (RFC 8840 §4.4, RFC 9725 §4.4):
    /// the new credentials and our candidates on the first bundled section,
    /// with end-of-candidates (an ICE-lite answerer has no more to trickle).
    public static func iceRestartAnswer(ufrag: String, pwd: String, for session: NegotiatedSession,
                                        candidates: [ICECandidate]) -> TrickleFragment {
        let mid = session.bundleMids.first ?? session.tracks.first?.mid ?? "0"
        let kind = session.tracks.first { $0.mid == mid }?.kind ?? session.tracks.first?.kind ?? .audio
        return TrickleFragment(iceUfrag: ufrag, icePwd: pwd, sections: [
            Section(mediaLine: "\(kind) 9 UDP/TLS/RTP/SAVPF 0", mid: mid, candidates: candidates, endOfCandidates: true),
        ])
    }
}
