import MediaPipeline

/// What a `MediaBridge` records and how. Built from the negotiated SDP by
/// `MediaBridgeConfiguration(negotiated:...)`, or by hand in tests.
public struct MediaBridgeConfiguration: Sendable {
    /// One negotiated receive track.
    public struct Track: Sendable, Equatable {
        /// The RTP payload type of the codec (VP8, H.264 or Opus).
        public var payloadType: UInt8
        /// The remote media SSRCs from SDP; empty: learnt from the first packet.
        public var ssrcs: [UInt32]
        /// The RTP clock rate (90 000 for VP8, 48 000 for Opus).
        public var clockRate: Int
        /// Audio: the channel count (1 or 2); video: 0.
        public var channels: Int
        /// Video: generic NACK was negotiated.
        public var nack: Bool
        /// Video: PLI (`nack pli`) and FIR (`ccm fir`) were negotiated: keyframe requests use
        /// only these (none: the recording waits for the sender's own keyframes).
        public var pli: Bool
        public var fir: Bool
        /// The codec name as negotiated (`VP8`, `H264`, `opus`).
        public var codec: String
        /// The negotiated fmtp parameters (H.264: `sprop-parameter-sets`).
        public var formatParameters: String?
        /// Video: the negotiated RTX payload type (RFC 4588), if any.
        public var rtxPayloadType: UInt8?
        /// Video: the RTX SSRCs from SDP (`a=ssrc-group:FID`); empty: learnt
        /// from the first RTX packet.
        public var rtxSSRCs: [UInt32] = []
        /// Audio: the negotiated RED payload type (RFC 2198), if any.
        public var redPayloadType: UInt8?

        /// Video: the codec, when Capstan records it.
        public var videoCodec: VideoCodec? { VideoCodec(encodingName: codec) }

        public init(payloadType: UInt8, ssrcs: [UInt32] = [], clockRate: Int, channels: Int = 0, nack: Bool = false,
                    pli: Bool = true, fir: Bool = true,
                    codec: String, formatParameters: String? = nil, rtxPayloadType: UInt8? = nil,
                    rtxSSRCs: [UInt32] = [], redPayloadType: UInt8? = nil) {
            self.pli = pli
            self.fir = fir
            self.formatParameters = formatParameters
            self.rtxPayloadType = rtxPayloadType
            self.rtxSSRCs = rtxSSRCs
            self.redPayloadType = redPayloadType
            self.payloadType = payloadType
            self.ssrcs = ssrcs
            self.clockRate = clockRate
            self.channels = channels
            self.nack = nack
            self.codec = codec
        }
    }

    /// The session id; the recording is `{directory}/{sessionID}.{webm|ogg}`.
    public var sessionID: String
    /// The recordings directory.
    public var directory: String
    public var audio: Track?
    public var video: Track?
    public var containerPolicy: ContainerPolicy = .auto
    /// Opus pre-skip written to OpusHead (and WebM CodecDelay). 312 samples
    /// (6.5 ms) is libopus's encoder look-ahead at 48 kHz, which is what
    /// Chromium, Firefox and our own `OpusEncoder` put in front of the audio.
    public var opusPreSkip: UInt16 = 312
    /// The SSRC our RTCP (RR, NACK, PLI, FIR) is sent from.
    public var localSSRC: UInt32 = 0x4341_5053  // "CAPS"
    public var cname = "capstan"
    public var videoJitterBuffer = JitterBufferConfiguration.video
    public var audioJitterBuffer = JitterBufferConfiguration.audio
    public var keyframeRequests = KeyframeRequester.Configuration()
    /// With video negotiated the WebM file opens at the first keyframe (its
    /// size goes into the track header) and audio waits in memory; after this
    /// long without a keyframe the file opens anyway with `fallbackVideoSize`.
    public var keyframeWaitNs: UInt64 = 5_000_000_000
    public var fallbackVideoSize = (width: 640, height: 480)
    /// Audio held in memory while waiting for the first keyframe is bounded:
    /// at either bound the file opens without the keyframe.
    public var maxPendingAudioPackets = 1_000
    public var maxPendingAudioBytes = 1 << 20
    /// Received RTP above this many bits per second (over a 2 s window) stops
    /// the recording with `bitrate-limit`; nil: no bound.
    public var maxBitrate: Int?
    /// Media bytes written above this stop the recording with `size-limit`;
    /// nil: no bound.
    public var maxRecordingBytes: UInt64?
    /// Free space the recordings file system must keep while recording,
    /// checked every 2 s; below it the recording stops with `storage`. 0: off.
    public var minFreeDiskBytes: UInt64 = 0
    /// How often what the file holds in memory is written out (the open WebM
    /// cluster): a crash loses at most this much media, plus the jitter
    /// buffer's wait.
    public var flushIntervalNs: UInt64 = 500_000_000
    /// Written to the sidecar.
    public var signaller = "whip"
    public var peer: String?
    /// Room kept free on the recordings file system for the sidecar, so it can
    /// be written even after the disk filled up.
    public var sidecarReserveBytes = 16 * 1024

    public init(sessionID: String, directory: String, audio: Track?, video: Track?) {
        self.sessionID = sessionID
        self.directory = directory
        self.audio = audio
        self.video = video
    }

    /// The container this configuration records into.
    public var container: RecordingContainer {
        containerPolicy.container(video: video.map { $0.videoCodec ?? .vp8 })
    }

    /// `{sessionID}.webm`, `{sessionID}.mkv` (H.264) or `{sessionID}.ogg`.
    public var fileName: String { "\(sessionID).\(container.fileExtension)" }
    public var filePath: String { "\(directory)/\(fileName)" }
    public var sidecarPath: String { "\(directory)/\(sessionID).json" }
    /// The session negotiated data channels: their messages are recorded to `dataChannelsPath`.
    public var recordsDataChannels = false
    /// `{sessionID}.data.jsonl`, next to the recording.
    public var dataChannelsPath: String { "\(directory)/\(sessionID).data.jsonl" }
    /// Data channel lines held in memory until the file (and its time 0) exists.
    public var maxPendingDataBytes = 1 << 20
    /// A hidden file that holds `sidecarReserveBytes` while the recording runs.
    public var reservePath: String { "\(directory)/.\(sessionID).reserve" }
}
