import Codecs

/// Puts AV1 temporal units back together from the RTP packets of one SSRC
/// (AOMedia "RTP Payload Format for AV1" v1.0), as Matroska `V_AV1` blocks
/// take them: the OBUs in low-overhead bitstream format, each with its
/// `obu_size` field, temporal delimiters left out (AV1-in-Matroska §"Block").
///
/// Every payload starts with the aggregation header `|Z|Y|W W|N|-|-|-|`
/// (§4.4): Z — the first OBU element continues an OBU fragment of the
/// previous packet; Y — the last element is continued in the next packet;
/// W — the number of OBU elements (0: every element has a `leb128` length;
/// 1-3: that many, the last without a length); N — the packet starts a new
/// coded video sequence. OBUs arrive without `obu_size` (senders remove it,
/// §4.3; one kept is honoured); temporal delimiter, tile list and padding
/// OBUs are dropped (§5).
///
/// A temporal unit is every packet with one RTP timestamp and contiguous
/// sequence numbers, ending at the marker bit (or at the next timestamp for
/// senders that omit it). Keyframes: a shown KEY_FRAME (the first frame
/// header's `frame_type`) with a sequence header — in the unit (N = 1 units
/// always carry one), else the stored one is put in front. Width and height
/// come from the sequence header (`max_frame_width/height`).
///
/// Loss and hostile input as `VP8Depacketizer` (both are
/// `VideoFrameAssembler`). Allocation: the unit is assembled in a reused
/// buffer the emitted frame shares, an OBU fragment in a second reused
/// buffer; storing a changed sequence header allocates.
public typealias AV1Depacketizer = VideoFrameAssembler<AV1PayloadFormat>

extension VideoFrameAssembler where Format == AV1PayloadFormat {
    /// - Parameter maxFrameSize: the largest temporal unit accepted (default 4 MiB).
    public init(maxFrameSize: Int = 4 << 20) {
        self.init(format: AV1PayloadFormat(), maxFrameSize: maxFrameSize)
    }

    /// Temporal units with no frame in them (only delimiters, metadata…), absorbed.
    public var emptyUnits: Int { format.emptyUnits }
    /// Packets with N = 1.
    public var newSequencePackets: Int { format.newSequencePackets }
    /// The sequence header OBU in use (with its size field), empty until known.
    public var sequenceHeaderOBU: [UInt8] { format.sequenceHeaderOBU }
    /// The parsed `sequenceHeaderOBU`.
    public var sequenceHeader: AV1SequenceHeader? { format.sequenceHeader }
}

/// AV1's part of `AV1Depacketizer` (AOMedia AV1 RTP v1.0): aggregation
/// headers, OBU elements and fragments into low-overhead OBUs, the sequence
/// header kept and put in front of keyframes that came without it.
public struct AV1PayloadFormat: VideoPayloadFormat {
    /// Temporal units with no frame in them (only delimiters, metadata…), absorbed.
    public private(set) var emptyUnits: Int = 0
    /// Packets with N = 1.
    public private(set) var newSequencePackets: Int = 0
    /// The sequence header OBU in use (with its size field), empty until known.
    public private(set) var sequenceHeaderOBU: [UInt8] = []
    public private(set) var sequenceHeader: AV1SequenceHeader?

    private var fragment: [UInt8] = []
    private var fragmentOpen = false
    private var sequenceHeaderRange: Range<Int>?
    private var sequenceHeaderPayload: Range<Int>?
    private var frameHeaderAt: Int?
    private var hasFrame = false

    public init() {
        fragment.reserveCapacity(16 * 1024)
    }

