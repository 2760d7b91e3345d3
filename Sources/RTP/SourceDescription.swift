/// An RTCP source description, SDES (RFC 3550 §6.5).
///
/// ```
///        0                   1                   2                   3
///        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// header |V=2|P|    SC   |  PT=SDES=202  |             length            |
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// chunk  |                          SSRC/CSRC_1                          |
///   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       |                           SDES items                          |
///       |                              ...                              |
///       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
/// Each item is type (8 bits), length (8 bits) and that many octets (§6.5.1 CNAME:
/// `|    CNAME=1    |     length    | user and domain name        ...`). A chunk's
/// item list ends with a null octet and is zero-padded to the next 32-bit boundary.
public struct SourceDescription: Hashable, Sendable, WireSerializable {
    /// SDES item types (RFC 3550 §6.5.1–§6.5.8).
    public enum ItemType {
        public static let end: UInt8 = 0
        public static let cname: UInt8 = 1
        public static let name: UInt8 = 2
        public static let email: UInt8 = 3
        public static let phone: UInt8 = 4
        public static let location: UInt8 = 5
        public static let tool: UInt8 = 6
        public static let note: UInt8 = 7
        public static let priv: UInt8 = 8
    }

    /// One SDES item: its type (1...255) and up to 255 octets.
    public struct Item: Hashable, Sendable {
        /// The item type, see `ItemType`.
        public var type: UInt8
        /// The item octets (UTF-8 text for CNAME…NOTE; prefix length + prefix + value for PRIV).
        public var data: [UInt8]

        /// Creates an item.
        public init(type: UInt8, data: [UInt8]) {
            self.type = type
            self.data = data
        }

        /// Creates a text item.
        public init(type: UInt8, text: String) {
            self.init(type: type, data: Array(text.utf8))
        }

        /// A CNAME item.
        public static func cname(_ text: String) -> Item { Item(type: ItemType.cname, text: text) }

        /// The data decoded as UTF-8 (invalid sequences replaced).
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// One chunk: a source and its items.
    public struct Chunk: Hashable, Sendable {
        /// The SSRC or CSRC described.
        public var source: UInt32
        /// The items.
        public var items: [Item]

        /// Creates a chunk.
        public init(source: UInt32, items: [Item]) {
            self.source = source
            self.items = items
        }

        /// The text of the first CNAME item, if any.
        public var cname: String? { items.first { $0.type == ItemType.cname }?.text }

        /// Source, items and the null terminator padded to 32 bits.
        var encodedSize: Int { padded4(4 + items.reduce(0) { $0 + 2 + $1.data.count } + 1) }
    }

    /// The chunks (at most 31).
    public var chunks: [Chunk]

    /// Creates an SDES packet.
    public init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    /// Parses the single SDES packet that is `raw`; padding, if any, is dropped.
    ///
    /// - Throws: `.invalidLength`, `.malformedRTCP` when a chunk or item runs past the
    ///   end, a chunk lacks its terminator, or bytes are left after SC chunks.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let (header, end) = try RTCPHeader.single(raw, packetType: RTCPPacketType.sourceDescription)
        let malformed = RTPError.malformedRTCP(packetType: header.packetType)
        var offset = RTCPHeader.size
        chunks = []
        chunks.reserveCapacity(Int(header.count))
        for _ in 0..<Int(header.count) {
            guard offset + 4 <= end else { throw malformed }
            var chunk = Chunk(source: raw.u32(offset), items: [])
            offset += 4
            while true {
                guard offset < end else { throw malformed }
                let type = raw[offset]
                if type == ItemType.end {
                    offset = padded4(offset + 1)
                    guard offset <= end else { throw malformed }
                    break
                }
                guard offset + 2 <= end else { throw malformed }
                let length = Int(raw[offset + 1])
                guard offset + 2 + length <= end else { throw malformed }
                chunk.items.append(Item(type: type, data: raw.bytes(offset + 2..<offset + 2 + length)))
                offset += 2 + length
            }
            chunks.append(chunk)
        }
        guard offset == end else { throw malformed }
    }

    /// The size on the wire.
    public var encodedSize: Int { RTCPHeader.size + chunks.reduce(0) { $0 + $1.encodedSize } }

    /// Appends the packet to `bytes`. Precondition: at most 31 chunks, items ≤ 255 octets, type ≠ 0.
    public func write(to bytes: inout [UInt8]) { appendBytes(to: &bytes) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int { writeBytes(into: buffer) }

    func serialize<W: ByteWriter>(into writer: inout W) {
        RTCPHeader.serialize(count: UInt8(chunks.count), packetType: RTCPPacketType.sourceDescription,
                             size: encodedSize, into: &writer)
        for chunk in chunks {
            writer.put(chunk.source)
            var written = 4
            for item in chunk.items {
                precondition(item.type != 0 && item.data.count <= 255, "invalid SDES item")
                writer.put(item.type)
                writer.put(UInt8(item.data.count))
                writer.put(item.data)
                written += 2 + item.data.count
            }
            writer.putZeros(chunk.encodedSize - written)
        }
    }
}
