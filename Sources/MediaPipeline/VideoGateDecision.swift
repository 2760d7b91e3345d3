/// What a `VideoGate` decided about one frame.
public enum VideoGateDecision: Sendable, Equatable {
    /// Write (or decode) the frame.
    case forward
    /// Hold the frame back: no keyframe yet since the start or since a loss.
    case dropAwaitingKeyframe
    /// Hold the frame back: it follows a loss, so its references may be gone; the
    /// gate has just closed and a keyframe should be requested.
    case dropAfterLoss
}
