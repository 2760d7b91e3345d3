/// The packets one SSRC sent in the last `maxAgeNs` (about a second), by
/// sequence number, so a generic NACK (RFC 4585 §6.2.1) can be answered by
/// sending the very same bytes again (RFC 4588 §1: without RTX, the original
/// packet is repeated).
///
/// A fixed ring of `capacity` slots indexed by the low bits of the sequence
/// number; a slot answers only for the exact sequence number it holds.
public struct SendHistory: Sendable {
    private struct Entry: Sendable {
        var sequenceNumber: UInt16
        var sentAt: UInt64
        var bytes: [UInt8]
    }

    private var slots: [Entry?]
    private let mask: Int
    /// Packets older than this are not resent.
    public let maxAgeNs: UInt64

    /// - Parameters:
    ///   - capacity: slots, rounded up to a power of two (1024 holds 1 s up to ~12 Mbit/s).
    ///   - maxAgeNs: how long a packet stays answerable.
    public init(capacity: Int = 1024, maxAgeNs: UInt64 = 1_000_000_000) {
        var size = 1
        while size < max(1, capacity) { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
        self.maxAgeNs = maxAgeNs
    }

    /// Keeps a sent packet (its serialized RTP bytes).
    public mutating func record(sequenceNumber: UInt16, bytes: [UInt8], now: UInt64) {
        slots[Int(sequenceNumber) & mask] = Entry(sequenceNumber: sequenceNumber, sentAt: now, bytes: bytes)
    }

    /// The bytes sent with `sequenceNumber`, unless overwritten or older than `maxAgeNs`.
    public func packet(sequenceNumber: UInt16, now: UInt64) -> [UInt8]? {
        guard let entry = slots[Int(sequenceNumber) & mask], entry.sequenceNumber == sequenceNumber,
              now &- entry.sentAt <= maxAgeNs else { return nil }
        return entry.bytes
    }
}
