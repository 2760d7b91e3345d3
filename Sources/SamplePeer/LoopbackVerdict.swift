/// Whether a loopback run got enough of its video back: at least
/// `threshold` (95 %) of the frames sent came back complete (issue 6).
public struct LoopbackVerdict: Sendable, Equatable, Codable {
    public var framesSent: Int
    public var framesEchoed: Int
    public var threshold: Double
    /// Echoed ÷ sent (0 when nothing was sent).
    public var ratio: Double { framesSent == 0 ? 0 : Double(framesEchoed) / Double(framesSent) }
    /// The echo kept up.
    public var passed: Bool { framesSent > 0 && ratio >= threshold }

    /// A verdict on `framesEchoed` of `framesSent` against `threshold` (0…1).
    public init(framesSent: Int, framesEchoed: Int, threshold: Double = 0.95) {
        self.framesSent = framesSent
        self.framesEchoed = framesEchoed
        self.threshold = threshold
    }

    /// A one-line reason when it failed, nil when it passed.
    public var failure: String? {
        guard !passed else { return nil }
        let percent = (ratio * 1000).rounded() / 10
        return "echo short: \(framesEchoed) of \(framesSent) video frames came back (\(percent) %, need ≥ \(Int(threshold * 100)) %)"
    }
}
