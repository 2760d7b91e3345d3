import Codecs

/// Splits VP9 frames (one spatial layer) into RTP payloads, non-flexible
/// mode (RFC 9628 §4.2): every descriptor has I = 1 with a 15-bit picture ID
/// that increments per frame, B on the first packet, E on the last, P = 0
/// on keyframes only; a keyframe's first packet also carries the
/// scalability structure (V = 1: one spatial layer, Y = 1 with its size,
/// G = 0). The frame is cut into the fewest payloads of at most
/// `maxPayloadSize` octets, of nearly equal size. The caller sets the RTP
/// marker on the last payload.
///
/// Allocates the returned payload arrays (one per packet).
public struct VP9Packetizer: Sendable {
    public let maxPayloadSize: Int
    public private(set) var pictureID: UInt16

    public init(maxPayloadSize: Int = 1200, initialPictureID: UInt16 = 0) throws(MediaPipelineError) {
        guard maxPayloadSize >= 16 else { throw .invalidArgument("VP9 maxPayloadSize \(maxPayloadSize) is too small") }
        self.maxPayloadSize = maxPayloadSize
        pictureID = initialPictureID & 0x7FFF
    }

    /// The payloads of one frame; `width`/`height` go into the SS of a keyframe.
    public mutating func payloads(for frame: [UInt8], isKeyframe: Bool, width: Int, height: Int) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let id = pictureID
        pictureID = (pictureID &+ 1) & 0x7FFF
        let baseHeader = 3
        let ssSize = isKeyframe ? 5 : 0
        // The first packet carries the SS too: give every packet the larger header's room.
        let room = maxPayloadSize - baseHeader - ssSize
        let count = (frame.count + room - 1) / room
        let base = frame.count / count
        let extra = frame.count % count
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var offset = 0
        for index in 0..<count {
            let length = base + (index < extra ? 1 : 0)
            var payload: [UInt8] = []
            payload.reserveCapacity(baseHeader + ssSize + length)
            var first: UInt8 = 0x80  // I
            if !isKeyframe { first |= 0x40 }  // P
            if index == 0 { first |= 0x08 }  // B
            if index == count - 1 { first |= 0x04 }  // E
            let withSS = isKeyframe && index == 0
            if withSS { first |= 0x02 }  // V
            payload.append(first)
            payload.append(0x80 | UInt8(id >> 8))
            payload.append(UInt8(id & 0xFF))
            if withSS {
                payload.append(0x10)  // N_S = 0, Y = 1, G = 0
                payload.append(UInt8((width >> 8) & 0xFF)); payload.append(UInt8(width & 0xFF))
                payload.append(UInt8((height >> 8) & 0xFF)); payload.append(UInt8(height & 0xFF))
            }
            payload += frame[offset..<(offset + length)]
            out.append(payload)
            offset += length
        }
        return out
    }
}
