import Codecs

/// Splits H.264 access units into RTP payloads, packetization-mode 1
/// (RFC 6184 §5.6-5.8): NAL units that fit alone go as single NAL unit
/// packets; runs of small ones (SPS, PPS, SEI) that fit together are
/// aggregated into one STAP-A (§5.7.1); larger ones are cut into FU-A
/// fragments (§5.8) of nearly equal size. The caller sets the RTP marker bit
/// on the last payload of the access unit (§5.1).
///
/// Allocates the returned payload arrays (one per packet).
public struct H264Packetizer: Sendable {
    /// The largest RTP payload produced.
    public let maxPayloadSize: Int

    /// - Throws: `MediaPipelineError.invalidArgument` below 16 octets.
    public init(maxPayloadSize: Int = 1200) throws(MediaPipelineError) {
        guard maxPayloadSize >= 16 else { throw .invalidArgument("H.264 maxPayloadSize \(maxPayloadSize) is too small") }
        self.maxPayloadSize = maxPayloadSize
    }

    /// The payloads of one Annex B access unit, in order.
    public func payloads(forAnnexB accessUnit: [UInt8]) -> [[UInt8]] {
        payloads(nalUnits: AnnexB.nalUnits(in: accessUnit).map { accessUnit[$0] })
    }

    /// The payloads of an access unit given as its NAL units (headers included).
    public func payloads(nalUnits: [ArraySlice<UInt8>]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var pending: [ArraySlice<UInt8>] = []
        var pendingSize = 1  // the STAP-A header

        func flush() {
            if pending.count == 1 {
                out.append(Array(pending[0]))
            } else if pending.count > 1 {
                var stap: [UInt8] = []
                stap.reserveCapacity(pendingSize)
                // F: any F set; NRI: the highest of the units (RFC 6184 §5.7.1).
                let f = pending.reduce(UInt8(0)) { $0 | ($1.first! & 0x80) }
                let nri = pending.reduce(UInt8(0)) { max($0, $1.first! & 0x60) }
                stap.append(f | nri | H264NALUnitType.stapA)
                for nal in pending {
                    stap.append(UInt8(nal.count >> 8))
                    stap.append(UInt8(nal.count & 0xFF))
                    stap += nal
                }
                out.append(stap)
            }
            pending.removeAll()
            pendingSize = 1
        }

        for nal in nalUnits where !nal.isEmpty {
            if nal.count <= maxPayloadSize {
                if pendingSize + 2 + nal.count > maxPayloadSize { flush() }
                pending.append(nal)
                pendingSize += 2 + nal.count
                continue
            }
            flush()
            let header = nal.first!
            let body = nal.dropFirst()
            let room = maxPayloadSize - 2
            let count = (body.count + room - 1) / room
            let base = body.count / count
            let extra = body.count % count
            var offset = body.startIndex
            for index in 0..<count {
                let length = base + (index < extra ? 1 : 0)
                var fu: [UInt8] = []
                fu.reserveCapacity(2 + length)
                fu.append(header & 0xE0 | H264NALUnitType.fuA)
                var fuHeader = header & 0x1F
                if index == 0 { fuHeader |= 0x80 }
                if index == count - 1 { fuHeader |= 0x40 }
                fu.append(fuHeader)
                fu += body[offset..<(offset + length)]
                out.append(fu)
                offset += length
            }
        }
        flush()
        return out
    }
}
