/// Parsing and serializing RTCP compound packets: RTCP packets stacked back to
/// back in one datagram, each with its own length field (RFC 3550 §6.1).
///
/// The parser does not insist that the first packet is an SR or RR, so
/// reduced-size RTCP (RFC 5506) parses as well.
public enum RTCPCompoundPacket {
    /// Parses every packet of the compound in `raw`.
    ///
    /// - Throws: `.emptyCompound` for an empty buffer; `.truncated`,
    ///   `.unsupportedVersion` or `.invalidLength` when a header is bad or a length
    ///   field runs past the end; any per-type error of a malformed sub-packet.
    public static func parse(_ raw: UnsafeRawBufferPointer) throws(RTPError) -> [RTCPPacket] {
        guard !raw.isEmpty else { throw .emptyCompound }
        var packets: [RTCPPacket] = []
        var iterator = RTCPHeaderIterator(raw)
        while let (_, range) = iterator.next() {
            packets.append(try RTCPPacket(parsing: UnsafeRawBufferPointer(rebasing: raw[range])))
        }
        if let error = iterator.error { throw error }
        return packets
    }

    /// Parses every packet of the compound in `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(RTPError) -> [RTCPPacket] {
        try withRaw(bytes) { raw throws(RTPError) in try parse(raw) }
    }

    /// The compound of `packets`, in order.
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedSize(of: packets))
        for packet in packets { packet.write(to: &bytes) }
        return bytes
    }

    /// The size of the compound of `packets`.
    public static func encodedSize(of packets: [RTCPPacket]) -> Int {
        packets.reduce(0) { $0 + $1.encodedSize }
    }

    /// The sender info of the first SR in the compound in `raw`, found without
    /// allocating; nil when there is none or the walk hits a malformed header first.
    public static func firstSenderInfo(in raw: UnsafeRawBufferPointer) -> SenderInfo? {
        var iterator = RTCPHeaderIterator(raw)
        while let (header, range) = iterator.next() {
            if header.packetType == RTCPPacketType.senderReport {
                return try? SenderInfo(parsing: UnsafeRawBufferPointer(rebasing: raw[range]))
            }
        }
        return nil
    }
}
