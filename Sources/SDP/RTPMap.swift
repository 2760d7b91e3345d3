/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
public struct RTPMap: Sendable, Equatable, Hashable {
    public var payloadType: UInt8
    /// As written; compare case-insensitively (GStreamer writes `OPUS`).
    public var encodingName: String
    public var clockRate: UInt32
    public var channels: Int?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    public init(parsing text: String) throws(SDPError) {
        let fields = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard fields.count == 2, let pt = UInt8(fields[0]), pt <= 127 else {
            throw .invalidAttribute(name: "rtpmap", reason: "expected '<payload type 0-127> <encoding>/<clock rate>'")
        }
        let parts = fields[1].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, let rate = UInt32(parts[1]), rate > 0 else {
            throw .invalidAttribute(name: "rtpmap", reason: "expected '<encoding>/<clock rate>[/<channels>]'")
        }
        if parts.count == 3 {
            guard let channels = Int(parts[2]), (1...255).contains(channels) else {
                throw .invalidAttribute(name: "rtpmap", reason: "bad channel count")
            }
            self.channels = channels
        } else {
            self.channels = nil
        }
        payloadType = pt
        encodingName = String(parts[0])
        clockRate = rate
    }

    /// The attribute value.
    public var serialized: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        return text
    }
}
