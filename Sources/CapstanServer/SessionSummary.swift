import MediaBridge
import PeerSession

/// What the REST API reports about one session.
public struct SessionSummary: Codable, Sendable, Equatable {
    public var id: String
    public var signaller: String
    public var peer: String?
    public var mode: String
    public var state: String
    public var endReason: String?
    public var endDetail: String?
    public var createdAt: String
    public var endedAt: String?
    public var stats: Stats
    public var events: [SessionLogEntry]?
    /// The recording's path and live frame counts, from `active` on.
    public var recording: RecordingStatus?
    /// The call record: media type, started/connected/ended, duration, end reason.
    public var call: CallRecord? = nil
    /// The data channels, when negotiated: channels open, messages and bytes
    /// received, messages sent (loopback echo), drops by reason.
    public var dataChannels: DataChannels? = nil

    public struct DataChannels: Codable, Sendable, Equatable {
        public var open: [Channel]
        public var channelsOpened: Int
        public var messagesReceived: Int
        public var bytesReceived: UInt64
        public var messagesSent: Int
        public var dropped: [String: Int]

        public struct Channel: Codable, Sendable, Equatable {
            public var id: Int
            public var label: String
            public var `protocol`: String
        }
    }

    public struct Stats: Codable, Sendable, Equatable {
        public var rtpPacketsIn: UInt64
        public var rtpBytesIn: UInt64
        public var rtcpPacketsIn: UInt64
        public var rtpPacketsOut: UInt64
        public var drops: [String: UInt64]
        public var selectedRemote: String?
        /// `udp`, or `tcp` when the selected pair is an ICE-TCP connection (RFC 6544).
        public var selectedProtocol: String?
        public var srtpProfile: String?
    }

}

/// JSON error body of the REST API (DESIGN §3).
struct ErrorBody: Codable, Sendable {
    var error: String
    var reason: String
}
