/// `a=ssrc-group:<semantics> <ssrc-id> ...` (RFC 5576 §4.2), for example
/// `FID` pairing a media SSRC with its RTX SSRC (RFC 4588 §8.1).
public struct SSRCGroup: Sendable, Equatable, Hashable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else {
            throw .invalidAttribute(name: "ssrc-group", reason: "missing semantics")
        }
        var ssrcs: [UInt32] = []
        for field in fields.dropFirst() {
            guard let ssrc = UInt32(field) else {
                throw .invalidAttribute(name: "ssrc-group", reason: "SSRC must be a 32-bit number")
            }
            ssrcs.append(ssrc)
        }
        semantics = String(first)
        self.ssrcs = ssrcs
    }

    /// The attribute value.
    public var serialized: String { ([semantics] + ssrcs.map(String.init)).joined(separator: " ") }
}
