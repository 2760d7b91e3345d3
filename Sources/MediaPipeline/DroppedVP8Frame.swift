/// Why `VP8Depacketizer` threw away the packets of a frame.
public enum VP8DropReason: Equatable, Sendable {
    /// Packets of a frame whose first packet (S = 1, PID = 0) never came.
    case missingStart
    /// A sequence number is missing inside the frame.
    case sequenceGap
    /// The frame's last packet (marker) never came: a new frame started, or the
    /// jitter buffer reported a gap, or the stream was flushed.
    case missingEnd
    /// A packet or the assembled frame is malformed.
    case malformed(MediaPipelineError)
}

/// An incomplete frame that `VP8Depacketizer` discarded instead of emitting.
public struct DroppedVP8Frame: Equatable, Sendable {
    /// The RTP timestamp of the discarded packets.
    public var rtpTimestamp: UInt32
    /// The first and last sequence number of the discarded packets.
    public var firstSequenceNumber: UInt16
    /// See `firstSequenceNumber`.
    public var lastSequenceNumber: UInt16
    /// How many packets were discarded.
    public var packetCount: Int
    /// Why.
    public var reason: VP8DropReason

    /// Creates a record of a dropped frame.
    public init(rtpTimestamp: UInt32, firstSequenceNumber: UInt16, lastSequenceNumber: UInt16, packetCount: Int,
                reason: VP8DropReason) {
        self.rtpTimestamp = rtpTimestamp
        self.firstSequenceNumber = firstSequenceNumber
        self.lastSequenceNumber = lastSequenceNumber
        self.packetCount = packetCount
        self.reason = reason
    }
}
