/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2).
public struct MediaStreamID: Sendable, Equatable, Hashable {
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 1 || fields.count == 2 else {
            throw .invalidAttribute(name: "msid", reason: "expected '<stream id> [<track id>]'")
        }
        streamID = String(fields[0])
        trackID = fields.count == 2 ? String(fields[1]) : nil
    }

    /// The attribute value.
    public var serialized: String {
        if let trackID { return "\(streamID) \(trackID)" }
        return streamID
    }
}
