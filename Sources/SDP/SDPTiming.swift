/// A `t=` line with its `r=` repeat lines (RFC 8866 §5.9, §5.10).
/// WebRTC always uses `t=0 0`.
public struct SDPTiming: Sendable, Equatable {
    public var start: UInt64
    public var stop: UInt64
    /// Raw `r=` values, kept verbatim.
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    /// Parses the text after `t=`.
    public init(parsing text: Substring) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 2, let start = UInt64(fields[0]), let stop = UInt64(fields[1]) else {
            throw .invalidAttribute(name: "t", reason: "timing must be two numbers")
        }
        self.start = start
        self.stop = stop
        self.repeats = []
    }

    /// The text after `t=`.
    public var serialized: String { "\(start) \(stop)" }
}
