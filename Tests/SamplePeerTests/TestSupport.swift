import Codecs
import MediaPipeline
import NIOEmbedded
import RTP
@testable import SamplePeer

/// Keeps every packet a `MediaSender` sends.
final class CaptureSink: RTPPacketSink {
    var rtp: [[UInt8]] = []
    var rtcp: [[UInt8]] = []
    func sendRTP(_ packet: UnsafeRawBufferPointer) -> Bool { rtp.append(Array(packet)); return true }
    func sendRTCP(_ packet: UnsafeRawBufferPointer) -> Bool { rtcp.append(Array(packet)); return true }
}

/// A source and one sender wired together, driven by a hand-made clock:
/// `advance()` moves to the next video frame's due time and sends what is due.
final class SenderRig {
    static let t0: UInt64 = 5_000_000_000
    let source: MediaSource
    let sink = CaptureSink()
    var sender: MediaSender!
    var now: UInt64 = SenderRig.t0
    let frameNs: UInt64
    private(set) var sentFrames: [SourceVideoFrame] = []

    init(video: VideoFormat = VideoFormat(width: 640, height: 360, fps: 30), audio: Bool = true,
         wallClock: @escaping () -> UInt64 = { 1_700_000_000_000_000_000 },
         configure: (inout MediaSourceConfiguration) -> Void = { _ in }) throws {
        var configuration = MediaSourceConfiguration(video: video, audio: audio)
        configure(&configuration)
        source = try MediaSource(configuration: configuration, eventLoop: EmbeddedEventLoop())
        frameNs = 1_000_000_000 / UInt64(video.fps) + 1
        let source = self.source
        sender = MediaSender(videoSSRC: 0x1111_1111, audioSSRC: audio ? 0x2222_2222 : nil, cname: "test",
                             sink: sink, keyframeRequest: { source.requestKeyframe(now: $0) }, wallClock: wallClock)
    }

    /// Produces and sends what is due at `now`, then steps one frame ahead.
    @discardableResult
    func advance() -> [SourceVideoFrame] {
        let (video, audio) = source.step(now: now)
        for frame in audio { sender.send(audio: frame, now: now) }
        for frame in video { sender.send(video: frame, now: now) }
        sentFrames += video
        now += frameNs
        return video
    }

    /// The video packets sent so far, parsed.
    var videoPackets: [RTPPacket] {
        sink.rtp.compactMap { try? RTPPacket(parsing: $0) }.filter { $0.ssrc == 0x1111_1111 }
    }
}
