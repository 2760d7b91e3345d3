/// One track we send: its SSRC and `msid` track id (RFC 8830 §2).
public struct LocalTrack: Sendable, Equatable {
    public var ssrc: UInt32
    public var trackID: String

    public init(ssrc: UInt32, trackID: String) {
        self.ssrc = ssrc
        self.trackID = trackID
    }
}

/// What we send, when we send: RTCP CNAME (RFC 3550 §6.5.1), the `msid`
/// stream id, and at most one audio and one video track.
public struct LocalStreams: Sendable, Equatable {
    public var cname: String
    public var streamID: String
    public var audio: LocalTrack?
    public var video: LocalTrack?

    public init(cname: String, streamID: String, audio: LocalTrack? = nil, video: LocalTrack? = nil) {
        self.cname = cname
        self.streamID = streamID
        self.audio = audio
        self.video = video
    }

    /// The track for a media kind.
    public func track(for kind: MediaKind) -> LocalTrack? {
        switch kind {
        case .audio: return audio
        case .video: return video
        default: return nil
        }
    }
}
