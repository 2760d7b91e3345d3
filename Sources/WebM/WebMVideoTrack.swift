/// Configuration of the writer's video track (Matroska TrackType 1).
public struct WebMVideoTrack: Sendable, Equatable {
    /// Matroska codec ID: `V_VP8`, or `V_MPEG4/ISO/AVC` for H.264.
    public var codecID: String
    /// PixelWidth / PixelHeight written in the track header (the first resolution).
    public var width: Int
    public var height: Int
    /// CodecPrivate, if the codec needs one (VP8 does not; H.264 takes its
    /// `AVCDecoderConfigurationRecord`).
    public var codecPrivate: [UInt8]

    public init(codecID: String = "V_VP8", width: Int, height: Int, codecPrivate: [UInt8] = []) {
        self.codecID = codecID
        self.width = width
        self.height = height
        self.codecPrivate = codecPrivate
    }

    /// The EBML DocType of a file with this track: `webm` for the codecs
    /// WebM takes (VP8, VP9, AV1), `matroska` for any other.
    public var docType: String {
        ["V_VP8", "V_VP9", "V_AV1"].contains(codecID) ? "webm" : "matroska"
    }
}
