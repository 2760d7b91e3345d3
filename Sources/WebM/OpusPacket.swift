/// Opus packet duration from its TOC byte (RFC 6716 §3.1), used for Duration.
enum OpusPacket {
    /// Duration of the packet in ns, or nil if it is malformed.
    static func durationNs(_ packet: UnsafeRawBufferPointer) -> Int64? {
        guard let toc = packet.first else { return nil }
        let config = Int(toc >> 3)
        // Frame length in tenths of a ms (2.5 ms is the smallest); no
        // arrays, so it never allocates.
        let frameTenthsMs: Int64
        switch config {
        case 0...11: frameTenthsMs = config % 4 == 3 ? 600 : 100 << Int64(config % 4)  // SILK 10/20/40/60
        case 12...15: frameTenthsMs = config % 2 == 0 ? 100 : 200                       // Hybrid 10/20
        default: frameTenthsMs = 25 << Int64(config % 4)                                // CELT 2.5/5/10/20
        }
        let frames: Int64
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard packet.count >= 2 else { return nil }
            frames = Int64(packet[1] & 0x3F)
        }
        let total = frames * frameTenthsMs
        guard total > 0, total <= 1200 else { return nil }  // at most 120 ms
        return total * 100_000
    }
}
