import MediaBridge
import Transport

/// The recording takes a session's media straight from its transport.
/// Declared here, not in MediaBridge, so that module (and with it the fuzzer
/// and the benchmarks) builds without the transport and SwiftNIO.
extension MediaBridge: TransportMediaReceiver {}

/// Hands a session's media to two receivers (record+loopback: the
/// recording and the echo), in order. On the media loop.
final class MediaFanout: TransportMediaReceiver {
    private let first: TransportMediaReceiver
    private let second: TransportMediaReceiver

    init(_ first: TransportMediaReceiver, _ second: TransportMediaReceiver) {
        self.first = first
        self.second = second
    }

    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        first.transportDidReceiveRTP(packet, now: now)
        second.transportDidReceiveRTP(packet, now: now)
    }

    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        first.transportDidReceiveRTCP(packet, now: now)
        second.transportDidReceiveRTCP(packet, now: now)
    }

    func transportTick(now: UInt64) {
        first.transportTick(now: now)
        second.transportTick(now: now)
    }

    func nextTickDeadline(now: UInt64) -> UInt64? {
        switch (first.nextTickDeadline(now: now), second.nextTickDeadline(now: now)) {
        case let (a?, b?): min(a, b)
        case let (a, b): a ?? b
        }
    }
}
