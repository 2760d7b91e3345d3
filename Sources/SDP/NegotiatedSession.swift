/// What ICE, DTLS and the media pipeline need from a completed offer/answer.
public struct NegotiatedSession: Sendable, Equatable {
    /// The peer's ICE credentials (RFC 8839 §5.4).
    public var remoteICEUfrag: String
    public var remoteICEPwd: String
    /// True when the peer is ICE-lite (RFC 8445 §2.5); then we are controlling.
    public var remoteICELite: Bool
    /// The peer's certificate fingerprints (RFC 8122 §5); any may match.
    public var remoteFingerprints: [SDPFingerprint]
    /// Our DTLS role (RFC 5763 §5).
    public var dtlsRole: DTLSRole
    /// The peer's RTP (component 1) candidates from the bundle transport's section.
    public var remoteCandidates: [ICECandidate]
    /// True when the peer signalled `a=end-of-candidates` there (RFC 8840 §8.2).
    public var remoteEndOfCandidates: Bool
    /// Mids of the answer's BUNDLE group; the first is the tag (RFC 8843 §7.3).
    public var bundleMids: [String]
    /// Accepted sections, in `m=` order.
    public var tracks: [NegotiatedTrack]
    /// Sections not accepted, in `m=` order.
    public var rejected: [RejectedSection]
    /// The accepted data channel section, if any.
    public var dataChannel: NegotiatedDataChannel?

    public init(remoteICEUfrag: String, remoteICEPwd: String, remoteICELite: Bool,
                remoteFingerprints: [SDPFingerprint], dtlsRole: DTLSRole, remoteCandidates: [ICECandidate],
                remoteEndOfCandidates: Bool, bundleMids: [String], tracks: [NegotiatedTrack],
                rejected: [RejectedSection]) {
        self.remoteICEUfrag = remoteICEUfrag
        self.remoteICEPwd = remoteICEPwd
        self.remoteICELite = remoteICELite
        self.remoteFingerprints = remoteFingerprints
        self.dtlsRole = dtlsRole
        self.remoteCandidates = remoteCandidates
        self.remoteEndOfCandidates = remoteEndOfCandidates
        self.bundleMids = bundleMids
        self.tracks = tracks
        self.rejected = rejected
    }

    /// The accepted audio track, if any.
    public var audio: NegotiatedTrack? { tracks.first { $0.kind == .audio } }
    /// The accepted video track, if any.
    public var video: NegotiatedTrack? { tracks.first { $0.kind == .video } }
}

/// The answer we built and what it negotiated.
public struct NegotiatedAnswer: Sendable, Equatable {
    public var answer: SessionDescription
    /// `answer.serialized`, the body of the WHIP `201`.
    public var answerSDP: String
    public var session: NegotiatedSession

    public init(answer: SessionDescription, session: NegotiatedSession) {
        self.answer = answer
        self.answerSDP = answer.serialized
        self.session = session
    }
}
