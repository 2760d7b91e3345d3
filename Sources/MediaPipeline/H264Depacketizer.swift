import Codecs

/// Puts H.264 access units back together from the RTP packets of one SSRC
/// (RFC 6184, packetization-mode 0 and 1: single NAL unit packets §5.6,
/// STAP-A §5.7.1, FU-A §5.8), as 4-byte length-prefixed NAL units: what
/// Matroska's `V_MPEG4/ISO/AVC` blocks hold (ISO/IEC 14496-15 §5.3.4.2).
///
/// Feed it packets in sequence order (the output of a `JitterBuffer`) and
/// tell it about gaps, as `VP8Depacketizer`. An access unit is every packet
/// with one RTP timestamp and contiguous sequence numbers; it ends at the
/// marker bit (RFC 6184 §5.1), or — for senders that omit it — when the next
/// contiguous packet has a new timestamp. Its first slice must start the
/// picture (`first_mb_in_slice` = 0), else its start was lost.
///
/// Keyframes: an access unit with an IDR slice (type 5), once an SPS and a
/// PPS are known — from `sprop-parameter-sets` (RFC 6184 §8.1) or in-band.
/// Every keyframe handed out carries its SPS and PPS in-band (the stored ones
/// are put in front when the sender sent them earlier or only in SDP), so a
/// decoder can start at any keyframe and a new SPS mid-stream (a resolution
/// change) reaches it with the picture that uses it. Width and height come
/// from the SPS, cropping applied. An IDR without known parameter sets is
/// handed out as a non-keyframe (a `VideoGate` holds it back and the
/// keyframe requester asks again).
///
/// Access units that hold no slice (parameter sets or SEI alone, as some
/// senders put them under a timestamp of their own) are absorbed: their
/// parameter sets are stored, nothing is emitted.
///
/// Hostile input: every length is checked against the payload, the frame
/// is bounded by `maxFrameSize`, parameter sets by `maxParameterSetSize`;
/// what breaks RFC 6184 is reported as `.dropped` with the reason, never a trap.
///
/// Allocation: as `VP8Depacketizer` (both are `VideoFrameAssembler`), the
/// access unit is assembled in a reused buffer that the emitted frame shares;
/// nothing is allocated per packet in steady state. Storing a changed SPS or
/// PPS allocates.
public typealias H264Depacketizer = VideoFrameAssembler<H264PayloadFormat>

extension VideoFrameAssembler where Format == H264PayloadFormat {
    /// Creates a depacketizer.
    ///
    /// - Parameters:
    ///   - maxFrameSize: the largest access unit accepted (default 4 MiB).
    ///   - spropParameterSets: the `sprop-parameter-sets` value of the SDP
    ///     fmtp (comma-separated base64 NAL units), if any; unusable entries
    ///     are ignored (in-band parameter sets still work).
    public init(maxFrameSize: Int = 4 << 20, spropParameterSets: String? = nil) {
        self.init(format: H264PayloadFormat(spropParameterSets: spropParameterSets), maxFrameSize: maxFrameSize)
    }

    /// The largest SPS or PPS stored.
    public static var maxParameterSetSize: Int { H264PayloadFormat.maxParameterSetSize }
    /// Access units without a slice (parameter sets, SEI) absorbed.
    public var nonPictureUnits: Int { format.nonPictureUnits }
    /// Times a different SPS or PPS was stored (the first one included).
    public var parameterSetChanges: Int { format.parameterSetChanges }
    /// The SPS in use (whole NAL unit), empty until known.
    public var sequenceParameterSet: [UInt8] { format.sequenceParameterSet }
    /// The PPS in use (whole NAL unit), empty until known.
    public var pictureParameterSet: [UInt8] { format.pictureParameterSet }
    /// The parsed `sequenceParameterSet`.
    public var sequenceParameters: H264SequenceParameterSet? { format.sequenceParameters }
}

/// H.264's part of `H264Depacketizer` (RFC 6184): single NAL unit, STAP-A and
/// FU-A payloads into length-prefixed NAL units, parameter sets kept and put
/// in front of keyframes that came without them.
public struct H264PayloadFormat: VideoPayloadFormat {
    /// The largest SPS or PPS stored.
    public static let maxParameterSetSize = 1024
    /// Access units without a slice (parameter sets, SEI) absorbed.
    public private(set) var nonPictureUnits: Int = 0
    /// Times a different SPS or PPS was stored (the first one included).
    public private(set) var parameterSetChanges: Int = 0
    /// The SPS and PPS in use (whole NAL units), empty until known.
    public private(set) var sequenceParameterSet: [UInt8] = []
    public private(set) var pictureParameterSet: [UInt8] = []
    /// The parsed `sequenceParameterSet`.
    public private(set) var sequenceParameters: H264SequenceParameterSet?

