/// The header extension of an `RTPPacket` (RFC 3550 §5.3.1, RFC 8285 §4).
///
/// Elements are encoded back to back and zero-padded to a 32-bit boundary. A parsed
/// block whose bytes differ from that canonical encoding (padding between elements,
/// an ID 15 terminator, an unknown profile, a malformed element) is kept as `.raw`
/// so that it re-serializes byte for byte.
public enum RTPHeaderExtensionBlock: Hashable, Sendable {
    /// Profile 0xBEDE (RFC 8285 §4.2). Each element: id 1...14, 1...16 data bytes.
    case oneByte([RTPHeaderExtension])
    /// Profile 0x100X (RFC 8285 §4.3) with the 4 `appBits`. Each element: id
    /// 1...255, 0...255 data bytes.
    case twoByte(appBits: UInt8, [RTPHeaderExtension])
    /// Any other block, kept as is. `data` is zero-padded to a multiple of 4 on write.
    case raw(profile: UInt16, data: [UInt8])

    /// The 16-bit "defined by profile" field.
    public var profile: UInt16 {
        switch self {
        case .oneByte: 0xBEDE
        case .twoByte(let appBits, _): 0x1000 | UInt16(appBits & 0x0F)
        case .raw(let profile, _): profile
        }
    }

    /// The elements of a one-byte or two-byte block; for `.raw`, the elements
    /// readable from its data with the profile's encoding (empty when none).
    public var elements: [RTPHeaderExtension] {
        switch self {
        case .oneByte(let elements), .twoByte(_, let elements):
            return elements
        case .raw(let profile, let data):
            return data.withUnsafeBytes { raw in
                RTPHeaderExtensionElements(raw: raw, profile: profile, range: 0..<raw.count).map {
                    RTPHeaderExtension(id: $0.id, data: raw.bytes($0.range))
                }
            }
        }
    }

    /// The data bytes of the first element with local identifier `id`.
    public func element(id: UInt8) -> [UInt8]? {
        elements.first { $0.id == id }?.data
    }

    /// The length of the extension data (after the 4-byte header), a multiple of 4.
    var dataLength: Int {
        let unpadded: Int
        switch self {
        case .oneByte(let elements):
            unpadded = elements.reduce(0) { $0 + 1 + $1.data.count }
        case .twoByte(_, let elements):
            unpadded = elements.reduce(0) { $0 + 2 + $1.data.count }
        case .raw(_, let data):
            unpadded = data.count
        }
        return (unpadded + 3) & ~3
    }

    /// The size on the wire, the 4-byte header included.
    public var encodedSize: Int { 4 + dataLength }

    /// Writes the 4-byte extension header and the padded data.
    ///
    /// - Precondition: one-byte elements have ids 1...14 and 1...16 data bytes;
    ///   two-byte elements have ids 1...255 and at most 255 data bytes; the block
    ///   fits the 16-bit word count.
    func serialize<W: ByteWriter>(into writer: inout W) {
        let length = dataLength
        precondition(length / 4 <= Int(UInt16.max), "header extension too long")
        writer.put(profile)
        writer.put(UInt16(length / 4))
        var written = 0
        switch self {
        case .oneByte(let elements):
            for element in elements {
                precondition((1...14).contains(element.id) && (1...16).contains(element.data.count),
                             "invalid one-byte header extension element")
                writer.put(element.id << 4 | UInt8(element.data.count - 1))
                writer.put(element.data)
                written += 1 + element.data.count
            }
        case .twoByte(_, let elements):
            for element in elements {
                precondition(element.id != 0 && element.data.count <= 255,
                             "invalid two-byte header extension element")
                writer.put(element.id)
                writer.put(UInt8(element.data.count))
                writer.put(element.data)
                written += 2 + element.data.count
            }
        case .raw(_, let data):
            writer.put(data)
            written = data.count
        }
        writer.putZeros(length - written)
    }

    /// Reads the block with `profile` whose data is `range` of `raw`.
    init(raw: UnsafeRawBufferPointer, profile: UInt16, range: Range<Int>) {
        let sequence = RTPHeaderExtensionElements(raw: raw, profile: profile, range: range)
        if sequence.form != .unknown {
            var iterator = sequence.makeIterator()
            var elements: [RTPHeaderExtension] = []
            while let element = iterator.next() {
                elements.append(RTPHeaderExtension(id: element.id, data: raw.bytes(element.range)))
            }
            if !iterator.isMalformed {
                let candidate: RTPHeaderExtensionBlock = sequence.form == .oneByte
                    ? .oneByte(elements)
                    : .twoByte(appBits: UInt8(profile & 0x0F), elements)
                if candidate.isCanonical(of: raw, range: range) {
                    self = candidate
                    return
                }
            }
        }
        self = .raw(profile: profile, data: raw.bytes(range))
    }

    /// Whether this block's encoding reproduces the data in `range` of `raw` exactly.
    private func isCanonical(of raw: UnsafeRawBufferPointer, range: Range<Int>) -> Bool {
        guard dataLength == range.count else { return false }
        if case .oneByte(let elements) = self,
           elements.contains(where: { !(1...14).contains($0.id) || !(1...16).contains($0.data.count) }) {
            return false
        }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(encodedSize)
        var writer = ArrayWriter(bytes: encoded)
        serialize(into: &writer)
        encoded = writer.bytes
        return encoded[4...].elementsEqual(UnsafeRawBufferPointer(rebasing: raw[range]))
    }
}
