import Codecs
import MediaPipeline

/// VP9 (RFC 9628) and AV1 (AV1 RTP) payload parsers and depacketizers.
enum VideoTargets {
    @Sendable static func vp9(_ data: UnsafeRawBufferPointer) {
        // The whole input as one payload: descriptor, then the uncompressed header after it.
        if let descriptor = try? VP9PayloadDescriptor(parsing: data) {
            fuzzCheck(descriptor.encodedSize <= data.count, "descriptor size \(descriptor.encodedSize) > \(data.count)")
            for layer in 0..<8 { _ = descriptor.layerSize(layer, in: data) }
            _ = try? VP9FrameHeader(parsing: UnsafeRawBufferPointer(rebasing: data[descriptor.encodedSize...]))
        }
        sequence(.vp9, data)
    }

    @Sendable static func av1(_ data: UnsafeRawBufferPointer) {
        // The whole input as a temporal unit (OBU walk, sequence header) and as a sequence header payload.
        let bytes = Array(data)
        for obu in AV1OBUs.walk(bytes) {
            fuzzCheck(obu.obu.upperBound <= bytes.count && obu.payload.upperBound <= obu.obu.upperBound, "OBU range")
        }
        if let (header, obu) = AV1OBUs.sequenceHeader(in: bytes) {
            let record = header.codecConfigurationRecord(sequenceHeaderOBU: obu)
            fuzzCheck(record.count == 4 + obu.count && record[0] == 0x81, "av1C")
        }
        _ = try? AV1SequenceHeader(parsing: data)
        sequence(.av1, data)
    }

    /// A packet sequence: [flags][timestamp step][length] payload … (as the vp8 target);
    /// flags: bit 0 marker, bit 1 sequence gap, bit 2 reordered by one, bit 3 a reported gap.
    static func sequence(_ codec: VideoCodec, _ data: UnsafeRawBufferPointer) {
        var reader = FuzzReader(data)
        var depacketizer = VideoDepacketizer(codec: codec, maxFrameSize: 64 * 1024)
        var sequence: UInt16 = 0xFFF0, timestamp: UInt32 = 0xFFFF_0000
        var events: [VideoDepacketizerEvent] = []
        var frames = 0, keyframes = 0
        while !reader.isAtEnd {
            let flags = reader.u8()
            let step = reader.u8()
            let payload = reader.take(Int(reader.u8()) + 1)
            if flags & 2 != 0 { sequence &+= UInt16(flags >> 4) }
            if flags & 4 != 0 { sequence &-= 2 }
            timestamp &+= UInt32(step) &* 750
            events.removeAll(keepingCapacity: true)
            if flags & 8 != 0 { depacketizer.handleGap(into: &events) }
            depacketizer.push(sequenceNumber: sequence, timestamp: timestamp, marker: flags & 1 != 0, payload: payload,
                              into: &events)
            sequence &+= 1
            for event in events {
                if case .frame(let frame) = event {
                    frames += 1
                    if frame.isKeyframe { keyframes += 1 }
                    fuzzCheck(!frame.data.isEmpty && frame.data.count <= 64 * 1024, "frame of \(frame.data.count) bytes")
                    fuzzCheck(!frame.isKeyframe || (frame.width ?? 0) > 0, "keyframe without a size")
                    if codec == .av1 {
                        // What the AV1 depacketizer writes is low-overhead format: every byte in an OBU.
                        fuzzCheck(AV1OBUs.walk(frame.data).last?.obu.upperBound == frame.data.count, "AV1 unit does not walk to its end")
                    }
                }
            }
        }
        fuzzCheck(depacketizer.framesAssembled == frames && depacketizer.keyframesAssembled == keyframes,
                  "counters \(depacketizer.framesAssembled)/\(depacketizer.keyframesAssembled) vs events \(frames)/\(keyframes)")
    }
}
