/// `a=rtcp-fb:<pt|*> <type> [<parameter>]` (RFC 4585 §4.2), for example
/// `nack`, `nack pli`, `ccm fir` (RFC 5104 §7.1).
public struct RTCPFeedback: Sendable, Equatable, Hashable {
    /// Nil for the wildcard `*`.
    public var payloadType: UInt8?
    public var type: String
    public var parameter: String?

    public init(payloadType: UInt8?, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2 else {
            throw .invalidAttribute(name: "rtcp-fb", reason: "expected '<payload type> <feedback type>'")
        }
        if fields[0] == "*" {
            payloadType = nil
        } else if let pt = UInt8(fields[0]), pt <= 127 {
            payloadType = pt
        } else {
            throw .invalidAttribute(name: "rtcp-fb", reason: "bad payload type '\(fields[0].prefix(10))'")
        }
        type = String(fields[1])
        parameter = fields.count == 3 ? String(fields[2]) : nil
    }

    /// Generic NACK (RFC 4585 §6.2.1).
    public var isNACK: Bool { type == "nack" && parameter == nil }
    /// Picture Loss Indication (RFC 4585 §6.3.1).
    public var isPLI: Bool { type == "nack" && parameter == "pli" }
    /// Full Intra Request (RFC 5104 §7.1).
    public var isFIR: Bool { type == "ccm" && parameter == "fir" }

    /// True when it applies to `payloadType` (directly or by wildcard).
    public func applies(to pt: UInt8) -> Bool { payloadType == nil || payloadType == pt }

    /// The attribute value.
    public var serialized: String {
        let pt = payloadType.map(String.init) ?? "*"
        if let parameter { return "\(pt) \(type) \(parameter)" }
        return "\(pt) \(type)"
    }
}
