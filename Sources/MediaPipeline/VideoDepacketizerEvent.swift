/// What a video depacketizer reports for the packets it is given.
public enum VideoDepacketizerEvent: Equatable, Sendable {
    /// A complete frame.
    case frame(AssembledVideoFrame)
    /// Packets of an incomplete or malformed frame that were discarded.
    case dropped(DroppedVideoFrame)
}

/// The name the type had when VP8 was the only video codec.
public typealias VP8DepacketizerEvent = VideoDepacketizerEvent
