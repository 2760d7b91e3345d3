#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MediaBridge

/// The whole recording pipeline per received (already unprotected) RTP
/// packet: MediaBridge demux by payload type, jitter buffers, VP8
/// depacketizer, keyframe gate, Opus gap filler, sender-report timeline,
/// WebM muxer writing to a real file, receiver reports — with the 10 ms
/// transport tick every 10 ms of media time, as the event loop runs it.
/// The stream is ~500 kbit/s VP8 at 30 fps plus 50 Opus packets a second.
final class RecordingPipeline: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "recording-pipeline", unit: "packet",
        summary: "MediaBridge: unprotected RTP → WebM on disk (VP8 + Opus, ticks included)",
        expectsZeroAllocations: true, make: { try RecordingPipeline() })

    /// The same with RTX and Opus RED negotiated: 1 video packet in 40
    /// arrives only as an RTX retransmission 5 ms late, audio comes as RED
    /// with 1 packet in 25 lost and recovered from the next one's redundancy.
    static let repairDescriptor = HotPathDescriptor(
        name: "recording-pipeline-rtx-red", unit: "packet",
        summary: "MediaBridge as above, with RTX (1 video packet in 40 via RTX only) and Opus RED (1 in 25 lost, recovered)",
        expectsZeroAllocations: true, make: { try RecordingPipeline(repair: true) })

    private let directory: String
    private let bridge: MediaBridge
    private var stream: RTPStreamLoop
    private var nextTick: UInt64 = 0
    private var fed = 0

    init(repair: Bool = false) throws {
        stream = repair ? RTPStreamLoop(video: true, audio: true, rtxEvery: 40, red: true, audioLossEvery: 25)
            : RTPStreamLoop(video: true, audio: true)
        directory = NSTemporaryDirectory() + "capstan-hotpaths-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let configuration = MediaBridgeConfiguration(
            sessionID: "hotpaths", directory: directory,
            audio: .init(payloadType: 111, ssrcs: [RTPStreamLoop.audioSSRC], clockRate: 48_000, channels: 1,
                         codec: "opus", redPayloadType: repair ? 63 : nil),
            video: .init(payloadType: 96, ssrcs: [RTPStreamLoop.videoSSRC], clockRate: 90_000, nack: true,
                         codec: "VP8", rtxPayloadType: repair ? 97 : nil, rtxSSRCs: repair ? [RTPStreamLoop.rtxSSRC] : []))
        bridge = MediaBridge(configuration: configuration, now: 0, unixNs: 1_750_000_000_000_000_000, logger: logger,
                             sendRTCP: { _ in }, onStop: { _ in })
        bridge.start(now: 0)
    }

    deinit {
        _ = bridge.finalize(now: nextTick + 1_000_000_000, endReason: "local-hangup", endDetail: nil)
        try? FileManager.default.removeItem(atPath: directory)
    }

    func prepare(count: Int) { stream.prepare(count: count) }

    func run(count: Int) {
        stream.buffer.withUnsafeBytes { all in
            for i in 0..<count {
                let at = stream.arrivals[i]
                while nextTick <= at {
                    bridge.transportTick(now: nextTick)
                    nextTick += 10_000_000
                }
                bridge.transportDidReceiveRTP(UnsafeRawBufferPointer(rebasing: all[stream.ranges[i]]), now: at)
            }
        }
        fed += count
    }

    func verify() -> String? {
        let status = bridge.status
        guard bridge.malformedPackets == 0, bridge.ignoredPackets == 0 else {
            return "\(bridge.malformedPackets) malformed, \(bridge.ignoredPackets) ignored packets"
        }
        // ~2.4 video packets a frame and 50 audio packets a second, so ≥ 80 % of the frames sent.
        let seconds = fed / stream.packetsPerSecond
        let written = status.videoFrames + status.audioFrames
        return written >= seconds * 64 ? nil : "only \(written) frames written in \(seconds) s"
    }
}
