/// What we put into an answer besides what the offer decides.
public struct AnswerOptions: Sendable, Equatable {
    /// Recording receives only; loopback also sends back what it receives.
    public enum Mode: Sendable, Equatable {
        /// Answer `recvonly` to `sendonly`/`sendrecv` offers.
        case recvonly
        /// Answer `sendrecv` to `sendrecv` sections, sending the given tracks.
        case sendrecv(LocalStreams)
        /// A publisher answering a recorder's offer (the daemon calling a
        /// peer): `sendonly` to `recvonly`/`sendrecv` sections, sending the
        /// given tracks; sections without a track are rejected.
        case sendonly(LocalStreams)
    }

    /// Our fresh ICE credentials (RFC 8839 §5.4); the caller generates them.
    public var iceUfrag: String
    public var icePwd: String
    /// Our certificate's fingerprint, normally `sha-256`.
    public var fingerprint: SDPFingerprint
    /// Our candidates, written into every accepted section with `a=end-of-candidates`.
    public var candidates: [ICECandidate]
    public var mode: Mode
    /// The video codecs accepted, in order of preference: the answer takes
    /// the first of these the offer has (among several formats of that codec,
    /// the offerer's first). Default VP8, then H.264.
    public var videoCodecs: [SupportedCodec] = SupportedCodec.recordableVideo
    /// Data channels (RFC 8831): accept an `m=application` data channel
    /// section with these limits; nil rejects it (port 0, still with our
    /// transport attributes so the peer takes the rest of the answer).
    public var dataChannels: DataChannelAnswerPolicy?
    /// `o=` session id and version (RFC 8829 §5.2.1).
    public var sessionID: UInt64
    public var sessionVersion: UInt64

    public init(iceUfrag: String, icePwd: String, fingerprint: SDPFingerprint, candidates: [ICECandidate],
                mode: Mode = .recvonly, sessionID: UInt64, sessionVersion: UInt64 = 1) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.mode = mode
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
    }
}
