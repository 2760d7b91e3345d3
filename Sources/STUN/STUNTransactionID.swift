/// The 96-bit transaction id of a STUN message (RFC 8489 §5), held inline (no heap).
public struct STUNTransactionID: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0–3, big-endian.
    public let high: UInt32
    /// Bytes 4–11, big-endian.
    public let low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From exactly 12 bytes; nil otherwise.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var h: UInt32 = 0, l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 4 { h = h << 8 | UInt32(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(high: h, low: l)
    }

    /// Reads 12 bytes at `offset` (caller guarantees bounds).
    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        var h: UInt32 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 8 | UInt32(raw[offset + i]) }
        for i in 4..<12 { l = l << 8 | UInt64(raw[offset + i]) }
        self.init(high: h, low: l)
    }

    /// A random transaction id (RFC 8489 §5: uniformly and randomly chosen).
    public static func random() -> STUNTransactionID {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    /// A random transaction id from `generator`.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> STUNTransactionID {
        STUNTransactionID(high: generator.next(), low: generator.next())
    }

    /// The 12 bytes.
    public var bytes: [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: high >> (24 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
