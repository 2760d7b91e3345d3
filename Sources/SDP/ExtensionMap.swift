/// `a=extmap:<id>[/<direction>] <URI> [<extension attributes>]` (RFC 8285 §8).
public struct ExtensionMap: Sendable, Equatable, Hashable {
    /// 1-14 for one-byte headers, up to 255 for two-byte headers (RFC 8285 §4).
    public var id: UInt8
    public var direction: MediaDirection?
    public var uri: String
    public var extensionAttributes: String?

    public init(id: UInt8, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2 else {
            throw .invalidAttribute(name: "extmap", reason: "expected '<id> <URI>'")
        }
        let idField = fields[0].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = UInt8(idField[0]), id >= 1 else {
            throw .invalidAttribute(name: "extmap", reason: "id must be 1-255")
        }
        if idField.count == 2 {
            guard let direction = MediaDirection(rawValue: String(idField[1])) else {
                throw .invalidAttribute(name: "extmap", reason: "unknown direction '\(idField[1].prefix(10))'")
            }
            self.direction = direction
        } else {
            direction = nil
        }
        self.id = id
        uri = String(fields[1])
        extensionAttributes = fields.count == 3 ? String(fields[2]) : nil
    }

    /// The attribute value.
    public var serialized: String {
        var text = "\(id)"
        if let direction { text += "/\(direction.rawValue)" }
        text += " \(uri)"
        if let extensionAttributes { text += " \(extensionAttributes)" }
        return text
    }
}
