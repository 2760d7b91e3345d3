/// One encoded video frame of the shared `MediaSource`, already cut into RTP
/// payloads (VP8: RFC 7741 descriptor + data; H.264: RFC 6184 mode 1). Made once; every session adds
/// only its own RTP header.
public struct SourceVideoFrame: Sendable {
    /// The frame counter drawn into the picture (`TestPattern.readFrameCounter`).
    public var index: Int
    /// The frame is a keyframe.
    public var isKeyframe: Bool
    /// 90 kHz ticks since the source's first frame.
    public var ticks: UInt64
    /// When the frame was due (uptime nanoseconds): the source's start plus
    /// `index / fps`. RTP time and this clock advance together.
    public var captureTime: UInt64
    /// The encoded frame's size in octets.
    public var size: Int
    /// The RTP payloads in order; the last packet carries the marker.
    public var payloads: [[UInt8]]

    /// Creates a frame.
    public init(index: Int, isKeyframe: Bool, ticks: UInt64, captureTime: UInt64, size: Int, payloads: [[UInt8]]) {
        self.index = index
        self.isKeyframe = isKeyframe
        self.ticks = ticks
        self.captureTime = captureTime
        self.size = size
        self.payloads = payloads
    }
}

/// One 20 ms Opus packet of the shared `MediaSource` (RFC 7587: one per RTP packet).
public struct SourceAudioFrame: Sendable {
    /// The packet number since the source started.
    public var index: Int
    /// 48 kHz ticks since the source's first packet (`index × 960`).
    public var ticks: UInt64
    /// When the packet was due (uptime nanoseconds).
    public var captureTime: UInt64
    /// The Opus packet.
    public var payload: [UInt8]

    /// Creates a packet.
    public init(index: Int, ticks: UInt64, captureTime: UInt64, payload: [UInt8]) {
        self.index = index
        self.ticks = ticks
        self.captureTime = captureTime
        self.payload = payload
    }
}
