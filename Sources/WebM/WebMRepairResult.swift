/// Outcome of `WebMRepair.repair`.
public enum WebMRepairResult: Sendable, Equatable {
    /// The input already has Duration and Cues; nothing was written.
    case alreadyFinalized
    /// A finalized copy was written to the output path.
    case repaired(WebMRepairReport)
}

/// Details of a repair.
public struct WebMRepairReport: Sendable, Equatable {
    /// Frames written to the output (every complete frame the parser delivered).
    public var framesKept: Int
    /// Frames that came from clusters read completely.
    public var framesInCompleteClusters: Int
    /// Where and why the input stopped parsing (nil if it parsed whole).
    public var inputParseError: WebMParseError?
    /// The output writer's summary (duration, cues, clusters).
    public var summary: WebMWriterSummary
}
