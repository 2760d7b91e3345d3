/// Why a depacketizer threw away the packets of a frame.
public enum VideoDropReason: Equatable, Sendable {
    /// Packets of a frame whose first packet (VP8: S = 1, PID = 0; H.264: the first slice of the picture) never came.
    case missingStart
    /// A sequence number is missing inside the frame.
    case sequenceGap
    /// The frame's last packet (marker) never came: a new frame started, or the
    /// jitter buffer reported a gap, or the stream was flushed.
    case missingEnd
    /// A packet or the assembled frame is malformed.
    case malformed(MediaPipelineError)
}

/// An incomplete frame that a depacketizer discarded instead of emitting.
public struct DroppedVideoFrame: Equatable, Sendable {
    /// The RTP timestamp of the discarded packets.
    public var rtpTimestamp: UInt32
    /// The first and last sequence number of the discarded packets.
    public var firstSequenceNumber: UInt16
    /// See `firstSequenceNumber`.
    public var lastSequenceNumber: UInt16
    /// How many packets were discarded.
    public var packetCount: Int
    /// Why.
    public var reason: VideoDropReason

    /// Creates a record of a dropped frame.
    public init(rtpTimestamp: UInt32, firstSequenceNumber: UInt16, lastSequenceNumber: UInt16, packetCount: Int,
                reason: VideoDropReason) {
        self.rtpTimestamp = rtpTimestamp
        self.firstSequenceNumber = firstSequenceNumber
        self.lastSequenceNumber = lastSequenceNumber
        self.packetCount = packetCount
        self.reason = reason
    }
}

/// The names the types had when VP8 was the only video codec.
public typealias DroppedVP8Frame = DroppedVideoFrame
public typealias VP8DropReason = VideoDropReason
