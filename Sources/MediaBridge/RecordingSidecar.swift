/// The metadata written next to a finished recording as `{session-id}.json`
/// (DESIGN.md §3 "Recordings"). A recording being written has none; the
/// sidecar appears, atomically, when the file is final.
public struct RecordingSidecar: Codable, Sendable, Equatable {
    public struct Resolution: Codable, Sendable, Equatable {
        public var width: Int
        public var height: Int
        /// File time of the keyframe that brought the size, in ms.
        public var atMs: Int64
        public init(width: Int, height: Int, atMs: Int64) {
            self.width = width
            self.height = height
            self.atMs = atMs
        }
    }

    public struct Track: Codable, Sendable, Equatable {
        /// `audio` or `video`.
        public var kind: String
        public var codec: String
        public var payloadType: UInt8?
        public var ssrc: UInt32?
        /// Frames (audio: Opus packets, gap fillers included) written to the file.
        public var frames: Int
        public var keyframes: Int?
        public var resolutions: [Resolution]?
        /// RTP packets received (duplicates included), lost (given up by the
        /// jitter buffer), recovered after a NACK, duplicates, too late.
        public var packetsReceived: Int
        public var packetsLost: Int
        public var packetsRecoveredByNACK: Int?
        public var duplicates: Int
        public var late: Int
        /// Video: frames that could not be completed or followed a loss and
        /// were not written.
        public var framesDropped: Int?
        /// Audio: holes filled with Opus packet-loss frames, and their length.
        public var gapsFilled: Int?
        public var gapFillMs: Int64?
        /// Sender reports received for the track.
        public var senderReports: Int
        /// Video with RTX negotiated (RFC 4588): its payload type and SSRC;
        /// retransmissions unwrapped into the jitter buffer (each counted in
        /// `packetsReceived` too, and in `packetsRecoveredByNACK` when it
        /// filled a hole); padding-only packets (bandwidth probes) dropped;
        /// retransmissions of packets not missing (already there, or given
        /// up) dropped; RTX packets of another SSRC dropped.
        public var rtxPayloadType: UInt8?
        public var rtxSSRC: UInt32?
        public var rtxPackets: Int?
        public var rtxPaddingDropped: Int?
        public var rtxUnneeded: Int?
        public var rtxDropped: Int?
        /// Audio with RED negotiated (RFC 2198): its payload type; RED
        /// packets received; lost Opus packets recovered from a later
        /// packet's redundancy (written instead of gap fill); RED packets
        /// refused (malformed block headers, a primary that is not Opus).
        public var redPayloadType: UInt8?
        public var redPackets: Int?
        public var redRecovered: Int?
        public var redDropped: Int?
        public init(kind: String, codec: String) {
            self.kind = kind
            self.codec = codec
            frames = 0
            packetsReceived = 0
            packetsLost = 0
            duplicates = 0
            late = 0
            senderReports = 0
        }
    }

    /// The data channels of the session (RFC 8831) and their messages,
    /// recorded in `file` (JSON Lines, see `DataChannelLog`).
    public struct DataChannelRecord: Codable, Sendable, Equatable {
        public struct Channel: Codable, Sendable, Equatable {
            public var id: Int
            public var label: String
            public var `protocol`: String
            public var messages: Int
            public var bytes: UInt64
        }
        public var file: String
        public var channels: [Channel]
        /// Messages recorded, and their payload bytes.
        public var messages: Int
        public var bytes: UInt64
        /// Messages dropped by a bound or as malformed, by reason
        /// (`oversize`, `rate`, `sessionBytes`, `malformed`, `channelsRefused`, `beforeRecording`).
        public var dropped: [String: Int]?
        public var writeError: String?
    }

    public var sessionId: String
    public var signaller: String
    public var peer: String?
    /// UTC, ISO 8601.
    public var startedAt: String
    public var endedAt: String
    public var endReason: String
    public var endDetail: String?
    /// The recording's file name (in the same directory), container and size.
    public var file: String
    public var container: String
    public var bytes: UInt64
    public var durationMs: Int64
    public var tracks: [Track]
    public var nacksSent: Int
    public var plisSent: Int
    public var firsSent: Int
    public var timeToFirstKeyframeMs: Int64?
    /// How long closing the file took (last cluster, Cues, in-place patches,
    /// fsync, close), in ms, on the monotonic clock.
    public var finalizeMs: Double?
    /// How much later video arrived than audio, relative to their capture
    /// times (sender reports; arrival before them): the correction applied to
    /// line the tracks up, in ms (from the last frame of each).
    public var avOffsetMs: Double?
    /// Both tracks were mapped with RTCP sender reports.
    public var avSynchronized: Bool
    /// The recording could not be written to the end (`storage`).
    public var writeError: String?
    /// The bound that stopped the recording (`bitrate-limit`, `size-limit`).
    public var limit: String?
    /// Frames whose time was clamped to keep a track strictly increasing
    /// (duplicate or backward timestamps from the sender), plus audio packets
    /// dropped because overlapping timestamps ran the audio more than 2 s
    /// ahead of the wall clock.
    public var timestampClamps: Int?
    /// Timestamp jumps that disagreed with the arrival times and re-based a
    /// track's timeline instead of being trusted (DESIGN.md §8).
    public var discontinuities: Int?
    /// The A/V correction applied to video at the end (sender reports,
    /// reached by a bounded slew), in ms.
    public var avCorrectionMs: Double?
    /// Set by start-up recovery: the file was repaired after a crash.
    public var repaired: Bool?
    /// Present when the session negotiated data channels.
    public var dataChannels: DataChannelRecord?

    public init(sessionId: String, signaller: String, peer: String?, startedAt: String, endedAt: String,
                endReason: String, endDetail: String?, file: String, container: String, bytes: UInt64,
                durationMs: Int64, tracks: [Track]) {
        self.sessionId = sessionId
        self.signaller = signaller
        self.peer = peer
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.endDetail = endDetail
        self.file = file
        self.container = container
        self.bytes = bytes
        self.durationMs = durationMs
        self.tracks = tracks
        nacksSent = 0
        plisSent = 0
        firsSent = 0
        avSynchronized = false
    }
}
