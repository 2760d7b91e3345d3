/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
public struct FormatParameters: Sendable, Equatable, Hashable {
    /// The format token (a payload type for RTP).
    public var format: String
    /// The parameters, verbatim (for example `minptime=10;useinbandfec=1`).
    public var parameters: String

    public init(format: String, parameters: String) {
        self.format = format
        self.parameters = parameters
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard fields.count == 2 else {
            throw .invalidAttribute(name: "fmtp", reason: "expected '<format> <parameters>'")
        }
        format = String(fields[0])
        parameters = String(fields[1])
    }

    /// The payload type, when the format is one.
    public var payloadType: UInt8? { UInt8(format) }

    /// `key=value` pairs split at `;` (keys lower-cased); bare tokens map to "".
    public var dictionary: [String: String] {
        var result: [String: String] = [:]
        for item in parameters.split(separator: ";") {
            let trimmed = item.drop(while: { $0 == " " })
            if let equals = trimmed.firstIndex(of: "=") {
                result[trimmed[..<equals].lowercased()] = String(trimmed[trimmed.index(after: equals)...])
            } else {
                result[trimmed.lowercased()] = ""
            }
        }
        return result
    }

    /// The attribute value.
    public var serialized: String { "\(format) \(parameters)" }
}
