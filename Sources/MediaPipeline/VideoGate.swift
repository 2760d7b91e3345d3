/// Lets VP8 frames through only when a decoder can decode them correctly
/// (DESIGN.md §4): nothing before the first keyframe, and after any loss
/// (a dropped frame, missing packets) nothing until the next keyframe.
///
/// Sans-I/O and allocation-free. Feed it every assembled frame with `admit` and
/// every loss with `noteLoss`; when either reports that the gate closed, ask the
/// sender for a keyframe (`KeyframeRequester.requestKeyframe`).
public struct VideoGate: Sendable {
    /// Frames may pass (a keyframe was seen and nothing was lost since).
    public private(set) var isOpen = false
    /// Frames let through.
    public private(set) var forwarded = 0
    /// Frames held back.
    public private(set) var dropped = 0
    /// Times the gate closed because of a loss.
    public private(set) var closures = 0

    /// A closed gate.
    public init() {}

    /// Decides about one assembled frame.
    public mutating func admit(_ frame: AssembledVP8Frame) -> VideoGateDecision {
        if frame.isKeyframe {
            isOpen = true
            forwarded += 1
            return .forward
        }
        guard isOpen else {
            dropped += 1
            return .dropAwaitingKeyframe
        }
        if frame.followsLoss {
            isOpen = false
            closures += 1
            dropped += 1
            return .dropAfterLoss
        }
        forwarded += 1
        return .forward
    }

    /// Video data was lost (a `.dropped` frame or a jitter buffer `.gap`).
    ///
    /// - Returns: true when this closed an open gate (request a keyframe).
    public mutating func noteLoss() -> Bool {
        guard isOpen else { return false }
        isOpen = false
        closures += 1
        return true
    }
}
