/// A packet handed out by a `JitterBuffer`, in sequence order. Its payload stays in
/// the buffer: read it with `JitterBuffer.withPayload(of:_:)` before the next
/// `insert`.
public struct JitterBufferPacket: Sendable, Equatable {
    /// The RTP sequence number.
    public var sequenceNumber: UInt16
    /// The RTP timestamp.
    public var timestamp: UInt32
    /// The RTP marker bit.
    public var marker: Bool
    /// The RTP payload type.
    public var payloadType: UInt8
    /// When the packet arrived (the `now` of its `insert`).
    public var arrivalNs: UInt64
    /// The packet arrived after it had been asked for with NACK.
    public var wasRecovered: Bool
    /// The payload length in octets.
    public var payloadLength: Int
    let unwrapped: Int64
    let cell: Int
}
