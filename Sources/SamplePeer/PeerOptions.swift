import Foundation
import MediaPipeline
import Transport

/// What `capstan peer` runs (DESIGN §3).
public struct PeerOptions: Sendable {
    /// The daemon's WHIP endpoint (`http://host:port/whip`).
    public var whip: URL
    /// Bearer token, when the daemon has one.
    public var token: String?
    /// How long each session sends, in seconds.
    public var durationSeconds: Double
    /// Concurrent sessions sharing one encoded stream.
    public var sessions: Int
    /// The test video, or nil for `--no-video`.
    public var video: VideoFormat?
    /// Send the Opus tone.
    public var audio: Bool
    /// Offer sendrecv on `?mode=loopback` and decode the echo.
    public var loopback: Bool
    /// Limit for offer → ICE+DTLS connected, per session.
    public var connectTimeout: Duration
    /// Sessions being set up at once.
    public var maxConcurrentConnects: Int
    /// The video codec sent: VP8 (libvpx) or H.264 (libopenh264, packetization-mode 1).
    public var videoCodec: VideoCodec = .vp8
    /// Video target bitrate, kbit/s.
    public var videoBitrateKbps: Int
    /// `udp`, or `tcp` for ICE-TCP (RFC 6544, the active side) to the answer's passive candidate.
    public var transport: PathProtocol = .udp
    /// The offer's shape: Capstan's own, or OBS's or FFmpeg's WHIP offer (H.264 only).
    public var offerShape: OfferShape = .capstan
    /// A keyframe exactly every this many seconds (nil: every 3 s from the encoder, and on request).
    public var keyframeIntervalSeconds: Double?
    /// The first keyframe comes this many seconds after the first video frame (joining mid-GOP).
    public var firstKeyframeAfterSeconds: Double = 0
    /// PLI and FIR are counted, not answered (as OBS does).
    public var ignoreKeyframeRequests = false
    /// Generic NACKs are counted, not answered.
    public var ignoreNACK = false
    /// Negotiate audio and video, connect, then send no media for the duration: the
    /// idle-but-connected sessions of issue 13 (ICE consent still runs both ways).
    public var idle = false

    /// Defaults: 10 s, one session, 640×360 at 30 fps with audio, 10 s to connect, 16 connects at a time.
    public init(whip: URL, token: String? = nil, durationSeconds: Double = 10, sessions: Int = 1,
                video: VideoFormat? = VideoFormat(width: 640, height: 360, fps: 30), audio: Bool = true,
                loopback: Bool = false, connectTimeout: Duration = .seconds(10), maxConcurrentConnects: Int = 16,
                videoBitrateKbps: Int = 500) {
        self.whip = whip
        self.token = token
        self.durationSeconds = durationSeconds
        self.sessions = sessions
        self.video = video
        self.audio = audio
        self.loopback = loopback
        self.connectTimeout = connectTimeout
        self.maxConcurrentConnects = maxConcurrentConnects
        self.videoBitrateKbps = videoBitrateKbps
    }

    /// The URL offers go to: `whip`, plus `mode=loopback` in loopback.
    public var offerURL: URL {
        guard loopback, var components = URLComponents(url: whip, resolvingAgainstBaseURL: true) else { return whip }
        var items = components.queryItems ?? []
        items.removeAll { $0.name == "mode" }
        items.append(URLQueryItem(name: "mode", value: "loopback"))
        components.queryItems = items
        return components.url ?? whip
    }
}
