/// One media section: the `m=` line and the lines below it up to the next
/// `m=` (RFC 8866 §5.14).
public struct MediaDescription: Sendable, Equatable, SDPAttributeContainer {
    public var kind: MediaKind
    /// Transport port; 0 means rejected, or bundle-only (RFC 8843 §6).
    public var port: UInt16
    /// The optional `/<number of ports>` suffix.
    public var portCount: Int?
    /// For example `UDP/TLS/RTP/SAVPF` (RFC 5764 §8).
    public var proto: String
    /// Payload types (as strings) or other format tokens, in preference order.
    public var formats: [String]
    /// `i=` line.
    public var title: String?
    /// `c=` line.
    public var connection: SDPConnection?
    /// `b=` lines, verbatim.
    public var bandwidths: [String]
    /// `k=` line, verbatim (obsolete, kept for round trips).
    public var encryptionKey: String?
    /// `a=` lines in order.
    public var attributes: [SDPAttribute]

    public init(kind: MediaKind, port: UInt16, portCount: Int? = nil, proto: String, formats: [String],
                title: String? = nil, connection: SDPConnection? = nil, bandwidths: [String] = [],
                encryptionKey: String? = nil, attributes: [SDPAttribute] = []) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.title = title
        self.connection = connection
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
    }

    /// Parses the text after `m=`; lines below it are added by the session parser.
    init(parsingMediaLine text: Substring, limits: SDPLimits) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 4 else {
            throw .invalidAttribute(name: "m", reason: "media line needs media, port, proto and formats")
        }
        guard fields.count - 3 <= limits.maxFormats else {
            throw .limitExceeded(reason: "m= line has \(fields.count - 3) formats, limit \(limits.maxFormats)")
        }
        let portField = fields[1]
        let portPart: Substring
        if let slash = portField.firstIndex(of: "/") {
            portPart = portField[..<slash]
            guard let count = Int(portField[portField.index(after: slash)...]), count > 0, count <= 65536 else {
                throw .invalidAttribute(name: "m", reason: "bad port count in '\(portField.prefix(20))'")
            }
            portCount = count
        } else {
            portPart = portField
            portCount = nil
        }
        guard let port = UInt16(portPart) else {
            throw .invalidAttribute(name: "m", reason: "port '\(portPart.prefix(20))' is not in 0...65535")
        }
        kind = MediaKind(String(fields[0]))
        self.port = port
        proto = String(fields[2])
        formats = fields[3...].map(String.init)
        title = nil
        connection = nil
        bandwidths = []
        encryptionKey = nil
        attributes = []
    }

    /// The text after `m=`.
    public var mediaLine: String {
        let portText = portCount.map { "\(port)/\($0)" } ?? "\(port)"
        return ([kind.description, portText, proto] + formats).joined(separator: " ")
    }

    /// True when the port is 0 and the section is not `bundle-only` (RFC 3264 §6, RFC 8843 §6).
    public var isRejected: Bool { port == 0 && !isBundleOnly }

    func serialize(into out: inout String) {
        out += "m=\(mediaLine)\r\n"
        if let title { out += "i=\(title)\r\n" }
        if let connection { out += "c=\(connection.serialized)\r\n" }
        for bandwidth in bandwidths { out += "b=\(bandwidth)\r\n" }
        if let encryptionKey { out += "k=\(encryptionKey)\r\n" }
        for attribute in attributes { out += "a=\(attribute.serialized)\r\n" }
    }
}