    /// A unit must not start inside an OBU (Z = 1).
    public func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        payload.count >= 1 && payload[0] & 0x80 != 0 ? .missingStart : nil
    }

    public func unfinished(next: UnsafeRawBufferPointer?) -> VideoDropReason? {
        fragmentOpen ? .malformed(.malformedAV1Payload(.unfinishedFragment)) : nil
    }

    public mutating func abandon() { fragmentOpen = false }

    // MARK: - Payload (§4.4)

    public mutating func append(_ payload: UnsafeRawBufferPointer, first: Bool, to buffer: inout [UInt8],
                                maxFrameSize: Int) -> VideoDropReason? {
        if first {
            fragment.removeAll(keepingCapacity: true)
            fragmentOpen = false
            sequenceHeaderRange = nil
            sequenceHeaderPayload = nil
            frameHeaderAt = nil
            hasFrame = false
        }
        guard payload.count >= 2 else { return .malformed(.malformedAV1Payload(.empty)) }
        let aggregation = payload[0]
        let z = aggregation & 0x80 != 0
        let y = aggregation & 0x40 != 0
        let w = Int((aggregation >> 4) & 0x03)
        if aggregation & 0x08 != 0 { newSequencePackets += 1 }
        if z != fragmentOpen { return .malformed(.malformedAV1Payload(.badFragment)) }
        var offset = 1
        var index = 0
        while offset < payload.count {
            let length: Int
            if w != 0 && index == w - 1 {
                length = payload.count - offset
            } else {
                guard let leb = readLEB128(payload, at: offset) else { return .malformed(.malformedAV1Payload(.badElement)) }
                offset += leb.length
                length = leb.value
            }
            guard length > 0, length <= payload.count - offset else { return .malformed(.malformedAV1Payload(.badElement)) }
            let element = UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + length)])
            offset += length
            let isLast = offset == payload.count
            let continues = isLast && y
            if index == 0 && z {
                guard element.count <= maxFrameSize - fragment.count else { return .malformed(.frameTooLarge(limit: maxFrameSize)) }
                fragment.append(contentsOf: element)
                if !continues {
                    fragmentOpen = false
                    let reason = fragment.withUnsafeBytes { writeOBU($0, to: &buffer, maxFrameSize: maxFrameSize) }
                    fragment.removeAll(keepingCapacity: true)
                    if let reason { return reason }
                }
            } else if continues {
                guard element.count <= maxFrameSize else { return .malformed(.frameTooLarge(limit: maxFrameSize)) }
                fragment.removeAll(keepingCapacity: true)
                fragment.append(contentsOf: element)
                fragmentOpen = true
            } else if let reason = writeOBU(element, to: &buffer, maxFrameSize: maxFrameSize) {
                return reason
            }
            index += 1
            if w != 0 && index == w && offset < payload.count { return .malformed(.malformedAV1Payload(.badElement)) }
        }
        if w != 0 && index != w { return .malformed(.malformedAV1Payload(.badElement)) }
        if index == 0 { return .malformed(.malformedAV1Payload(.empty)) }
        return nil
    }

    /// Writes one whole OBU into the unit in low-overhead format.
    private mutating func writeOBU(_ obu: UnsafeRawBufferPointer, to buffer: inout [UInt8],
                                   maxFrameSize: Int) -> VideoDropReason? {
        guard obu.count >= 1 else { return .malformed(.malformedAV1Payload(.badOBU)) }
        let header = obu[0]
        guard header & 0x80 == 0 else { return .malformed(.malformedAV1Payload(.badOBU)) }
        let type = (header >> 3) & 0x0F
        let headerLength = header & 0x04 != 0 ? 2 : 1
        guard obu.count >= headerLength else { return .malformed(.malformedAV1Payload(.badOBU)) }
        var start = headerLength
        var size = obu.count - start
        if header & 0x02 != 0 {
            guard let leb = readLEB128(obu, at: start), leb.value <= obu.count - start - leb.length else {
                return .malformed(.malformedAV1Payload(.badOBU))
            }
            start += leb.length
            size = leb.value
        }
        switch type {
        case AV1SequenceHeader.OBUType.temporalDelimiter, AV1SequenceHeader.OBUType.tileList,
             AV1SequenceHeader.OBUType.padding:
            return nil
        default: break
        }
        guard size + 12 <= maxFrameSize - buffer.count else { return .malformed(.frameTooLarge(limit: maxFrameSize)) }
        let obuStart = buffer.count
        buffer.append(header | 0x02)
        if headerLength == 2 { buffer.append(obu[1]) }
        appendLEB128(size, to: &buffer)
        let payloadStart = buffer.count
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: obu[start..<(start + size)]))
        switch type {
        case AV1SequenceHeader.OBUType.sequenceHeader:
            if sequenceHeaderRange == nil {
                sequenceHeaderRange = obuStart..<buffer.count
                sequenceHeaderPayload = payloadStart..<buffer.count
            }
        case AV1SequenceHeader.OBUType.frameHeader, AV1SequenceHeader.OBUType.frame:
            hasFrame = true
            if frameHeaderAt == nil { frameHeaderAt = payloadStart }
        case AV1SequenceHeader.OBUType.tileGroup:
            hasFrame = true
        default: break
        }
        return nil
    }

    // MARK: - Temporal units

    public mutating func complete(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion {
        if let range = sequenceHeaderRange, let payloadRange = sequenceHeaderPayload,
           !buffer[range].elementsEqual(sequenceHeaderOBU) {
            // A new sequence header: copied out (allocates only on a change).
            guard let parsed = try? AV1SequenceHeader(parsing: Array(buffer[payloadRange])) else {
                return .dropped(.malformed(.malformedAV1Payload(.badSequenceHeader)))
            }
            sequenceHeader = parsed
            sequenceHeaderOBU = Array(buffer[range])
        }
        guard hasFrame else {
            emptyUnits += 1
            return .absorbed
        }
        // frame_type of the first frame header (§5.9.2): KEY_FRAME = 0, shown.
        var isKey = false
        if let at = frameHeaderAt, let seq = sequenceHeader {
            if seq.reducedStillPictureHeader {
                isKey = true
            } else if at < buffer.count {
                let b = buffer[at]
                let showExisting = b & 0x80 != 0
                let frameType = (b >> 5) & 0x03
                let showFrame = b & 0x10 != 0
                isKey = !showExisting && frameType == 0 && showFrame
            }
        }
        if isKey && sequenceHeaderRange == nil {
            guard sequenceHeaderOBU.count <= maxFrameSize - buffer.count else {
                return .dropped(.malformed(.frameTooLarge(limit: maxFrameSize)))
            }
            buffer.insert(contentsOf: sequenceHeaderOBU, at: 0)
        }
        var width: Int?
        var height: Int?
        if isKey, let seq = sequenceHeader {
            width = seq.maxWidth
            height = seq.maxHeight
        }
        return .frame(isKeyframe: isKey, width: width, height: height, pictureID: nil)
    }
}
