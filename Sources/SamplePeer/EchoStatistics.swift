/// What a loopback session's `EchoReceiver` got back.
public struct EchoStatistics: Sendable, Equatable, Codable {
    /// Echoed RTP packets of the video stream.
    public var videoPacketsEchoed = 0
    /// Complete echoed frames (every packet came back).
    public var videoFramesEchoed = 0
    /// Echoed frames that decoded and whose frame counter could be read.
    public var videoFramesDecoded = 0
    /// Frames the depacketizer had to drop (packets missing).
    public var videoFramesIncomplete = 0
    /// Complete frames not decoded: waiting for a keyframe after a loss, or
    /// libvpx rejected or flagged them corrupt, or the counter was unreadable.
    public var videoFramesUndecodable = 0
    /// Decoded counters that did not increase.
    public var countersOutOfOrder = 0
    /// PLIs sent to the echo after a loss.
    public var plisSent = 0
    /// Round-trip time from sending a frame to decoding its echo, milliseconds.
    public var rttMinMs: Double?
    public var rttMeanMs: Double?
    public var rttMaxMs: Double?

    public init() {}
}
