/// What `MediaRepairer.repair` did.
public struct RepairOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        /// The input was already finalized and intact; nothing was written.
        case alreadyFinalized
        /// A finalized copy was written to `output`.
        case repaired
    }

    public var status: Status
    public var container: ContainerKind
    /// The file written (nil when nothing was written).
    public var output: String?
    /// Frames kept (or, when already finalized, frames in the file).
    public var videoFrames: Int
    public var audioFrames: Int
    /// Duration of the output (or of the untouched input), in ns.
    public var durationNs: Int64
    /// Where the input stopped parsing, when it was cut or damaged.
    public var inputDamage: String?

    public init(status: Status, container: ContainerKind, output: String?, videoFrames: Int,
                audioFrames: Int, durationNs: Int64, inputDamage: String?) {
        self.status = status
        self.container = container
        self.output = output
        self.videoFrames = videoFrames
        self.audioFrames = audioFrames
        self.durationNs = durationNs
        self.inputDamage = inputDamage
    }
}
