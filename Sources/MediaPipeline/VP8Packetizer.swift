import RTP

/// Splits VP8 frames into RTP payloads (RFC 7741 §4.1, §4.2, §5).
///
/// Every payload starts with a 4-octet descriptor: X = 1, I = 1 and a 15-bit
/// PictureID (M = 1) that increments per frame; S = 1 and PID = 0 on the first
/// packet of a frame, S = 0 on the others. The frame is cut into the fewest
/// payloads of at most `maxPayloadSize` octets, of nearly equal size (sizes differ
/// by at most one octet), so the last packet is not a runt. The RTP marker bit goes
/// on the last packet of each frame (RFC 7741 §4.1).
///
/// Allocates the returned payload arrays (one per packet).
public struct VP8Packetizer: Sendable {
    /// The largest RTP payload produced, descriptor included.
    public let maxPayloadSize: Int
    /// The PictureID the next frame gets (15 bits).
    public private(set) var nextPictureID: UInt16

    /// The size of the descriptor this packetizer writes.
    public static let descriptorSize = 4

    /// Creates a packetizer.
    ///
    /// - Parameters:
    ///   - maxPayloadSize: the payload budget per packet (MTU minus IP, UDP, SRTP
    ///     and RTP overhead); at least `descriptorSize + 1`.
    ///   - initialPictureID: the first frame's PictureID (taken modulo 2^15).
    /// - Throws: `MediaPipelineError.invalidArgument` when `maxPayloadSize` is too small.
    public init(maxPayloadSize: Int = 1200, initialPictureID: UInt16 = 0) throws(MediaPipelineError) {
        guard maxPayloadSize > Self.descriptorSize else {
            throw .invalidArgument("VP8 maxPayloadSize \(maxPayloadSize) leaves no room for data")
        }
        self.maxPayloadSize = maxPayloadSize
        self.nextPictureID = initialPictureID & 0x7FFF
    }

    /// The RTP payloads of one frame, in order; the caller sets the marker bit on
    /// the last. Advances the PictureID. An empty frame gives no payloads.
    public mutating func payloads(for frame: [UInt8], isNonReference: Bool = false) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let pictureID = VP8PictureID.long(nextPictureID)
        nextPictureID = (nextPictureID &+ 1) & 0x7FFF
        let room = maxPayloadSize - Self.descriptorSize
        let count = (frame.count + room - 1) / room
        let base = frame.count / count
        let extra = frame.count % count  // the first `extra` packets carry one more octet
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(count)
        var offset = 0
        for index in 0..<count {
            let length = base + (index < extra ? 1 : 0)
            let descriptor = VP8PayloadDescriptor(
                isNonReference: isNonReference, isStartOfPartition: index == 0, partitionIndex: 0,
                pictureID: pictureID)
            var payload: [UInt8] = []
            payload.reserveCapacity(Self.descriptorSize + length)
            descriptor.write(to: &payload)
            payload.append(contentsOf: frame[offset..<offset + length])
            payloads.append(payload)
            offset += length
        }
        return payloads
    }

    /// The RTP packets of one frame: payloads from `payloads(for:)`, numbered by
    /// `sequencer`, all with `timestamp`, the marker on the last.
    public mutating func packets(
        for frame: [UInt8], timestamp: UInt32, sequencer: inout RTPSequencer, isNonReference: Bool = false
    ) -> [RTPPacket] {
        let payloads = payloads(for: frame, isNonReference: isNonReference)
        var packets: [RTPPacket] = []
        packets.reserveCapacity(payloads.count)
        for (index, payload) in payloads.enumerated() {
            packets.append(sequencer.makePacket(payload: payload, timestamp: timestamp,
                                                marker: index == payloads.count - 1))
        }
        return packets
    }
}
