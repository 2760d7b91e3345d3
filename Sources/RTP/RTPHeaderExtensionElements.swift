/// A non-allocating sequence over the elements of an RTP header extension block.
///
/// RFC 8285 §4.2, one-byte header (profile 0xBEDE); L is the data length minus one,
/// ID 0 is a padding byte, ID 15 stops processing:
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       0xBE    |    0xDE       |           length=3            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | L=0   |     data      |  ID   |  L=1  |   data...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///       ...data   |    0 (pad)    |    0 (pad)    |  ID   | L=3   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          data                                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// RFC 8285 §4.3, two-byte header (profile 0x100X); L is the data length, an ID 0
/// byte is padding:
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       0x100         |appbits|           length=3            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      ID       |     L=0       |     ID        |     L=1       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       data    |    0 (pad)    |       ID      |      L=4      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          data                                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// The buffer must outlive the iteration.
public struct RTPHeaderExtensionElements: Sequence {
    /// Which element encoding the block uses.
    public enum Form: Sendable {
        /// Profile 0xBEDE (RFC 8285 §4.2).
        case oneByte
        /// Profile 0x1000...0x100F (RFC 8285 §4.3).
        case twoByte
        /// Any other profile: no elements are defined.
        case unknown
    }

    @usableFromInline let raw: UnsafeRawBufferPointer
    @usableFromInline let range: Range<Int>
    /// The element encoding, from the profile.
    public let form: Form

    /// A sequence over the block `range` of `raw` with the given profile.
    @inlinable
    public init(raw: UnsafeRawBufferPointer, profile: UInt16, range: Range<Int>) {
        self.raw = raw
        self.range = range.clamped(to: 0..<raw.count)
        if profile == 0xBEDE {
            form = .oneByte
        } else if profile & 0xFFF0 == 0x1000 {
            form = .twoByte
        } else {
            form = .unknown
        }
    }

    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(raw: raw, position: range.lowerBound, end: form == .unknown ? range.lowerBound : range.upperBound,
                 twoByte: form == .twoByte)
    }

    /// Walks the elements; stops at the end, at a one-byte ID 15, or at a malformed element.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let raw: UnsafeRawBufferPointer
        @usableFromInline var position: Int
        @usableFromInline let end: Int
        @usableFromInline let twoByte: Bool
        /// Set when iteration stopped because an element ran past the end of the block.
        public private(set) var isMalformed = false

        @inlinable
        init(raw: UnsafeRawBufferPointer, position: Int, end: Int, twoByte: Bool) {
            self.raw = raw
            self.position = position
            self.end = end
            self.twoByte = twoByte
        }

        @inlinable
        public mutating func next() -> RTPHeaderExtensionElement? {
            while position < end {
                let first = raw[position]
                if first == 0 {  // padding byte in either form
                    position += 1
                    continue
                }
                let id: UInt8
                let length: Int
                let dataStart: Int
                if twoByte {
                    guard position + 2 <= end else { return fail() }
                    id = first
                    length = Int(raw[position + 1])
                    dataStart = position + 2
                } else {
                    id = first >> 4
                    if id == 0 {  // ID 0 is padding; its length field is ignored
                        position += 1
                        continue
                    }
                    if id == 15 {  // reserved: stop processing (RFC 8285 §4.2)
                        position = end
                        return nil
                    }
                    length = Int(first & 0x0F) + 1
                    dataStart = position + 1
                }
                let dataEnd = dataStart + length
                guard dataEnd <= end else { return fail() }
                position = dataEnd
                return RTPHeaderExtensionElement(id: id, range: dataStart..<dataEnd)
            }
            return nil
        }

        @usableFromInline
        mutating func fail() -> RTPHeaderExtensionElement? {
            isMalformed = true
            position = end
            return nil
        }
    }
}
