/// The fields of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1)
/// that a recorder needs: profile and level for `avcC`, chroma format and
/// bit depths (High profiles), and the picture size after cropping.
///
/// Parsed from peer data: every read is bounds-checked, every count bounded,
/// arithmetic in `Int` from values ≤ 2^32, sizes checked against 16 384 px.
public struct H264SequenceParameterSet: Sendable, Equatable {
    public var profileIDC: UInt8
    public var constraintFlags: UInt8
    public var levelIDC: UInt8
    public var id: UInt32
    /// 0 monochrome, 1 4:2:0 (default), 2 4:2:2, 3 4:4:4.
    public var chromaFormatIDC: UInt32
    public var bitDepthLumaMinus8: UInt32
    public var bitDepthChromaMinus8: UInt32
    /// Picture size in pixels, cropping applied (§7.4.2.1.1, Table 6-1).
    public var width: Int
    public var height: Int

    /// The largest width or height accepted.
    public static let maxDimension = 16_384

    /// Profiles whose SPS carries chroma format, bit depths and scaling lists.
    static let highProfiles: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// Parses a whole SPS NAL unit, header byte included.
    public init(parsing nal: UnsafeRawBufferPointer) throws(CodecsError) {
        guard nal.count >= 4, H264NALUnitType.of(nal[0]) == H264NALUnitType.sps else {
            throw .malformedH264(.notSPS)
        }
        var r = H264BitReader(UnsafeRawBufferPointer(rebasing: nal[1...]))
        profileIDC = UInt8(try r.bits(8))
        constraintFlags = UInt8(try r.bits(8))
        levelIDC = UInt8(try r.bits(8))
        id = try r.ue()
        guard id <= 31 else { throw .malformedH264(.outOfRange("seq_parameter_set_id")) }
        chromaFormatIDC = 1
        bitDepthLumaMinus8 = 0
        bitDepthChromaMinus8 = 0
        var separateColourPlane = false
        if Self.highProfiles.contains(profileIDC) {
            chromaFormatIDC = try r.ue()
            guard chromaFormatIDC <= 3 else { throw .malformedH264(.outOfRange("chroma_format_idc")) }
            if chromaFormatIDC == 3 { separateColourPlane = try r.flag() }
            bitDepthLumaMinus8 = try r.ue()
            bitDepthChromaMinus8 = try r.ue()
            guard bitDepthLumaMinus8 <= 6, bitDepthChromaMinus8 <= 6 else {
                throw .malformedH264(.outOfRange("bit_depth"))
            }
            _ = try r.flag()  // qpprime_y_zero_transform_bypass_flag
            if try r.flag() {  // seq_scaling_matrix_present_flag
                let lists = chromaFormatIDC != 3 ? 8 : 12
                for i in 0..<lists where try r.flag() {
                    try Self.skipScalingList(&r, size: i < 6 ? 16 : 64)
                }
            }
        }
        _ = try r.ue()  // log2_max_frame_num_minus4
        let pocType = try r.ue()
        switch pocType {
        case 0:
            _ = try r.ue()  // log2_max_pic_order_cnt_lsb_minus4
        case 1:
            _ = try r.flag()  // delta_pic_order_always_zero_flag
            _ = try r.se()  // offset_for_non_ref_pic
            _ = try r.se()  // offset_for_top_to_bottom_field
            let cycle = try r.ue()
            guard cycle <= 255 else { throw .malformedH264(.outOfRange("num_ref_frames_in_pic_order_cnt_cycle")) }
            for _ in 0..<cycle { _ = try r.se() }
        case 2:
            break
        default:
            throw .malformedH264(.outOfRange("pic_order_cnt_type"))
        }
        _ = try r.ue()  // max_num_ref_frames
        _ = try r.flag()  // gaps_in_frame_num_value_allowed_flag
        let widthInMbs = Int(try r.ue()) + 1
        let heightInMapUnits = Int(try r.ue()) + 1
        let frameMbsOnly = try r.flag()
        if !frameMbsOnly { _ = try r.flag() }  // mb_adaptive_frame_field_flag
        _ = try r.flag()  // direct_8x8_inference_flag
        var crop = (left: 0, right: 0, top: 0, bottom: 0)
        if try r.flag() {  // frame_cropping_flag
            crop = (Int(try r.ue()), Int(try r.ue()), Int(try r.ue()), Int(try r.ue()))
        }
        // Table 6-1 and §7.4.2.1.1 (frame_crop_*_offset).
        let chromaArrayType = separateColourPlane ? 0 : chromaFormatIDC
        let fieldFactor = frameMbsOnly ? 1 : 2
        let cropUnitX: Int
        let cropUnitY: Int
        if chromaArrayType == 0 {
            cropUnitX = 1
            cropUnitY = fieldFactor
        } else {
            cropUnitX = chromaArrayType == 3 ? 1 : 2
            cropUnitY = (chromaArrayType == 1 ? 2 : 1) * fieldFactor
        }
        let fullWidth = widthInMbs * 16
        let fullHeight = fieldFactor * heightInMapUnits * 16
        guard fullWidth <= Self.maxDimension * 2, fullHeight <= Self.maxDimension * 2 else {
            throw .malformedH264(.outOfRange("picture size"))
        }
        width = fullWidth - cropUnitX * (crop.left + crop.right)
        height = fullHeight - cropUnitY * (crop.top + crop.bottom)
        guard (1...Self.maxDimension).contains(width), (1...Self.maxDimension).contains(height) else {
            throw .malformedH264(.outOfRange("picture size"))
        }
    }

    /// Parses a whole SPS NAL unit from an array.
    public init(parsing nal: [UInt8]) throws(CodecsError) {
        let result: Result<H264SequenceParameterSet, CodecsError> = nal.withUnsafeBytes { raw in
            do throws(CodecsError) { return .success(try H264SequenceParameterSet(parsing: raw)) } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// scaling_list() (§7.3.2.1.1.1): read and thrown away.
    private static func skipScalingList(_ r: inout H264BitReader, size: Int) throws(CodecsError) {
        var last: Int64 = 8
        var next: Int64 = 8
        for _ in 0..<size where next != 0 {
            let delta = try r.se()
            guard (-128...127).contains(delta) else { throw .malformedH264(.outOfRange("delta_scale")) }
            next = (last + delta + 256) % 256
            if next != 0 { last = next }
        }
    }

    /// `first_mb_in_slice` of a slice NAL unit (§7.3.3): 0 when the slice
    /// starts the picture. Nil when the slice header is truncated.
    public static func firstMacroblock(ofSlice nal: UnsafeRawBufferPointer) -> UInt32? {
        guard nal.count >= 2 else { return nil }
        var r = H264BitReader(UnsafeRawBufferPointer(rebasing: nal[1...]))
        return try? r.ue()
    }
}
