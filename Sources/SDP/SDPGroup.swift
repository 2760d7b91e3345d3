/// `a=group:<semantics> <mid> ...` (RFC 5888 §5), for example `BUNDLE`
/// (RFC 8843 §7.1).
public struct SDPGroup: Sendable, Equatable, Hashable {
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first else {
            throw .invalidAttribute(name: "group", reason: "missing semantics")
        }
        semantics = String(first)
        mids = fields.dropFirst().map(String.init)
    }

    public var isBundle: Bool { semantics == "BUNDLE" }

    /// The attribute value.
    public var serialized: String { ([semantics] + mids).joined(separator: " ") }
}
