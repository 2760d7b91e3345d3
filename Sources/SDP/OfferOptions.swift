/// What Capstan's own sample peer puts into its offer.
public struct OfferOptions: Sendable, Equatable {
    /// Our fresh ICE credentials (RFC 8839 §5.4).
    public var iceUfrag: String
    public var icePwd: String
    /// Our certificate's fingerprint, normally `sha-256`.
    public var fingerprint: SDPFingerprint
    /// Our candidates; may be empty when they trickle later.
    public var candidates: [ICECandidate]
    /// The tracks we send: an audio section (Opus, PT 111) when `streams.audio`
    /// is set, a video section (VP8, PT 96) when `streams.video` is set.
    public var streams: LocalStreams
    /// `true` offers `sendrecv` (loopback), `false` offers `sendonly`.
    public var loopback: Bool
    /// Overrides the direction of every section (e.g. `.recvonly` when the
    /// daemon calls a peer to record it; the tracks in `streams` then only
    /// select which sections exist). `nil`: `sendonly`, or `sendrecv` with
    /// `loopback`.
    public var direction: MediaDirection?
    /// Adds `a=ice-lite` (RFC 8839 §5.3) at session level: Capstan's daemon
    /// is a lite agent even when it offers.
    public var iceLite: Bool = false
    /// The video codec of the video section: VP8 (PT 96), or H.264 (PT 102,
    /// packetization-mode 1, Constrained Baseline 3.1: `42e01f`).
    public var videoCodec: SupportedCodec = .vp8
    /// `o=` session id and version.
    public var sessionID: UInt64
    public var sessionVersion: UInt64

    public init(iceUfrag: String, icePwd: String, fingerprint: SDPFingerprint, candidates: [ICECandidate] = [],
                streams: LocalStreams, loopback: Bool = false, sessionID: UInt64, sessionVersion: UInt64 = 1) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.streams = streams
        self.loopback = loopback
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
    }
}
