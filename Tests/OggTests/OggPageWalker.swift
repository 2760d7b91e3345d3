import Foundation

/// An independent, minimal Ogg page walker (RFC 3533 §6) used only to check
/// the writer's and reader's results against the raw bytes. No CRC check.
struct RawOggPage {
    var offset: Int
    var length: Int
    var flags: UInt8
    var granule: Int64
    var serial: UInt32
    var sequence: UInt32
    var lacing: [UInt8]
    var body: Data
    /// Packets that end on this page (lacing values below 255).
    var packetsCompleted: Int { lacing.filter { $0 < 255 }.count }
    var isBOS: Bool { flags & 0x02 != 0 }
    var isEOS: Bool { flags & 0x04 != 0 }
}

/// Complete pages at the start of `data`, stopping at the first incomplete one.
func walkPages(_ data: Data) -> [RawOggPage] {
    let bytes = [UInt8](data)
    var pages: [RawOggPage] = []
    var pos = 0
    func le(_ at: Int, _ n: Int) -> UInt64 {
        (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
    while pos + 27 <= bytes.count, bytes[pos..<pos + 4].elementsEqual("OggS".utf8) {
        let segments = Int(bytes[pos + 26])
        guard pos + 27 + segments <= bytes.count else { break }
        let lacing = Array(bytes[(pos + 27)..<(pos + 27 + segments)])
        let bodyLength = lacing.reduce(0) { $0 + Int($1) }
        let total = 27 + segments + bodyLength
        guard pos + total <= bytes.count else { break }
        pages.append(RawOggPage(offset: pos, length: total, flags: bytes[pos + 5],
                                granule: Int64(bitPattern: le(pos + 6, 8)), serial: UInt32(le(pos + 14, 4)),
                                sequence: UInt32(le(pos + 18, 4)), lacing: lacing,
                                body: Data(bytes[(pos + 27 + segments)..<(pos + total)])))
        pos += total
    }
    return pages
}
