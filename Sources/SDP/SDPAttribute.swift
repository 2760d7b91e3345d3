/// One `a=` line (RFC 8866 §5.13): `a=<name>` or `a=<name>:<value>`.
/// The value is kept verbatim (including leading spaces) so unknown
/// attributes survive a parse/serialize round trip unchanged.
public struct SDPAttribute: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Parses the text after `a=`.
    public init(parsing text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            value = String(text[text.index(after: colon)...])
        } else {
            name = String(text)
            value = nil
        }
    }

    /// The text after `a=`.
    public var serialized: String {
        if let value { return "\(name):\(value)" }
        return name
    }
}
