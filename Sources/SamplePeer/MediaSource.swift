import Codecs
import MediaPipeline
import NIOCore

/// The sample peer's media, made once and shared by every session: a moving
/// `TestPattern` with a visible frame counter encoded with libvpx (VP8, VP9) or
/// libopenh264 (H.264, `videoCodec`; real time, a keyframe every few seconds
/// and on request), and a sine tone encoded with
/// libopus in 20 ms packets.
///
/// Frames are due on a fixed grid from the start (`index / fps`, `index × 20 ms`),
/// so RTP time never drifts from the clock; when encoding falls behind, video
/// frames are skipped instead of sent in a burst.
///
/// `step(now:)` is the sans-timer core (tests drive it by hand); `run(every:)`
/// drives it from a repeated task and fans each frame out to the subscribers
/// on their own loops. Not thread-safe: every method must be called on
/// `eventLoop` (a loop of its own, so encoding never stalls packet I/O).
public final class MediaSource: @unchecked Sendable {
    public let configuration: MediaSourceConfiguration
    public let eventLoop: EventLoop
    /// Counts so far.
    public private(set) var statistics = MediaSourceStatistics()
    /// When `start(now:)` ran (uptime nanoseconds).
    public private(set) var startTime: UInt64?

    private let encoder: VP8Encoder?
    private let h264: H264Encoder?
    private let av1: AV1Encoder?
    private let av1Packetizer = try! AV1Packetizer(maxPayloadSize: 1200)
    private let h264Packetizer = try! H264Packetizer(maxPayloadSize: 1200)
    private let pattern: TestPattern?
    private var image: I420Image?
    private var packetizer: VP8Packetizer
    private var vp9Packetizer = try! VP9Packetizer(maxPayloadSize: 1200, initialPictureID: UInt16.random(in: 0...0x7FFF))
    private let opus: OpusEncoder?
    private var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
    private var pcm = [Int16](repeating: 0, count: 960)
    private var nextVideoIndex = 0
    private var nextAudioIndex = 0
    private var keyframeRequested = false
    /// The fixed keyframe grid (`fixedKeyframeIntervalSeconds`,
    /// `firstKeyframeAfterSeconds`): the next frame index to force, the first
    /// one, and the spacing in frames (0: no repeat).
    private var nextGridKeyframe: Int?
    private let firstGridKeyframe: Int
    private let gridInterval: Int
    /// 1 when the encoder's opening keyframe was encoded and dropped: the
    /// encoder's timestamps run one frame ahead of the frame index.
    private var encoderFrameOffset = 0
    private var lastKeyframeTime: UInt64?
    private var subscribers: [ObjectIdentifier: MediaSourceSubscriber] = [:]
    private var task: RepeatedTask?

    /// 20 ms, the Opus packet duration.
    public static let audioFrameNs: UInt64 = 20_000_000

