/// Whether one session of `capstan peer` sent what its duration asks for (issue 13): at least
/// `threshold` (50 %) of the video frames (`fps` × media seconds) and of the 20 ms Opus packets
/// (50 × media seconds) it was configured to send. A session that connected but sent nothing —
/// the transport refused every packet — fails here instead of exiting 0.
public struct SendVerdict: Sendable, Equatable, Codable {
    public var videoFramesExpected: Int
    public var videoFramesSent: Int
    public var audioPacketsExpected: Int
    public var audioPacketsSent: Int
    /// Packets the transport refused (no selected pair, no SRTP yet, too large).
    public var sendFailures: Int
    /// Video frames the shared encoder produced in the run, and skipped for falling behind
    /// real time (a CPU-starved generator sends less through no fault of the session).
    public var videoFramesEncoded: Int?
    public var videoFramesSkipped: Int?
    public var threshold: Double

    /// Opus frames per second the sample peer sends (20 ms packets).
    public static let audioPacketsPerSecond = 50.0

    /// A verdict for a session that ran `mediaSeconds` with `video` (nil: no video) and `audio`.
    public init(mediaSeconds: Double, video: VideoFormat?, audio: Bool, videoFramesSent: Int,
                audioPacketsSent: Int, sendFailures: Int, videoFramesEncoded: Int? = nil,
                videoFramesSkipped: Int? = nil, threshold: Double = 0.5) {
        self.videoFramesEncoded = videoFramesEncoded
        self.videoFramesSkipped = videoFramesSkipped
        let seconds = max(0, mediaSeconds)
        videoFramesExpected = video.map { Int((Double($0.fps) * seconds).rounded(.down)) } ?? 0
        audioPacketsExpected = audio ? Int((Self.audioPacketsPerSecond * seconds).rounded(.down)) : 0
        self.videoFramesSent = videoFramesSent
        self.audioPacketsSent = audioPacketsSent
        self.sendFailures = sendFailures
        self.threshold = threshold
    }

    private func short(_ sent: Int, _ expected: Int) -> Bool {
        expected > 0 && Double(sent) < threshold * Double(expected)
    }

    /// Both kinds reached the threshold (a kind not configured always does).
    public var passed: Bool {
        !short(videoFramesSent, videoFramesExpected) && !short(audioPacketsSent, audioPacketsExpected)
    }

    /// A one-line reason when it failed, nil when it passed.
    public var failure: String? {
        guard !passed else { return nil }
        var parts: [String] = []
        if videoFramesExpected > 0 { parts.append("\(videoFramesSent) of \(videoFramesExpected) video frames") }
        if audioPacketsExpected > 0 { parts.append("\(audioPacketsSent) of \(audioPacketsExpected) audio packets") }
        let what = videoFramesSent == 0 && audioPacketsSent == 0 ? "sent nothing" : "sent too little"
        var line = "\(what): \(parts.joined(separator: " and ")) (need ≥ \(Int(threshold * 100)) % of each)"
        if sendFailures > 0 { line += "; the transport refused \(sendFailures) packets" }
        if short(videoFramesSent, videoFramesExpected), let encoded = videoFramesEncoded, let skipped = videoFramesSkipped,
           skipped > 0, short(encoded, videoFramesExpected) {
            line += "; the shared encoder made only \(encoded) frames (\(skipped) skipped: this machine is too slow for the run)"
        }
        return line
    }
}
