import MediaPipeline
import RTP

/// What one received track's W3C stats (`inbound-rtp`, `remote-outbound-rtp`,
/// `codec`) are made of: reception counters of RFC 3550 §6.4.1 / A.8, the
/// feedback we sent, the frames seen and the sender's last report.
public struct InboundTrackStatistics: Sendable, Equatable {
    public var kind: String
    public var ssrc: UInt32
    public var payloadType: UInt8
    /// `VP8`, `H264`, `opus`.
    public var codec: String
    public var clockRate: Int
    /// Audio: 1 or 2; video: nil.
    public var channels: Int?
    public var formatParameters: String?
    public var packetsReceived: Int
    /// Expected minus received (RFC 3550 A.3); negative with duplicates.
    public var packetsLost: Int
    /// Interarrival jitter in seconds (RFC 3550 A.8).
    public var jitterSeconds: Double
    public var bytesReceived: Int
    public var headerBytesReceived: Int
    public var nackCount: Int
    public var pliCount: Int?
    public var firCount: Int?
    /// Video: complete frames received (written, or held back for a keyframe).
    public var framesReceived: Int?
    public var keyFramesReceived: Int?
    public var frameWidth: Int?
    public var frameHeight: Int?
    /// The sender's last RTCP sender report.
    public var senderReport: SenderReport?

    public struct SenderReport: Sendable, Equatable {
        public var packetsSent: Int
        public var bytesSent: Int
        /// The report's NTP time, Unix milliseconds.
        public var remoteTimestampMs: Double
        /// When it arrived, Unix milliseconds.
        public var arrivalMs: Double
        public var reportsReceived: Int
    }
}

extension MediaBridge {
    /// Every track that has received RTP (its SSRC known), video first.
    public var inboundStatistics: [InboundTrackStatistics] {
        var tracks: [InboundTrackStatistics] = []
        if let video, let ssrc = video.ssrc {
            var t = statistics(kind: "video", ssrc: ssrc, spec: video.spec, bytes: videoBytes)
            t.nackCount = video.nacksSent
            t.pliCount = video.requester.plisSent
            t.firCount = video.requester.firsSent
            t.framesReceived = video.framesWritten + video.framesHeldBack
            t.keyFramesReceived = video.keyframesWritten
            t.frameWidth = status.width
            t.frameHeight = status.height
            tracks.append(t)
        }
        if let audio, let ssrc = audio.ssrc {
            tracks.append(statistics(kind: "audio", ssrc: ssrc, spec: audio.spec, bytes: audioBytes))
        }
        return tracks
    }

    private func statistics(kind: String, ssrc: UInt32, spec: MediaBridgeConfiguration.Track,
                            bytes: (payload: Int, header: Int)) -> InboundTrackStatistics {
        let reception = rtcp.statistics(ssrc: ssrc)
        var t = InboundTrackStatistics(
            kind: kind, ssrc: ssrc, payloadType: spec.payloadType, codec: spec.codec, clockRate: spec.clockRate,
            channels: kind == "audio" ? max(spec.channels, 1) : nil, formatParameters: spec.formatParameters,
            packetsReceived: Int(reception?.received ?? 0), packetsLost: Int(reception?.lost ?? 0),
            jitterSeconds: (reception?.jitter ?? 0) / Double(max(spec.clockRate, 1)),
            bytesReceived: bytes.payload, headerBytesReceived: bytes.header, nackCount: 0)
        if let report = lastSenderReports[ssrc] {
            let ntp = report.info.ntpTimestamp.rawValue
            let unixSeconds = Double(ntp >> 32) - Double(NTPTimestamp.unixEpochOffsetSeconds)
                + Double(ntp & 0xFFFF_FFFF) / 4_294_967_296
            t.senderReport = .init(packetsSent: Int(report.info.packetCount), bytesSent: Int(report.info.octetCount),
                                   remoteTimestampMs: unixSeconds * 1000, arrivalMs: Double(report.arrivalUnixNs) / 1e6,
                                   reportsReceived: report.count)
        }
        return t
    }
}
