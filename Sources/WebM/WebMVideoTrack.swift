/// Configuration of the writer's video track (Matroska TrackType 1).
public struct WebMVideoTrack: Sendable, Equatable {
    /// Matroska codec ID, `V_VP8` for Capstan recordings.
    public var codecID: String
    /// PixelWidth / PixelHeight written in the track header (the first resolution).
    public var width: Int
    public var height: Int
    /// CodecPrivate, if the codec needs one (VP8 does not).
    public var codecPrivate: [UInt8]

    public init(codecID: String = "V_VP8", width: Int, height: Int, codecPrivate: [UInt8] = []) {
        self.codecID = codecID
        self.width = width
        self.height = height
        self.codecPrivate = codecPrivate
    }
}
