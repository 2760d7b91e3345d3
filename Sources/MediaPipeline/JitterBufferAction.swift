/// What a `JitterBuffer` asks its owner to do.
public enum JitterBufferAction: Sendable, Equatable {
    /// Hand this packet on (in sequence order).
    case packet(JitterBufferPacket)
    /// These sequence numbers (inclusive, in order, possibly wrapping) were given
    /// up for lost; data is missing between the packets around them.
    case gap(from: UInt16, to: UInt16)
    /// Send a generic NACK (RFC 4585 §6.2.1) for these sequence numbers.
    case sendNACK([UInt16])
    /// The sender's sequence numbers jumped (the stream restarted); packets before
    /// this one are done with, and what follows starts afresh at `sequenceNumber`.
    case restart(sequenceNumber: UInt16)
}
