/// One packet-loss packet made by `AudioGapFiller`.
public struct OpusFillPacket: Sendable, Equatable {
    /// An Opus packet of zero-length frames (RFC 6716 §3.2.1: DTX or lost), which a
    /// decoder conceals.
    public var data: [UInt8]
    /// Its position on the unwrapped 48 kHz RTP timeline.
    public var timestamp: Int64
    /// Its duration in 48 kHz samples.
    public var samples: Int
}

/// What `AudioGapFiller` says about one received packet.
public struct AudioGapFill: Sendable, Equatable {
    /// Packets to write before the received one, in order.
    public var fillPackets: [OpusFillPacket]
    /// The received packet's unwrapped timestamp.
    public var timestamp: Int64
    /// The timestamp jumped (forward beyond `maxGapSamples`, or backward by more
    /// than one packet): the gap was not filled; the caller decides how to join.
    public var isDiscontinuity: Bool
}
