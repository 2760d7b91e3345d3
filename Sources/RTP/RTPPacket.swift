/// An RTP packet as an owned value, for building and for copying parses
/// (RFC 3550 §5.1; extension RFC 3550 §5.3.1 and RFC 8285).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  header extension (X=1) | payload ... | padding (P=1) | count |
/// ```
/// Parsing and serializing round-trip byte for byte.
public struct RTPPacket: Hashable, Sendable {
    /// The M bit.
    public var marker: Bool
    /// The 7-bit payload type.
    public var payloadType: UInt8
    /// The sequence number.
    public var sequenceNumber: UInt16
    /// The RTP timestamp.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// Contributing sources; at most 15.
    public var csrcs: [UInt32]
    /// The header extension; nil when X=0.
    public var headerExtension: RTPHeaderExtensionBlock?
    /// The payload.
    public var payload: [UInt8]
    /// The padding octets, the final count octet included; empty when P=0.
    /// On write the final octet is always the padding length (1...255).
    public var padding: [UInt8]

    /// Creates a packet.
    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], headerExtension: RTPHeaderExtensionBlock? = nil, payload: [UInt8] = [],
        padding: [UInt8] = []
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.padding = padding
    }

    /// The number of padding octets; setting it replaces `padding` with zeros
    /// followed by the count (RFC 3550 §5.1).
    public var paddingLength: Int {
        get { padding.count }
        set {
            precondition((0...255).contains(newValue), "RTP padding is 0...255 octets")
            padding = newValue == 0 ? [] : Array(repeating: 0, count: newValue - 1) + [UInt8(newValue)]
        }
    }

    /// Copies the packet in `raw`.
    ///
    /// - Throws: the errors of `RTPHeader.init(parsing:)`.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let header = try RTPHeader(parsing: raw)
        marker = header.marker
        payloadType = header.payloadType
        sequenceNumber = header.sequenceNumber
        timestamp = header.timestamp
        ssrc = header.ssrc
        csrcs = Array(header.csrcs)
        if let profile = header.extensionProfile {
            headerExtension = RTPHeaderExtensionBlock(raw: raw, profile: profile, range: header.extensionRange)
        } else {
            headerExtension = nil
        }
        payload = raw.bytes(header.payloadRange)
        padding = raw.bytes(header.payloadRange.upperBound..<raw.count)
    }

    /// Copies the packet in `bytes`.
    public init(parsing bytes: [UInt8]) throws(RTPError) {
        self = try withRaw(bytes) { raw throws(RTPError) in try RTPPacket(parsing: raw) }
    }

    /// The size of the packet on the wire.
    public var encodedSize: Int {
        RTPHeader.fixedSize + csrcs.count * 4 + (headerExtension?.encodedSize ?? 0) + payload.count + padding.count
    }

    /// Appends the packet to `bytes`.
    ///
    /// - Precondition: at most 15 CSRCs, payload type < 128, padding ≤ 255 octets,
    ///   extension elements valid for their form.
    public func write(to bytes: inout [UInt8]) {
        ArrayWriter.append(to: &bytes, size: encodedSize) { serialize(into: &$0) }
    }

    /// Writes the packet at the start of `buffer` and returns the bytes written.
    ///
    /// - Precondition: `buffer.count >= encodedSize`, and the preconditions of `write(to:)`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        BufferWriter.write(into: buffer, size: encodedSize) { serialize(into: &$0) }
    }

    /// The packet as a new array.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes
    }

    func serialize<W: ByteWriter>(into writer: inout W) {
        precondition(csrcs.count <= 15, "at most 15 CSRCs")
        precondition(payloadType < 128, "payload type is 7 bits")
        precondition(padding.count <= 255, "RTP padding is at most 255 octets")
        var b0: UInt8 = 0x80 | UInt8(csrcs.count)
        if !padding.isEmpty { b0 |= 0x20 }
        if headerExtension != nil { b0 |= 0x10 }
        writer.put(b0)
        writer.put((marker ? 0x80 : 0) | payloadType)
        writer.put(sequenceNumber)
        writer.put(timestamp)
        writer.put(ssrc)
        for csrc in csrcs { writer.put(csrc) }
        headerExtension?.serialize(into: &writer)
        writer.put(payload)
        if !padding.isEmpty {
            for index in 0..<(padding.count - 1) { writer.put(padding[index]) }
            writer.put(UInt8(padding.count))
        }
    }
}
