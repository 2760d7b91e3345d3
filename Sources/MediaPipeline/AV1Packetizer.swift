import Codecs

/// Splits AV1 temporal units into RTP payloads (AOMedia RTP payload format
/// for AV1, §4): temporal delimiters, tile lists and padding are left out
/// (§5), the other OBUs go without their `obu_size` field, each as an OBU
/// element with a `leb128` length (W = 0); an OBU that does not fit is cut
/// into fragments (Y on the packet it continues from, Z on the next). N = 1
/// on the first packet of a keyframe unit (it starts a coded video
/// sequence). The caller sets the RTP marker on the last payload.
///
/// Allocates the returned payload arrays.
public struct AV1Packetizer: Sendable {
    public let maxPayloadSize: Int

    public init(maxPayloadSize: Int = 1200) throws(MediaPipelineError) {
        guard maxPayloadSize >= 16 else { throw .invalidArgument("AV1 maxPayloadSize \(maxPayloadSize) is too small") }
        self.maxPayloadSize = maxPayloadSize
    }

    /// The payloads of one temporal unit in low-overhead format.
    public func payloads(forTemporalUnit unit: [UInt8], isKeyframe: Bool) -> [[UInt8]] {
        var obus: [[UInt8]] = []
        for obu in AV1OBUs.walk(unit) {
            switch obu.type {
            case AV1SequenceHeader.OBUType.temporalDelimiter, AV1SequenceHeader.OBUType.tileList,
                 AV1SequenceHeader.OBUType.padding: continue
            default: break
            }
            let header = unit[obu.obu.lowerBound]
            var element: [UInt8] = [header & ~0x02]
            if header & 0x04 != 0 { element.append(unit[obu.obu.lowerBound + 1]) }
            element += unit[obu.payload]
            obus.append(element)
        }
        var out: [[UInt8]] = []
        var packet: [UInt8] = [isKeyframe ? 0x08 : 0x00]
        for obu in obus {
            var offset = 0
            while offset < obu.count {
                let room = maxPayloadSize - packet.count
                let lengthBytes = room - 1 > 127 ? 2 : 1
                let take = min(obu.count - offset, room - lengthBytes)
                if take <= 0 {
                    out.append(packet)
                    packet = [0x00]
                    continue
                }
                appendLEB128(take, to: &packet)
                packet += obu[offset..<(offset + take)]
                offset += take
                if offset < obu.count {
                    packet[0] |= 0x40  // Y: continued in the next packet
                    out.append(packet)
                    packet = [0x80]  // Z: starts with the continuation
                }
            }
        }
        if packet.count > 1 { out.append(packet) }
        return out
    }
}
