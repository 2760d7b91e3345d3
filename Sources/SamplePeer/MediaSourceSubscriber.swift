import NIOCore

/// Receives the shared `MediaSource`'s frames, on its own event loop.
public protocol MediaSourceSubscriber: AnyObject, Sendable {
    /// The loop the deliveries run on (the session's media loop).
    var eventLoop: EventLoop { get }
    /// A new video frame; called on `eventLoop`.
    func deliver(video frame: SourceVideoFrame, now: UInt64)
    /// A new audio packet; called on `eventLoop`.
    func deliver(audio frame: SourceAudioFrame, now: UInt64)
}
