import Transport

/// Where a `MediaSender` puts its packets: a `TransportSession` (which
/// protects and sends them), or a capture in tests. Called on the sender's loop.
public protocol RTPPacketSink: AnyObject {
    /// Sends one RTP packet; false when it could not be sent.
    @discardableResult func sendRTP(_ packet: UnsafeRawBufferPointer) -> Bool
    /// Sends one RTCP compound packet; false when it could not be sent.
    @discardableResult func sendRTCP(_ packet: UnsafeRawBufferPointer) -> Bool
}

extension TransportSession: RTPPacketSink {}
