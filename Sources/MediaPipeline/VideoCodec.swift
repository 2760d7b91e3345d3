/// The video codecs Capstan records (passthrough, DESIGN.md §9).
public enum VideoCodec: String, Sendable, CaseIterable, Codable {
    /// VP8 (RFC 7741) → WebM `V_VP8`.
    case vp8 = "VP8"
    /// H.264 (RFC 6184, packetization-mode 0 and 1) → Matroska `V_MPEG4/ISO/AVC`.
    case h264 = "H264"

    /// The codec an SDP encoding name names (case-insensitive), if recorded.
    public init?(encodingName: String) {
        switch encodingName.uppercased() {
        case "VP8": self = .vp8
        case "H264": self = .h264
        default: return nil
        }
    }

    /// The Matroska CodecID.
    public var matroskaCodecID: String {
        switch self {
        case .vp8: "V_VP8"
        case .h264: "V_MPEG4/ISO/AVC"
        }
    }

    /// WebM takes VP8, VP9 and AV1 only; H.264 needs a Matroska file.
    public var needsMatroska: Bool { self == .h264 }
}
