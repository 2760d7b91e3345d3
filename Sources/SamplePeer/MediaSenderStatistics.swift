/// What one session's `MediaSender` did.
public struct MediaSenderStatistics: Sendable, Equatable, Codable {
    public var videoFramesSent = 0
    public var keyframesSent = 0
    public var audioFramesSent = 0
    /// Original RTP packets sent (retransmissions not included).
    public var packetsSent = 0
    /// RTP payload octets of those packets.
    public var payloadOctetsSent = 0
    /// Packets the transport refused (not connected, too large).
    public var sendFailures = 0
    /// Generic NACK packets received, sequence numbers resent from the
    /// history, and sequence numbers it no longer held.
    public var nacksReceived = 0
    public var nacksServed = 0
    public var nacksUnavailable = 0
    public var plisReceived = 0
    public var firsReceived = 0
    public var senderReportsSent = 0
    /// Video frames sent before the first keyframe (a sender that joins mid-GOP,
    /// `MediaSourceConfiguration.firstKeyframeAfterSeconds`): a receiver can decode none of them.
    public var videoFramesBeforeFirstKeyframe = 0
    /// From the first video frame sent to the first keyframe sent, by their
    /// capture times (milliseconds); nil until a keyframe went out.
    public var firstKeyframeAfterMs: Int?

    public init() {}
}
