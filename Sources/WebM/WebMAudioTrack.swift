/// Configuration of the writer's audio track (Matroska TrackType 2).
public struct WebMAudioTrack: Sendable, Equatable {
    /// Matroska codec ID, `A_OPUS` for Capstan recordings.
    public var codecID: String
    /// CodecPrivate: for Opus the 19+ byte `OpusHead` (RFC 7845 §5.1).
    public var codecPrivate: [UInt8]
    public var channels: Int
    public var sampleRate: Double
    /// CodecDelay in ns: for Opus, pre-skip × 1e9 / 48000.
    public var codecDelayNs: UInt64
    /// SeekPreRoll in ns: 80 ms for Opus.
    public var seekPreRollNs: UInt64

    public init(codecID: String = "A_OPUS", codecPrivate: [UInt8], channels: Int,
                sampleRate: Double = 48_000, codecDelayNs: UInt64, seekPreRollNs: UInt64 = 80_000_000) {
        self.codecID = codecID
        self.codecPrivate = codecPrivate
        self.channels = channels
        self.sampleRate = sampleRate
        self.codecDelayNs = codecDelayNs
        self.seekPreRollNs = seekPreRollNs
    }

    /// An Opus track whose CodecDelay is taken from the OpusHead's pre-skip
    /// (little-endian UInt16 at byte 10) and channel count from byte 9.
    public static func opus(opusHead: [UInt8]) -> WebMAudioTrack {
        let channels = opusHead.count > 9 ? Int(opusHead[9]) : 2
        let preSkip = opusHead.count > 11 ? UInt64(opusHead[10]) | UInt64(opusHead[11]) << 8 : 0
        return WebMAudioTrack(codecPrivate: opusHead, channels: max(1, channels),
                              codecDelayNs: preSkip * 1_000_000_000 / 48_000)
    }
}
