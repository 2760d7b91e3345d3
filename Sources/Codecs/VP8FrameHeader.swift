/// The uncompressed header at the start of every VP8 frame, RFC 6386 §9.1
/// (the same bytes RFC 7741 §4.3 reads from an RTP VP8 payload).
///
/// ```
/// frame tag (3 bytes, little-endian):
///   bit 0       key_frame   (0 = keyframe, 1 = interframe)
///   bits 1-3    version     (0…3)
///   bit 4       show_frame
///   bits 5-23   first_part_size
/// keyframes only, 7 more bytes:
///   start code  0x9d 0x01 0x2a
///   16 bits     horizontal_size_code: width (14 bits) | scale (2 bits)
///   16 bits     vertical_size_code:   height (14 bits) | scale (2 bits)
/// ```
/// Pure Swift; garbage or truncated input throws `CodecsError.malformedVP8Frame`.
public struct VP8FrameHeader: Equatable, Sendable {
    public static let startCode: [UInt8] = [0x9D, 0x01, 0x2A]

    public let isKeyframe: Bool
    public let version: UInt8
    public let showFrame: Bool
    /// Bytes of the first (modes and motion vectors) partition.
    public let firstPartitionSize: Int
    /// Keyframes only: picture width and height in pixels.
    public let width: Int?
    public let height: Int?
    /// Keyframes only: the 2-bit upscaling codes (RFC 6386 §9.1).
    public let horizontalScale: UInt8?
    public let verticalScale: UInt8?

    /// 10 on keyframes, 3 otherwise.
    public var encodedSize: Int { isKeyframe ? 10 : 3 }

    /// Parses the header at the start of a VP8 frame.
    public init(parsing frame: UnsafeRawBufferPointer) throws(CodecsError) {
        guard frame.count >= 3 else { throw .malformedVP8Frame(.truncated) }
        let tag = UInt32(frame[0]) | UInt32(frame[1]) << 8 | UInt32(frame[2]) << 16
        isKeyframe = tag & 1 == 0
        version = UInt8((tag >> 1) & 0x7)
        showFrame = (tag >> 4) & 1 == 1
        firstPartitionSize = Int(tag >> 5)
        guard version <= 3 else { throw .malformedVP8Frame(.unsupportedVersion(version)) }
        if isKeyframe {
            guard frame.count >= 10 else { throw .malformedVP8Frame(.truncated) }
            guard frame[3] == 0x9D, frame[4] == 0x01, frame[5] == 0x2A else {
                throw .malformedVP8Frame(.badStartCode)
            }
            let h = UInt16(frame[6]) | UInt16(frame[7]) << 8
            let v = UInt16(frame[8]) | UInt16(frame[9]) << 8
            width = Int(h & 0x3FFF)
            height = Int(v & 0x3FFF)
            horizontalScale = UInt8(h >> 14)
            verticalScale = UInt8(v >> 14)
            guard width != 0, height != 0 else { throw .malformedVP8Frame(.zeroDimension) }
        } else {
            width = nil
            height = nil
            horizontalScale = nil
            verticalScale = nil
        }
        guard firstPartitionSize <= frame.count - (isKeyframe ? 10 : 3) else {
            throw .malformedVP8Frame(.firstPartitionExceedsFrame)
        }
    }

    /// Parses the header at the start of a VP8 frame.
    public init(parsing frame: [UInt8]) throws(CodecsError) {
        self = try parsingBytes(frame) { raw throws(CodecsError) in try VP8FrameHeader(parsing: raw) }
    }
}
