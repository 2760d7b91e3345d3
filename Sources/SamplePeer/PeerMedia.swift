import Codecs
import NIOCore
import RTP
import Transport

/// One session's media plane: the `MediaSender` fed by the shared
/// `MediaSource`, and in loopback the `EchoReceiver`. It is the transport's
/// media receiver (RTCP feedback in, echoed RTP in, the port tick drives the
/// SRs) and the source's subscriber.
///
/// Confined to the session's loop, hence `@unchecked Sendable`; the transport
/// holds it weakly, so its owner keeps it alive.
public final class PeerMedia: TransportMediaReceiver, MediaSourceSubscriber, @unchecked Sendable {
    public let eventLoop: EventLoop
    public let sender: MediaSender
    public let echo: EchoReceiver?
    private let sink: RTPPacketSink

    /// - Parameters:
    ///   - keyframeRequest: called on this loop with `now` when the remote asks
    ///     for a keyframe; hop to the source's loop there.
    ///   - loopbackPattern: the video sent, when the echo is to be decoded.
    public init(eventLoop: EventLoop, sink: RTPPacketSink, videoSSRC: UInt32?, videoPayloadType: UInt8,
                audioSSRC: UInt32?, audioPayloadType: UInt8, cname: String,
                keyframeRequest: @escaping (UInt64) -> Void, loopbackPattern: TestPattern?) throws(CodecsError) {
        self.eventLoop = eventLoop
        self.sink = sink
        let sender = MediaSender(videoSSRC: videoSSRC, videoPayloadType: videoPayloadType, audioSSRC: audioSSRC,
                                 audioPayloadType: audioPayloadType, cname: cname, sink: sink,
                                 keyframeRequest: keyframeRequest)
        self.sender = sender
        if let loopbackPattern {
            let ourSSRC = videoSSRC ?? audioSSRC ?? 1
            echo = try EchoReceiver(
                pattern: loopbackPattern, videoPayloadType: videoPayloadType,
                sendTime: { [unowned sender] in sender.sendTime(ofFrame: $0) },
                requestKeyframe: { [unowned sink] remote in
                    let pli = RTCPCompoundPacket.serialize([.pictureLossIndication(
                        PictureLossIndication(senderSSRC: ourSSRC, mediaSSRC: remote))])
                    pli.withUnsafeBytes { _ = sink.sendRTCP($0) }
                })
        } else {
            echo = nil
        }
    }

    /// Sends the shared frame with this session's headers.
    public func deliver(video frame: SourceVideoFrame, now: UInt64) { sender.send(video: frame, now: now) }
    /// Sends the shared Opus packet with this session's header.
    public func deliver(audio frame: SourceAudioFrame, now: UInt64) { sender.send(audio: frame, now: now) }

    /// Echoed media (loopback) goes to the echo receiver.
    public func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        echo?.receiveRTP(packet, now: now)
    }

    /// Feedback (NACK, PLI, FIR) goes to the sender.
    public func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        sender.handleRTCP(packet, now: now)
    }

    /// The port tick drives the sender reports.
    public func transportTick(now: UInt64) {
        sender.tick(now: now)
    }

    public func nextTickDeadline(now: UInt64) -> UInt64? { sender.nextTickDeadline(now: now) }
}
