/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1), for example
/// `a=ssrc:1234 cname:abc`.
public struct SSRCAttribute: Sendable, Equatable, Hashable {
    public var ssrc: UInt32
    public var attribute: String
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let first = fields.first, let ssrc = UInt32(first) else {
            throw .invalidAttribute(name: "ssrc", reason: "SSRC must be a 32-bit number")
        }
        self.ssrc = ssrc
        if fields.count == 2 {
            let rest = fields[1]
            if let colon = rest.firstIndex(of: ":") {
                attribute = String(rest[..<colon])
                value = String(rest[rest.index(after: colon)...])
            } else {
                attribute = String(rest)
                value = nil
            }
        } else {
            throw .invalidAttribute(name: "ssrc", reason: "missing source attribute")
        }
    }

    /// The attribute value.
    public var serialized: String {
        if let value { return "\(ssrc) \(attribute):\(value)" }
        return "\(ssrc) \(attribute)"
    }
}
