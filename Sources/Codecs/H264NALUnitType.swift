/// The `nal_unit_type` values Capstan looks at (ITU-T H.264 Table 7-1), and
/// the RTP payload structures of RFC 6184 §5.2 that share the field.
public enum H264NALUnitType {
    public static let nonIDRSlice: UInt8 = 1
    public static let idrSlice: UInt8 = 5
    public static let sei: UInt8 = 6
    public static let sps: UInt8 = 7
    public static let pps: UInt8 = 8
    public static let accessUnitDelimiter: UInt8 = 9
    /// RFC 6184 §5.7.1, §5.8.
    public static let stapA: UInt8 = 24
    public static let fuA: UInt8 = 28

    /// The type in a NAL unit header byte (its low 5 bits).
    @inline(__always)
    public static func of(_ header: UInt8) -> UInt8 { header & 0x1F }

    /// 1-23: a single NAL unit (RFC 6184 §5.6); 0 and 24-31 are not NAL units.
    @inline(__always)
    public static func isNALUnit(_ type: UInt8) -> Bool { type >= 1 && type <= 23 }

    /// A coded slice (1-5): the picture's data.
    @inline(__always)
    public static func isSlice(_ type: UInt8) -> Bool { type >= 1 && type <= 5 }
}