    /// Opens the encoders; `eventLoop` is where every later call must run.
    /// - Throws: `CodecsError` when libvpx or libopus refuse the configuration.
    public init(configuration: MediaSourceConfiguration, eventLoop: EventLoop) throws(CodecsError) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        let grid = configuration.fixedKeyframeIntervalSeconds != nil || configuration.firstKeyframeAfterSeconds > 0
        let fps = Double(configuration.video?.fps ?? 30)
        firstGridKeyframe = Int((configuration.firstKeyframeAfterSeconds * fps).rounded())
        gridInterval = max(0, Int(((configuration.fixedKeyframeIntervalSeconds
            ?? Double(configuration.keyframeIntervalSeconds)) * fps).rounded()))
        nextGridKeyframe = grid ? firstGridKeyframe : nil
        // With the grid the source forces every keyframe; the encoder makes none of its own.
        let encoderInterval = grid ? 0 : configuration.keyframeIntervalSeconds * (configuration.video?.fps ?? 0)
        if let video = configuration.video {
            if configuration.videoCodec == .av1 {
                encoder = nil
                h264 = nil
                av1 = try AV1Encoder(configuration: .init(
                    width: video.width, height: video.height, fps: video.fps,
                    bitrateKbps: configuration.videoBitrateKbps,
                    keyframeInterval: encoderInterval))
            } else if configuration.videoCodec == .h264 {
                encoder = nil
                av1 = nil
                h264 = try H264Encoder(configuration: .init(
                    width: video.width, height: video.height, fps: video.fps,
                    bitrateKbps: configuration.videoBitrateKbps,
                    keyframeInterval: encoderInterval))
            } else {
                h264 = nil
                av1 = nil
                encoder = try VP8Encoder(configuration: .init(
                    width: video.width, height: video.height, fps: video.fps,
                    bitrateKbps: configuration.videoBitrateKbps,
                    keyframeInterval: encoderInterval,
                    codec: configuration.videoCodec == .vp9 ? .vp9 : .vp8))
            }
            pattern = TestPattern(width: video.width, height: video.height)
            image = I420Image(width: video.width, height: video.height)
        } else {
            encoder = nil
            h264 = nil
            av1 = nil
            pattern = nil
        }
        packetizer = try! VP8Packetizer(maxPayloadSize: 1200, initialPictureID: UInt16.random(in: 0...0x7FFF))
        opus = configuration.audio ? try OpusEncoder(channels: 1, bitrate: configuration.audioBitrate) : nil
        if firstGridKeyframe > 0, let video = configuration.video, let pattern, var picture = image {
            // Joining mid-GOP: the encoder's opening keyframe is made and dropped,
            // so the first frames sent are delta frames of a keyframe never sent.
            pattern.render(0, into: &picture)
            _ = encode(picture, index: 0, video: video, forced: false)
            image = picture
            encoderFrameOffset = 1
        }
    }

    /// Sets the time of frame 0.
    public func start(now: UInt64) {
        if startTime == nil { startTime = now }
    }

    /// Asks for a keyframe (a PLI or FIR from some session). Honoured unless a
    /// keyframe went out less than `minKeyframeSpacingNs` ago.
    public func requestKeyframe(now: UInt64) {
        statistics.keyframeRequests += 1
        if let last = lastKeyframeTime, now &- last < configuration.minKeyframeSpacingNs { return }
        if !keyframeRequested { statistics.keyframeRequestsHonoured += 1 }
        keyframeRequested = true
    }

    /// Encodes every frame due by `now` (starting the clock when needed).
    public func step(now: UInt64) -> (video: [SourceVideoFrame], audio: [SourceAudioFrame]) {
        start(now: now)
        let start = startTime ?? now
        let elapsed = now &- start
        var audioOut: [SourceAudioFrame] = []
        if let opus {
            let due = Int(elapsed / Self.audioFrameNs) + 1
            while nextAudioIndex < due {
                pcm.withUnsafeMutableBufferPointer { tone.render(into: $0) }
                if let packet = try? opus.encode(pcm) {
                    audioOut.append(SourceAudioFrame(
                        index: nextAudioIndex, ticks: UInt64(nextAudioIndex) * 960,
                        captureTime: start + UInt64(nextAudioIndex) * Self.audioFrameNs, payload: packet))
                    statistics.audioFramesEncoded += 1
                }
                nextAudioIndex += 1
            }
        }
        var videoOut: [SourceVideoFrame] = []
        if let video = configuration.video, encoder != nil || h264 != nil || av1 != nil, let pattern, var picture = image {
            image = nil  // render in place: no copy-on-write of the planes
            let due = Int(elapsed * UInt64(video.fps) / 1_000_000_000) + 1
            if due - nextVideoIndex > 2 {  // behind: skip to the newest due frame
                statistics.videoFramesSkipped += due - 1 - nextVideoIndex
                nextVideoIndex = due - 1
            }
            while nextVideoIndex < due {
                let index = nextVideoIndex
                nextVideoIndex += 1
                let began = NIODeadline.now().uptimeNanoseconds
                pattern.render(index, into: &picture)
                let rendered = NIODeadline.now().uptimeNanoseconds
                statistics.videoRenderMilliseconds += Double(rendered - began) / 1e6
                var forced = keyframeRequested
                keyframeRequested = false
                if let next = nextGridKeyframe, index >= next {
                    forced = true
                    nextGridKeyframe = gridInterval > 0
                        ? firstGridKeyframe + ((index - firstGridKeyframe) / gridInterval + 1) * gridInterval : Int.max
                }
                let frames = encode(picture, index: index, video: video, forced: forced)
                statistics.videoEncodeMilliseconds += Double(NIODeadline.now().uptimeNanoseconds - rendered) / 1e6
                for frame in frames {
                    if frame.isKeyframe {
                        statistics.keyframesEncoded += 1
                        lastKeyframeTime = now
                    }
                    statistics.videoFramesEncoded += 1
                    videoOut.append(SourceVideoFrame(
                        index: index, isKeyframe: frame.isKeyframe, ticks: video.ticks(ofFrame: index),
                        captureTime: start + video.nanoseconds(ofFrame: index), size: frame.size,
                        payloads: frame.payloads))
                }
            }
            image = picture
        }
        return (videoOut, audioOut)
    }

    /// Encodes one picture with the configured codec and cuts it into RTP payloads.
    private func encode(_ picture: I420Image, index frameIndex: Int, video: VideoFormat, forced: Bool)
        -> [(isKeyframe: Bool, size: Int, payloads: [[UInt8]])]
    {
        let index = frameIndex + encoderFrameOffset  // the encoder's own frame count
        if let h264 {
            guard let frame = try? h264.encode(picture, timestampMs: Int64(video.nanoseconds(ofFrame: index) / 1_000_000),
                                               forceKeyframe: forced) else { return [] }
            return [(frame.isKeyframe, frame.data.count, h264Packetizer.payloads(forAnnexB: frame.data))]
        }
        if let av1 {
            guard let frame = try? av1.encode(picture, pts: Int64(video.ticks(ofFrame: index)), forceKeyframe: forced) else {
                return []
            }
            return [(frame.isKeyframe, frame.data.count, av1Packetizer.payloads(forTemporalUnit: frame.data, isKeyframe: frame.isKeyframe))]
        }
        guard let encoder else { return [] }
        let frames = (try? encoder.encode(picture, pts: Int64(video.ticks(ofFrame: index)), forceKeyframe: forced)) ?? []
        if configuration.videoCodec == .vp9 {
            return frames.map {
                ($0.isKeyframe, $0.data.count,
                 vp9Packetizer.payloads(for: $0.data, isKeyframe: $0.isKeyframe, width: video.width, height: video.height))
            }
        }
        return frames.map { ($0.isKeyframe, $0.data.count, packetizer.payloads(for: $0.data)) }
    }

    /// Adds a session; it gets every frame made from now on.
    public func subscribe(_ subscriber: MediaSourceSubscriber) {
        subscribers[ObjectIdentifier(subscriber)] = subscriber
    }

    /// Removes a session.
    public func unsubscribe(_ subscriber: MediaSourceSubscriber) {
        subscribers[ObjectIdentifier(subscriber)] = nil
    }

    /// Starts the clock and a repeated task that encodes what is due and hands
    /// it to every subscriber on the subscriber's loop.
    public func run(every interval: TimeAmount = .milliseconds(5)) {
        guard task == nil else { return }
        start(now: NIODeadline.now().uptimeNanoseconds)
        task = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [self] _ in
            let (video, audio) = step(now: NIODeadline.now().uptimeNanoseconds)
            guard !video.isEmpty || !audio.isEmpty else { return }
            for subscriber in subscribers.values {
                subscriber.eventLoop.execute {
                    let now = NIODeadline.now().uptimeNanoseconds
                    for frame in audio { subscriber.deliver(audio: frame, now: now) }
                    for frame in video { subscriber.deliver(video: frame, now: now) }
                }
            }
        }
    }

    /// Stops the repeated task.
    public func stop() {
        task?.cancel()
        task = nil
    }
}
