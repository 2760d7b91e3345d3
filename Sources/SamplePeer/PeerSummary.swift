/// One session of a `capstan peer` run, as the JSON summary shows it.
public struct PeerSessionReport: Sendable, Equatable, Codable {
    /// The daemon's session id (last path component of the WHIP resource), or
    /// `#n` when the session never got one.
    public var id: String
    public var connected: Bool
    /// Why the session failed, if it did.
    public var error: String?
    public var srtpProfile: String?
    /// ICE servers the WHIP server advertised in `Link` headers (not used: host candidates only).
    public var iceServers: [String]?
    public var videoFramesSent = 0
    public var keyframesSent = 0
    public var audioFramesSent = 0
    /// Loopback only.
    public var videoFramesEchoed: Int?
    public var videoFramesDecoded: Int?
    /// Mean round trip, send → echoed frame decoded (loopback only).
    public var rttMs: Double?
    public var packetsSent = 0
    public var payloadOctetsSent = 0
    public var nacksReceived = 0
    public var nacksServed = 0
    public var plisReceived = 0
    public var firsReceived = 0
    public var senderReportsSent = 0
    /// Video frames sent before the first keyframe (`--first-keyframe-after`),
    /// and the time from the first video frame to the first keyframe, ms.
    public var videoFramesBeforeFirstKeyframe = 0
    public var firstKeyframeAfterMs: Int?
    /// From connected (DTLS up, ICE pair selected) to the first video frame sent, ms.
    public var firstVideoAfterConnectMs: Int?
    /// Packets the transport refused (no selected ICE pair, no SRTP, too large).
    public var sendFailures = 0
    /// What the run's duration asked of this session: video frames (fps × media
    /// seconds) and 20 ms audio packets; set once media ran.
    public var videoFramesExpected: Int?
    public var audioPacketsExpected: Int?
    public var echo: EchoStatistics?

    /// The session connected and nothing failed it.
    public var ok: Bool { connected && error == nil }
    /// `ok` or `failed`, for the JSON summary (set by `PeerSummary`).
    public var status = "ok"

    /// A report with zero counts.
    public init(id: String, connected: Bool, error: String? = nil) {
        self.id = id
        self.connected = connected
        self.error = error
    }

    /// Fills the counters from a sender's and an echo receiver's statistics.
    public mutating func add(_ s: MediaSenderStatistics, echo e: EchoStatistics?) {
        videoFramesSent = s.videoFramesSent
        keyframesSent = s.keyframesSent
        audioFramesSent = s.audioFramesSent
        packetsSent = s.packetsSent
        payloadOctetsSent = s.payloadOctetsSent
        nacksReceived = s.nacksReceived
        nacksServed = s.nacksServed
        plisReceived = s.plisReceived
        firsReceived = s.firsReceived
        senderReportsSent = s.senderReportsSent
        videoFramesBeforeFirstKeyframe = s.videoFramesBeforeFirstKeyframe
        firstKeyframeAfterMs = s.firstKeyframeAfterMs
        sendFailures = s.sendFailures
        if let e {
            echo = e
            videoFramesEchoed = e.videoFramesEchoed
            videoFramesDecoded = e.videoFramesDecoded
            rttMs = e.rttMeanMs
        }
    }
}

/// The end-of-run summary of `capstan peer`: per session and totals, what the
/// shared encoder did, the process's CPU, and every failure.
public struct PeerSummary: Sendable, Equatable, Codable {
    /// Sums over the sessions (RTT: the mean of the sessions' means).
    public struct Totals: Sendable, Equatable, Codable {
        public var sessions = 0
        public var connected = 0
        /// Sessions that failed (never connected, or failed during the run).
        public var failed = 0
        public var videoFramesSent = 0
        public var audioFramesSent = 0
        public var videoFramesEchoed: Int?
        public var videoFramesDecoded: Int?
        public var rttMs: Double?
        public var packetsSent = 0
        public var payloadOctetsSent = 0
        public var nacksServed = 0
        public var plisReceived = 0
        public var firsReceived = 0
        public init() {}
    }

    public var whip: String
    public var loopback: Bool
    public var video: String?
    public var audio: Bool
    public var durationSeconds: Double
    /// Wall time from the first frame to the last.
    public var mediaSeconds: Double
    public var sessions: [PeerSessionReport]
    public var totals: Totals
    /// The shared encoder: frames encoded once for all sessions.
    public var source: MediaSourceStatistics
    /// User + system CPU of the whole process, seconds.
    public var cpuSeconds: Double
    /// Everything that makes the exit status non-zero, one line each.
    public var failures: [String]

