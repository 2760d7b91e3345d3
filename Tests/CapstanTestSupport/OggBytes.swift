/// Ogg pages (RFC 3533 §6) with any granule position, flags and lacing.
public enum OggBytes {
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for byte in bytes {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }

    /// One page: `segments` is the lacing table as written (nil: computed
    /// from `packets`, each ending on this page).
    public static func page(granule: Int64, sequence: UInt32, flags: UInt8 = 0, serial: UInt32 = 0x0CA9_57A1,
                     packets: [[UInt8]], segments: [UInt8]? = nil) -> [UInt8] {
        var lacing: [UInt8] = []
        for p in packets {
            lacing += Array(repeating: 255, count: p.count / 255) + [UInt8(p.count % 255)]
        }
        let table = segments ?? lacing
        var header: [UInt8] = Array("OggS".utf8) + [0, flags]
        header += withUnsafeBytes(of: granule.littleEndian) { Array($0) }
        header += withUnsafeBytes(of: serial.littleEndian) { Array($0) }
        header += withUnsafeBytes(of: sequence.littleEndian) { Array($0) }
        header += [0, 0, 0, 0, UInt8(table.count)] + table
        var page = header + packets.flatMap { $0 }
        let crc = crc32(page)
        for i in 0..<4 { page[22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return page
    }

    public static func opusHead(channels: UInt8 = 1, preSkip: UInt16 = 312, family: UInt8 = 0, extra: [UInt8] = []) -> [UInt8] {
        Array("OpusHead".utf8) + [1, channels, UInt8(preSkip & 0xFF), UInt8(preSkip >> 8), 0x80, 0xBB, 0, 0, 0, 0, family] + extra
    }

    public static let opusTags: [UInt8] = Array("OpusTags".utf8) + [4, 0, 0, 0] + Array("test".utf8) + [0, 0, 0, 0]

    /// A well-formed 20 ms CELT packet (config 31, one frame).
    public static let packet: [UInt8] = [0xF8, 0xFF, 0xFE]

    /// BOS page with OpusHead, a page with OpusTags, then `audio`.
    public static func file(head: [UInt8] = opusHead(), audio: [[UInt8]]) -> [UInt8] {
        page(granule: 0, sequence: 0, flags: 0x02, packets: [head])
            + page(granule: 0, sequence: 1, packets: [opusTags])
            + audio.flatMap { $0 }
    }
}