    /// The stored SPS and PPS, length-prefixed: what goes in front of a
    /// keyframe that came without them.
    private var parameterSetPrefix: [UInt8] = []
    /// Where the open FU-A NAL unit's length field is in the frame buffer.
    private var fragmentLengthOffset: Int?
    private var fragmentType: UInt8 = 0

    /// - Parameter spropParameterSets: see `H264Depacketizer.init`.
    public init(spropParameterSets: String? = nil) {
        guard let spropParameterSets else { return }
        for item in spropParameterSets.split(separator: ",").prefix(8) {
            guard let nal = Base64.decode(item.trimmingSpaces), !nal.isEmpty else { continue }
            nal.withUnsafeBytes { store(parameterSet: $0) }
        }
    }

    /// Any packet may start an access unit; its first slice is checked at the end.
    public func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason? { nil }

    public func unfinished(next: UnsafeRawBufferPointer?) -> VideoDropReason? {
        fragmentLengthOffset == nil ? nil : .malformed(.malformedH264Payload(.unfinishedFragment))
    }

    public mutating func abandon() { fragmentLengthOffset = nil }

    // MARK: - Payload structures (RFC 6184 §5.6-5.8)

    /// Appends the payload's NAL units (or fragment) to `buffer`; the reason
    /// to drop the access unit, or nil.
    public mutating func append(_ payload: UnsafeRawBufferPointer, first: Bool, to buffer: inout [UInt8],
                                maxFrameSize: Int) -> VideoDropReason? {
        if first { fragmentLengthOffset = nil }
        guard payload.count >= 1 else { return .malformed(.malformedH264Payload(.empty)) }
        let type = H264NALUnitType.of(payload[0])
        switch type {
        case 1...23:  // single NAL unit packet (§5.6)
            guard fragmentLengthOffset == nil else { return .malformed(.malformedH264Payload(.unfinishedFragment)) }
            return Self.appendNALUnit(payload, to: &buffer, maxFrameSize: maxFrameSize)
        case H264NALUnitType.stapA:  // §5.7.1
            guard fragmentLengthOffset == nil else { return .malformed(.malformedH264Payload(.unfinishedFragment)) }
            var offset = 1
            var units = 0
            while offset < payload.count {
                guard payload.count - offset >= 2 else { return .malformed(.malformedH264Payload(.badAggregation)) }
                let size = Int(payload[offset]) << 8 | Int(payload[offset + 1])
                offset += 2
                guard size > 0, size <= payload.count - offset,
                      H264NALUnitType.isNALUnit(H264NALUnitType.of(payload[offset])) else {
                    return .malformed(.malformedH264Payload(.badAggregation))
                }
                if let reason = Self.appendNALUnit(UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + size)]),
                                                   to: &buffer, maxFrameSize: maxFrameSize) {
                    return reason
                }
                offset += size
                units += 1
            }
            return units > 0 ? nil : .malformed(.malformedH264Payload(.badAggregation))
        case H264NALUnitType.fuA:  // §5.8
            guard payload.count >= 3 else { return .malformed(.malformedH264Payload(.badFragment)) }
            let indicator = payload[0]
            let header = payload[1]
            let isStart = header & 0x80 != 0
            let isEnd = header & 0x40 != 0
            let nalType = H264NALUnitType.of(header)
            guard !(isStart && isEnd), H264NALUnitType.isNALUnit(nalType) else {
                return .malformed(.malformedH264Payload(.badFragment))
            }
            let data = UnsafeRawBufferPointer(rebasing: payload[2...])
            let lengthOffset: Int
            if isStart {
                guard fragmentLengthOffset == nil else { return .malformed(.malformedH264Payload(.badFragment)) }
                guard data.count + 5 <= maxFrameSize - buffer.count else {
                    return .malformed(.h264FrameTooLarge(limit: maxFrameSize))
                }
                lengthOffset = buffer.count
                fragmentLengthOffset = lengthOffset
                fragmentType = nalType
                buffer.append(0); buffer.append(0); buffer.append(0); buffer.append(0)
                buffer.append(indicator & 0xE0 | nalType)  // F and NRI from the indicator
            } else {
                guard let open = fragmentLengthOffset else { return .missingStart }
                guard nalType == fragmentType else { return .malformed(.malformedH264Payload(.badFragment)) }
                guard data.count <= maxFrameSize - buffer.count else {
                    return .malformed(.h264FrameTooLarge(limit: maxFrameSize))
                }
                lengthOffset = open
            }
            buffer.append(contentsOf: data)
            if isEnd {
                Self.writeLength(buffer.count - lengthOffset - 4, at: lengthOffset, in: &buffer)
                fragmentLengthOffset = nil
            }
            return nil
        default:
            return .malformed(.malformedH264Payload(.unsupportedType(type)))
        }
    }

    private static func appendNALUnit(_ nal: UnsafeRawBufferPointer, to buffer: inout [UInt8],
                                      maxFrameSize: Int) -> VideoDropReason? {
        guard nal.count + 4 <= maxFrameSize - buffer.count else { return .malformed(.h264FrameTooLarge(limit: maxFrameSize)) }
        let n = nal.count
        buffer.append(UInt8(truncatingIfNeeded: n >> 24)); buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8)); buffer.append(UInt8(truncatingIfNeeded: n))
        buffer.append(contentsOf: nal)
        return nil
    }

    private static func writeLength(_ n: Int, at offset: Int, in buffer: inout [UInt8]) {
        buffer[offset] = UInt8(truncatingIfNeeded: n >> 24)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: n >> 16)
        buffer[offset + 2] = UInt8(truncatingIfNeeded: n >> 8)
        buffer[offset + 3] = UInt8(truncatingIfNeeded: n)
    }

    // MARK: - Access units

    public mutating func complete(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion {
        // One walk over the NAL unit headers (the lengths are ours, so consistent).
        var hasSlice = false, hasIDR = false, hasSPS = false, hasPPS = false, badSet = false
        var firstMacroblock: UInt32?
        var insertAt = 0
        var offset = 0
        while buffer.count - offset > 4 {
            let length = Int(buffer[offset]) << 24 | Int(buffer[offset + 1]) << 16
                | Int(buffer[offset + 2]) << 8 | Int(buffer[offset + 3])
            let start = offset + 4
            guard length > 0, length <= buffer.count - start else { break }
            let end = start + length
            let type = H264NALUnitType.of(buffer[start])
            switch type {
            case H264NALUnitType.sps, H264NALUnitType.pps:
                if type == H264NALUnitType.sps { hasSPS = true } else { hasPPS = true }
                let stored = type == H264NALUnitType.sps ? sequenceParameterSet : pictureParameterSet
                if !buffer[start..<end].elementsEqual(stored) {
                    // A new parameter set: copied out (allocates only on a change).
                    let nal = Array(buffer[start..<end])
                    if nal.withUnsafeBytes({ store(parameterSet: $0) }) == nil { badSet = true }
                }
            case H264NALUnitType.accessUnitDelimiter:
                if insertAt == offset { insertAt = end }
            case 1...5:
                if !hasSlice {
                    hasSlice = true
                    firstMacroblock = buffer.withUnsafeBytes { raw in
                        H264SequenceParameterSet.firstMacroblock(ofSlice: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    }
                }
                if type == H264NALUnitType.idrSlice { hasIDR = true }
            default:
                break
            }
            offset = end
        }
        if badSet { return .dropped(.malformed(.malformedH264Payload(.badParameterSet))) }
        guard hasSlice else {
            nonPictureUnits += 1
            return .absorbed
        }
        guard firstMacroblock == 0 else { return .dropped(.missingStart) }
        var width: Int?
        var height: Int?
        let isKeyframe = hasIDR && sequenceParameters != nil && !pictureParameterSet.isEmpty
        if isKeyframe, let sps = sequenceParameters {
            if !(hasSPS && hasPPS) {
                guard parameterSetPrefix.count <= maxFrameSize - buffer.count else {
                    return .dropped(.malformed(.h264FrameTooLarge(limit: maxFrameSize)))
                }
                buffer.insert(contentsOf: parameterSetPrefix, at: insertAt)
            }
            width = sps.width
            height = sps.height
        }
        return .frame(isKeyframe: isKeyframe, width: width, height: height, pictureID: nil)
    }

    /// Stores an SPS or PPS NAL unit when it differs from the stored one.
    /// Returns whether it changed, or nil when it is unusable.
    @discardableResult
    private mutating func store(parameterSet nal: UnsafeRawBufferPointer) -> Bool? {
        guard !nal.isEmpty, nal.count <= Self.maxParameterSetSize else { return nil }
        let type = H264NALUnitType.of(nal[0])
        if type == H264NALUnitType.sps {
            if nal.elementsEqual(sequenceParameterSet) { return false }
            guard let parsed = try? H264SequenceParameterSet(parsing: nal) else { return nil }
            sequenceParameters = parsed
            sequenceParameterSet = Array(nal)
        } else if type == H264NALUnitType.pps {
            if nal.elementsEqual(pictureParameterSet) { return false }
            pictureParameterSet = Array(nal)
        } else {
            return false
        }
        parameterSetChanges += 1
        parameterSetPrefix.removeAll(keepingCapacity: true)
        for set in [sequenceParameterSet, pictureParameterSet] where !set.isEmpty {
            let n = set.count
            parameterSetPrefix.append(contentsOf: [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
                                                   UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)])
            parameterSetPrefix.append(contentsOf: set)
        }
        return true
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Standard base64 (RFC 4648 §4), padding optional; nil on any other character.
enum Base64 {
    static func decode(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let value: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
