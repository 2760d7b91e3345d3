/// The start of a VP9 frame's uncompressed header (VP9 bitstream spec §6.2,
/// "uncompressed_header()"): enough to tell a keyframe, the profile and —
/// on keyframes and intra-only frames — the frame size and colour format.
///
/// ```
/// frame_marker f(2) = 2, profile_low_bit, profile_high_bit, [reserved_zero if profile 3]
/// show_existing_frame f(1)  → frame_to_show_map_idx f(3), nothing else
/// frame_type f(1) (0 = KEY_FRAME), show_frame f(1), error_resilient_mode f(1)
/// key frame:   frame_sync_code (0x49 0x83 0x42), color_config(), frame_size()
/// otherwise:   [intra_only f(1) if !show_frame], [reset_frame_context f(2) if !error_resilient_mode]
///              intra_only: frame_sync_code, [color_config() if profile > 0], refresh_frame_flags f(8), frame_size()
/// frame_size(): frame_width_minus_1 f(16), frame_height_minus_1 f(16)
/// ```
/// A superframe (several frames and an index, Annex B) starts with its first
/// frame, so this reads that one. Pure Swift, no allocation; garbage throws
/// `CodecsError.malformedVP9Frame`.
public struct VP9FrameHeader: Equatable, Sendable {
    /// 0…3.
    public let profile: UInt8
    /// show_existing_frame: the frame only shows an earlier one.
    public let showExistingFrame: Bool
    /// frame_type = KEY_FRAME: a decoder can start here.
    public let isKeyframe: Bool
    public let showFrame: Bool
    public let isIntraOnly: Bool
    /// 8, 10 or 12 (keyframes and intra-only frames; 8 otherwise).
    public let bitDepth: Int
    /// Keyframes and intra-only frames: the frame size.
    public let width: Int?
    public let height: Int?

    public init(parsing frame: UnsafeRawBufferPointer) throws(CodecsError) {
        var r = BitReader(frame, fault: .malformedVP9Frame(.truncated))
        guard try r.bits(2) == 2 else { throw .malformedVP9Frame(.badFrameMarker) }
        let low = try r.bit(), high = try r.bit()
        profile = UInt8(high << 1 | low)
        if profile == 3 { guard try r.bit() == 0 else { throw .malformedVP9Frame(.reservedBitSet) } }
        showExistingFrame = try r.flag()
        if showExistingFrame {
            _ = try r.bits(3)
            isKeyframe = false; showFrame = true; isIntraOnly = false; bitDepth = 8; width = nil; height = nil
            return
        }
        isKeyframe = try r.bit() == 0
        showFrame = try r.flag()
        let errorResilient = try r.flag()
        var intraOnly = false
        var depth = 8
        if isKeyframe {
            try Self.syncCode(&r)
            depth = try Self.colorConfig(&r, profile: profile)
        } else {
            intraOnly = showFrame ? false : try r.flag()
            if !errorResilient { _ = try r.bits(2) }
            if intraOnly {
                try Self.syncCode(&r)
                if profile > 0 { depth = try Self.colorConfig(&r, profile: profile) }
                _ = try r.bits(8)  // refresh_frame_flags
            }
        }
        isIntraOnly = intraOnly
        bitDepth = depth
        if isKeyframe || intraOnly {
            width = Int(try r.bits(16)) + 1
            height = Int(try r.bits(16)) + 1
        } else {
            width = nil
            height = nil
        }
    }

    public init(parsing frame: [UInt8]) throws(CodecsError) {
        let result: Result<VP9FrameHeader, CodecsError> = frame.withUnsafeBytes { raw in
            do throws(CodecsError) { return .success(try VP9FrameHeader(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    private static func syncCode(_ r: inout BitReader) throws(CodecsError) {
        guard try r.bits(24) == 0x498342 else { throw .malformedVP9Frame(.badSyncCode) }
    }

    /// color_config() (§6.2.2); returns the bit depth.
    private static func colorConfig(_ r: inout BitReader, profile: UInt8) throws(CodecsError) -> Int {
        var depth = 8
        if profile >= 2 { depth = try r.flag() ? 12 : 10 }
        let colorSpace = try r.bits(3)
        if colorSpace != 7 {  // not CS_RGB
            _ = try r.bit()  // color_range
            if profile == 1 || profile == 3 {
                _ = try r.bits(2)
                guard try r.bit() == 0 else { throw .malformedVP9Frame(.reservedBitSet) }
            }
        } else if profile == 1 || profile == 3 {
            guard try r.bit() == 0 else { throw .malformedVP9Frame(.reservedBitSet) }
        } else {
            throw .malformedVP9Frame(.rgbInProfile0or2)
        }
        return depth
    }
}

/// Why a VP9 uncompressed header (VP9 spec §6.2) was rejected.
public enum VP9FrameFault: Equatable, Sendable {
    case truncated
    /// frame_marker is not 2.
    case badFrameMarker
    /// frame_sync_code is not 0x49 0x83 0x42.
    case badSyncCode
    /// A reserved_zero bit is 1.
    case reservedBitSet
    /// color_space CS_RGB, which profiles 0 and 2 do not allow.
    case rgbInProfile0or2
}