    /// 0 when every session connected, ran its duration and (loopback) got
    /// its echo; 1 otherwise.
    public var exitStatus: Int32 { failures.isEmpty ? 0 : 1 }

    /// A summary; the totals are computed from `sessions`.
    public init(whip: String, loopback: Bool, video: String?, audio: Bool, durationSeconds: Double,
                mediaSeconds: Double, sessions: [PeerSessionReport], source: MediaSourceStatistics,
                cpuSeconds: Double, failures: [String]) {
        self.whip = whip
        self.loopback = loopback
        self.video = video
        self.audio = audio
        self.durationSeconds = durationSeconds
        self.mediaSeconds = mediaSeconds
        self.sessions = sessions.map { report in
            var report = report
            report.status = report.ok ? "ok" : "failed"
            return report
        }
        self.source = source
        self.cpuSeconds = cpuSeconds
        self.failures = failures
        var t = Totals()
        t.sessions = sessions.count
        var rtts: [Double] = []
        for s in sessions {
            if s.connected { t.connected += 1 }
            if !s.ok { t.failed += 1 }
            t.videoFramesSent += s.videoFramesSent
            t.audioFramesSent += s.audioFramesSent
            if let e = s.videoFramesEchoed { t.videoFramesEchoed = (t.videoFramesEchoed ?? 0) + e }
            if let d = s.videoFramesDecoded { t.videoFramesDecoded = (t.videoFramesDecoded ?? 0) + d }
            if let r = s.rttMs { rtts.append(r) }
            t.packetsSent += s.packetsSent
            t.payloadOctetsSent += s.payloadOctetsSent
            t.nacksServed += s.nacksServed
            t.plisReceived += s.plisReceived
            t.firsReceived += s.firsReceived
        }
        if !rtts.isEmpty { t.rttMs = rtts.reduce(0, +) / Double(rtts.count) }
        totals = t
    }

    /// The human table.
    public var table: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
        var lines: [String] = []
        let header = ["session", "video", "audio", "echoed", "decoded", "rtt ms", "packets", "nacks", "plis", "status"]
        let widths = [28, 7, 7, 7, 8, 7, 8, 6, 5, 0]
        lines.append(zip(header, widths).map { pad($0, $1) }.joined(separator: " "))
        func row(_ name: String, video: Int, audio: Int, echoed: Int?, decoded: Int?, rtt: Double?, packets: Int,
                 nacks: Int, plis: Int, status: String) -> String {
            let cells = [name, "\(video)", "\(audio)", echoed.map(String.init) ?? "-", decoded.map(String.init) ?? "-",
                         ms(rtt), "\(packets)", "\(nacks)", "\(plis)", status]
            return zip(cells, widths).map { pad($0, $1) }.joined(separator: " ")
        }
        for s in sessions {
            lines.append(row(s.id, video: s.videoFramesSent, audio: s.audioFramesSent, echoed: s.videoFramesEchoed,
                             decoded: s.videoFramesDecoded, rtt: s.rttMs, packets: s.packetsSent, nacks: s.nacksServed,
                             plis: s.plisReceived, status: s.error ?? "ok"))
        }
        let t = totals
        lines.append(row("total (\(t.connected)/\(t.sessions) connected)", video: t.videoFramesSent,
                         audio: t.audioFramesSent, echoed: t.videoFramesEchoed, decoded: t.videoFramesDecoded,
                         rtt: t.rttMs, packets: t.packetsSent, nacks: t.nacksServed, plis: t.plisReceived,
                         status: failures.isEmpty ? "ok" : "FAILED"))
        lines.append(String(format: "encoder: %ld video frames (%ld keyframes, %ld skipped), %ld audio frames, " +
                            "%.0f ms drawing, %.0f ms encoding; %.1f s of media; process CPU %.2f s",
                            source.videoFramesEncoded, source.keyframesEncoded, source.videoFramesSkipped,
                            source.audioFramesEncoded, source.videoRenderMilliseconds, source.videoEncodeMilliseconds, mediaSeconds, cpuSeconds))
        for failure in failures { lines.append("error: \(failure)") }
        return lines.joined(separator: "\n")
    }
}
