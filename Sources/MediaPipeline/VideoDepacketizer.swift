/// The depacketizer of a video track, for whichever codec was negotiated:
/// one type for the receive path, the codec chosen once at creation.
///
/// The codec-specific depacketizer is stored inline and mutated in place
/// (no existential, no copy per packet), so the allocation rules of
/// `VP8Depacketizer`, `VP9Depacketizer`, `AV1Depacketizer` and `H264Depacketizer` hold through it.
public struct VideoDepacketizer: Sendable {
    public let codec: VideoCodec
    private var vp8: VP8Depacketizer?
    private var h264: H264Depacketizer?
    private var vp9: VP9Depacketizer?
    private var av1: AV1Depacketizer?

    /// - Parameter formatParameters: the negotiated fmtp (H.264 reads
    ///   `sprop-parameter-sets` from it).
    public init(codec: VideoCodec, formatParameters: String? = nil, maxFrameSize: Int = 4 << 20) {
        self.codec = codec
        switch codec {
        case .vp8: vp8 = VP8Depacketizer(maxFrameSize: maxFrameSize)
        case .vp9: vp9 = VP9Depacketizer(maxFrameSize: maxFrameSize)
        case .av1: av1 = AV1Depacketizer(maxFrameSize: maxFrameSize)
        case .h264:
            h264 = H264Depacketizer(maxFrameSize: maxFrameSize,
                                    spropParameterSets: Self.parameter("sprop-parameter-sets", in: formatParameters))
        }
    }

    /// Takes the next packet in sequence order (see the codec's depacketizer).
    @inline(__always)
    public mutating func push(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer,
                              into events: inout [VideoDepacketizerEvent]) {
        switch codec {
        case .vp8: vp8!.push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        case .h264: h264!.push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        case .vp9: vp9!.push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        case .av1: av1!.push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        }
    }

    /// Packets were lost: see the codec's depacketizer. Returns false when
    /// the loss only cut off a frame that was salvaged (VP9 upper layers).
    @discardableResult
    public mutating func handleGap(into events: inout [VideoDepacketizerEvent]) -> Bool {
        switch codec {
        case .vp8: vp8!.handleGap(into: &events)
        case .h264: h264!.handleGap(into: &events)
        case .vp9: vp9!.handleGap(into: &events)
        case .av1: av1!.handleGap(into: &events)
        }
    }

    /// H.264: the SPS and PPS in use, once both are known.
    public var parameterSets: (sps: [UInt8], pps: [UInt8])? {
        guard let h264, !h264.sequenceParameterSet.isEmpty, !h264.pictureParameterSet.isEmpty else { return nil }
        return (h264.sequenceParameterSet, h264.pictureParameterSet)
    }

    /// AV1: the `av1C` CodecPrivate from the sequence header in use, once known.
    public var av1CodecConfiguration: [UInt8]? {
        guard let av1, let header = av1.sequenceHeader else { return nil }
        return header.codecConfigurationRecord(sequenceHeaderOBU: av1.sequenceHeaderOBU)
    }

    public var framesAssembled: Int { vp8?.framesAssembled ?? h264?.framesAssembled ?? vp9?.framesAssembled ?? av1?.framesAssembled ?? 0 }
    public var keyframesAssembled: Int { vp8?.keyframesAssembled ?? h264?.keyframesAssembled ?? vp9?.keyframesAssembled ?? av1?.keyframesAssembled ?? 0 }
    public var framesDropped: Int { vp8?.framesDropped ?? h264?.framesDropped ?? vp9?.framesDropped ?? av1?.framesDropped ?? 0 }

    /// The value of `name` in an fmtp parameter list (`a=1;b=2`), if present.
    public static func parameter(_ name: String, in formatParameters: String?) -> String? {
        guard let formatParameters else { return nil }
        for item in formatParameters.split(separator: ";") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0].trimmingSpaces.lowercased() == name.lowercased() { return String(parts[1].trimmingSpaces) }
        }
        return nil
    }
}
