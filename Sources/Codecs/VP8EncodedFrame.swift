/// One compressed VP8 frame from `VP8Encoder`.
public struct VP8EncodedFrame: Equatable, Sendable {
    public var data: [UInt8]
    public var isKeyframe: Bool
    /// Presentation time in the encoder's timebase (see `VP8Encoder.Configuration`).
    public var pts: Int64

    public init(data: [UInt8], isKeyframe: Bool, pts: Int64) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.pts = pts
    }
}
