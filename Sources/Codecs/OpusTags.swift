/// The Ogg Opus comment header, RFC 7845 §5.2.
///
/// ```
/// 'O' 'p' 'u' 's' 'T' 'a' 'g' 's'
/// Vendor String Length (32 bits, little-endian)
/// Vendor String (UTF-8, not NUL-terminated)
/// User Comment List Length (32 bits, little-endian)
/// User Comment #i String Length (32 bits) + String ("NAME=value"), …
/// ```
/// Data after the last comment is allowed (RFC 7845 §5.2) and ignored here.
public struct OpusTags: Equatable, Sendable {
    public static let magic: [UInt8] = Array("OpusTags".utf8)

    public var vendor: String
    /// User comments, conventionally `NAME=value`.
    public var comments: [String]

    public init(vendor: String, comments: [String] = []) {
        self.vendor = vendor
        self.comments = comments
    }

    /// Parses a comment header packet (RFC 7845 §5.2).
    public init(parsing packet: UnsafeRawBufferPointer) throws(CodecsError) {
        guard packet.count >= 8, Array(packet[0..<8]) == Self.magic else {
            throw .malformedOpusHeader(.badMagic)
        }
        var r = ByteReader(bytes: packet, offset: 8, fault: .malformedOpusHeader(.truncated))
        vendor = try Self.string(&r)
        let count = Int(try r.u32le())
        // Each comment needs at least its 4-byte length: bound the count
        // before reserving so garbage cannot request huge allocations.
        guard count <= r.remaining / 4 else { throw .malformedOpusHeader(.truncated) }
        var list: [String] = []
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try Self.string(&r)) }
        comments = list
    }

    /// Parses a comment header packet (RFC 7845 §5.2).
    public init(parsing packet: [UInt8]) throws(CodecsError) {
        self = try parsingBytes(packet) { raw throws(CodecsError) in try OpusTags(parsing: raw) }
    }

    private static func string(_ r: inout ByteReader) throws(CodecsError) -> String {
        let length = Int(try r.u32le())
        let raw = try r.bytes(length)
        guard let s = String(validating: raw, as: UTF8.self) else { throw .malformedOpusHeader(.invalidUTF8) }
        return s
    }

    public var encodedSize: Int {
        8 + 4 + vendor.utf8.count + 4 + comments.reduce(0) { $0 + 4 + $1.utf8.count }
    }

    /// The header packet bytes.
    public func serialize() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(encodedSize)
        out.appendLE(UInt32(vendor.utf8.count))
        out.append(contentsOf: vendor.utf8)
        out.appendLE(UInt32(comments.count))
        for c in comments {
            out.appendLE(UInt32(c.utf8.count))
            out.append(contentsOf: c.utf8)
        }
        return out
    }
}
