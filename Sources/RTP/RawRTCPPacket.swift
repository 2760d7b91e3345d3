/// An RTCP packet of a type this module does not model (XR, APP, TWCC, other
/// feedback formats), kept byte for byte, header and padding included
/// (RFC 3550 §6.4.1 common header: `|V=2|P| RC/FMT | PT | length |`).
public struct RawRTCPPacket: Hashable, Sendable, WireSerializable {
    /// The whole packet.
    public var bytes: [UInt8]

    /// Wraps `bytes`, which must hold one RTCP packet (see `init(parsing:)` to validate).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Copies the single RTCP packet that is `raw`.
    ///
    /// - Throws: `.truncated`, `.unsupportedVersion`, `.invalidLength` when the length
    ///   field does not match `raw.count`.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let header = try RTCPHeader(parsing: raw)
        guard header.packetSize == raw.count else { throw .invalidLength }
        bytes = Array(raw)
    }

    /// The common header, or nil when `bytes` is shorter than 4 bytes or not version 2.
    public var header: RTCPHeader? {
        bytes.withUnsafeBytes { try? RTCPHeader(parsing: $0) }
    }

    /// The packet type byte (0 when empty).
    public var packetType: UInt8 { bytes.count > 1 ? bytes[1] : 0 }
    /// The 5-bit count or FMT field (0 when empty).
    public var count: UInt8 { bytes.first.map { $0 & 0x1F } ?? 0 }

    /// The size on the wire: `bytes.count`.
    public var encodedSize: Int { bytes.count }

    /// Appends the packet to `bytes`.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        writer.put(bytes)
    }
}
