import RTP

/// Numbers outgoing RTP packets of one stream: a fixed SSRC and payload type and
/// a sequence number that increments by one per packet (RFC 3550 §5.1).
public struct RTPSequencer: Sendable {
    /// The synchronization source of the stream.
    public let ssrc: UInt32
    /// The payload type of the stream.
    public let payloadType: UInt8
    /// The sequence number the next packet gets.
    public private(set) var nextSequenceNumber: UInt16

    /// Creates a sequencer; `initialSequenceNumber` should be random (RFC 3550 §5.1).
    public init(ssrc: UInt32, payloadType: UInt8, initialSequenceNumber: UInt16) {
        precondition(payloadType < 128, "payload type is 7 bits")
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.nextSequenceNumber = initialSequenceNumber
    }

    /// Builds the next packet and advances the sequence number.
    public mutating func makePacket(payload: [UInt8], timestamp: UInt32, marker: Bool) -> RTPPacket {
        let packet = RTPPacket(marker: marker, payloadType: payloadType, sequenceNumber: nextSequenceNumber,
                               timestamp: timestamp, ssrc: ssrc, payload: payload)
        nextSequenceNumber &+= 1
        return packet
    }
}
