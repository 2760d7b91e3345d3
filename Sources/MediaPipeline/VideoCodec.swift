/// The video codecs Capstan records (passthrough, DESIGN.md §9).
public enum VideoCodec: String, Sendable, CaseIterable, Codable {
    /// VP8 (RFC 7741) → WebM `V_VP8`.
    case vp8 = "VP8"
    /// VP9 (RFC 9628) → WebM `V_VP9`.
    case vp9 = "VP9"
    /// AV1 (AOMedia RTP payload format) → WebM `V_AV1` with its `av1C`.
    case av1 = "AV1"
    /// H.264 (RFC 6184, packetization-mode 0 and 1) → Matroska `V_MPEG4/ISO/AVC`.
    case h264 = "H264"

    /// The codec an SDP encoding name names (case-insensitive), if recorded.
    public init?(encodingName: String) {
        switch encodingName.uppercased() {
        case "VP8": self = .vp8
        case "VP9": self = .vp9
        case "AV1": self = .av1
        case "H264": self = .h264
        default: return nil
        }
    }

    /// The Matroska CodecID.
    public var matroskaCodecID: String {
        switch self {
        case .vp8: "V_VP8"
        case .vp9: "V_VP9"
        case .av1: "V_AV1"
        case .h264: "V_MPEG4/ISO/AVC"
        }
    }

    /// WebM takes VP8, VP9 and AV1 only; H.264 needs a Matroska file.
    public var needsMatroska: Bool { self == .h264 }
}
