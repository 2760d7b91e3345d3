/// The PictureID of a VP8 payload descriptor (RFC 7741 §4.2): 7 bits when the
/// M bit of its first octet is 0, 15 bits when it is 1.
///
/// ```
///      +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+
///  I:  |M| PictureID   |  (M = 0)  I:  |M| PictureID   |  (M = 1)
///      +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+
///                                      |   PictureID   |
///                                      +-+-+-+-+-+-+-+-+
/// ```
public enum VP8PictureID: Hashable, Sendable {
    /// A 7-bit PictureID, 0...127.
    case short(UInt8)
    /// A 15-bit PictureID, 0...32767.
    case long(UInt16)

    /// The numeric value (7 or 15 bits).
    public var value: UInt16 {
        switch self {
        case .short(let v): UInt16(v & 0x7F)
        case .long(let v): v & 0x7FFF
        }
    }

    /// The number of octets on the wire: 1 or 2.
    public var encodedSize: Int {
        switch self {
        case .short: 1
        case .long: 2
        }
    }

    /// The PictureID that follows this one, wrapping at 2^7 or 2^15.
    public var next: VP8PictureID {
        switch self {
        case .short(let v): .short((v &+ 1) & 0x7F)
        case .long(let v): .long((v &+ 1) & 0x7FFF)
        }
    }
}
