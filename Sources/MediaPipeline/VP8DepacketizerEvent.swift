/// What `VP8Depacketizer` reports for the packets it is given.
public enum VP8DepacketizerEvent: Equatable, Sendable {
    /// A complete frame.
    case frame(AssembledVP8Frame)
    /// Packets of an incomplete or malformed frame that were discarded.
    case dropped(DroppedVP8Frame)
}
