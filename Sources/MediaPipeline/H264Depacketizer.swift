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
/// Allocation: as `VP8Depacketizer`, the access unit is assembled in a
/// reused buffer that the emitted frame shares; nothing is allocated per
/// packet in steady state. Storing a changed SPS or PPS allocates.
public struct H264Depacketizer: Sendable {
    private struct Run: Sendable {
        var timestamp: UInt32
        var firstSequenceNumber: UInt16
        var lastSequenceNumber: UInt16
        var packetCount: Int
    }

    /// The largest access unit accepted; larger ones are dropped as malformed.
    public let maxFrameSize: Int
    /// The largest SPS or PPS stored.
    public static let maxParameterSetSize = 1024
    /// Access units emitted.
    public private(set) var framesAssembled: Int = 0
    /// Keyframes among them.
    public private(set) var keyframesAssembled: Int = 0
    /// Incomplete or malformed access units dropped.
    public private(set) var framesDropped: Int = 0
    /// Access units without a slice (parameter sets, SEI) absorbed.
    public private(set) var nonPictureUnits: Int = 0
    /// Times a different SPS or PPS was stored (the first one included).
    public private(set) var parameterSetChanges: Int = 0
    /// The SPS and PPS in use (whole NAL units), empty until known.
    public private(set) var sequenceParameterSet: [UInt8] = []
    public private(set) var pictureParameterSet: [UInt8] = []
    /// The parsed `sequenceParameterSet`.
    public private(set) var sequenceParameters: H264SequenceParameterSet?

    private var buffer: [UInt8] = []
    /// The stored SPS and PPS, length-prefixed: what goes in front of a
    /// keyframe that came without them.
    private var parameterSetPrefix: [UInt8] = []
    private var assembling: Run?
    private var assemblingFollowsLoss = false
    /// Where the open FU-A NAL unit's length field is in `buffer`.
    private var fragmentLengthOffset: Int?
    private var fragmentType: UInt8 = 0
    private var discarding: Run?
    private var discardReason: VideoDropReason = .missingStart
    private var lastSequenceNumber: UInt16?
    private var lossPending = false

    /// Creates a depacketizer.
    ///
    /// - Parameters:
    ///   - maxFrameSize: the largest access unit accepted (default 4 MiB).
    ///   - spropParameterSets: the `sprop-parameter-sets` value of the SDP
    ///     fmtp (comma-separated base64 NAL units), if any; unusable entries
    ///     are ignored (in-band parameter sets still work).
    public init(maxFrameSize: Int = 4 << 20, spropParameterSets: String? = nil) {
        self.maxFrameSize = maxFrameSize
        buffer.reserveCapacity(64 * 1024)
        guard let spropParameterSets else { return }
        for item in spropParameterSets.split(separator: ",").prefix(8) {
            guard let nal = Base64.decode(item.trimmingSpaces), !nal.isEmpty else { continue }
            nal.withUnsafeBytes { store(parameterSet: $0) }
        }
    }

    /// Takes the next packet in sequence order, appending the frames completed
    /// and dropped by it to `events`.
    ///
    /// - Parameters:
    ///   - sequenceNumber, timestamp, marker: the RTP header fields.
    ///   - payload: the RTP payload, padding removed.
    public mutating func push(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer,
        into events: inout [VideoDepacketizerEvent]
    ) {
        let contiguous = lastSequenceNumber.map { sequenceNumber == $0 &+ 1 } ?? true
        lastSequenceNumber = sequenceNumber
        if !contiguous {
            lossPending = true
            if let run = assembling {
                assembling = nil
                beginDiscard(run, reason: .sequenceGap, events: &events)
            }
        }
        if let run = assembling, run.timestamp != timestamp {
            // Contiguous, a new timestamp: the previous access unit had no marker.
            assembling = nil
            if fragmentLengthOffset != nil {
                beginDiscard(run, reason: .malformed(.malformedH264Payload(.unfinishedFragment)), events: &events)
            } else {
                complete(run, events: &events)
            }
        }
        if let run = discarding, run.timestamp != timestamp {
            closeDiscard(events: &events)
        }
        if var run = discarding {
            // The rest of an access unit already given up.
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            discarding = run
            if marker { closeDiscard(events: &events) }
            return
        }

        if var run = assembling {
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            assembling = run
        } else {
            buffer.removeAll(keepingCapacity: true)
            fragmentLengthOffset = nil
            assembling = Run(timestamp: timestamp, firstSequenceNumber: sequenceNumber,
                             lastSequenceNumber: sequenceNumber, packetCount: 1)
            assemblingFollowsLoss = lossPending
            lossPending = false
        }
        if let reason = append(payload: payload), let run = assembling {
            assembling = nil
            fragmentLengthOffset = nil
            beginDiscard(run, reason: reason, events: &events)
            if marker { closeDiscard(events: &events) }
            return
        }
        if marker, let run = assembling {
            assembling = nil
            if fragmentLengthOffset != nil {
                fragmentLengthOffset = nil
                beginDiscard(run, reason: .malformed(.malformedH264Payload(.unfinishedFragment)), events: &events)
                closeDiscard(events: &events)
            } else {
                complete(run, events: &events)
            }
        }
    }

    /// Takes the next packet in sequence order from a whole RTP payload array.
    public mutating func push(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8])
        -> [VideoDepacketizerEvent]
    {
        var events: [VideoDepacketizerEvent] = []
        payload.withUnsafeBytes {
            push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: $0, into: &events)
        }
        return events
    }

    /// Packets were lost (a `JitterBuffer` `.gap`): an access unit being
    /// assembled is dropped now, and the next frame `followsLoss`.
    public mutating func handleGap(into events: inout [VideoDepacketizerEvent]) {
        lossPending = true
        if let run = assembling {
            assembling = nil
            fragmentLengthOffset = nil
            beginDiscard(run, reason: .missingEnd, events: &events)
        }
        closeDiscard(events: &events)
    }

    /// `handleGap(into:)`, returning the events.
    public mutating func handleGap() -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        handleGap(into: &events)
        return events
    }

    /// Ends the stream: an access unit still being assembled is dropped.
    public mutating func flush() -> [VideoDepacketizerEvent] { handleGap() }

    // MARK: - Payload structures (RFC 6184 §5.6-5.8)

    /// Appends the payload's NAL units (or fragment) to `buffer`; the reason
    /// to drop the access unit, or nil.
    private mutating func append(payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        guard payload.count >= 1 else { return .malformed(.malformedH264Payload(.empty)) }
        let type = H264NALUnitType.of(payload[0])
        switch type {
        case 1...23:  // single NAL unit packet (§5.6)
            guard fragmentLengthOffset == nil else { return .malformed(.malformedH264Payload(.unfinishedFragment)) }
            return appendNALUnit(payload)
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
                if let reason = appendNALUnit(UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + size)])) {
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
                writeLength(buffer.count - lengthOffset - 4, at: lengthOffset)
                fragmentLengthOffset = nil
            }
            return nil
        default:
            return .malformed(.malformedH264Payload(.unsupportedType(type)))
        }
    }

    private mutating func appendNALUnit(_ nal: UnsafeRawBufferPointer) -> VideoDropReason? {
        guard nal.count + 4 <= maxFrameSize - buffer.count else { return .malformed(.h264FrameTooLarge(limit: maxFrameSize)) }
        let n = nal.count
        buffer.append(UInt8(truncatingIfNeeded: n >> 24)); buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8)); buffer.append(UInt8(truncatingIfNeeded: n))
        buffer.append(contentsOf: nal)
        return nil
    }

    private mutating func writeLength(_ n: Int, at offset: Int) {
        buffer[offset] = UInt8(truncatingIfNeeded: n >> 24)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: n >> 16)
        buffer[offset + 2] = UInt8(truncatingIfNeeded: n >> 8)
        buffer[offset + 3] = UInt8(truncatingIfNeeded: n)
    }

    // MARK: - Access units

    private mutating func complete(_ run: Run, events: inout [VideoDepacketizerEvent]) {
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
        if badSet {
            beginDiscard(run, reason: .malformed(.malformedH264Payload(.badParameterSet)), events: &events)
            closeDiscard(events: &events)
            return
        }
        guard hasSlice else {
            nonPictureUnits += 1
            return
        }
        guard firstMacroblock == 0 else {
            beginDiscard(run, reason: .missingStart, events: &events)
            closeDiscard(events: &events)
            return
        }
        var width: Int?
        var height: Int?
        let isKeyframe = hasIDR && sequenceParameters != nil && !pictureParameterSet.isEmpty
        if isKeyframe, let sps = sequenceParameters {
            if !(hasSPS && hasPPS) {
                guard parameterSetPrefix.count <= maxFrameSize - buffer.count else {
                    beginDiscard(run, reason: .malformed(.h264FrameTooLarge(limit: maxFrameSize)), events: &events)
                    closeDiscard(events: &events)
                    return
                }
                buffer.insert(contentsOf: parameterSetPrefix, at: insertAt)
            }
            width = sps.width
            height = sps.height
        }
        framesAssembled += 1
        if isKeyframe { keyframesAssembled += 1 }
        events.append(.frame(AssembledVideoFrame(
            data: buffer, rtpTimestamp: run.timestamp, isKeyframe: isKeyframe, width: width, height: height,
            firstSequenceNumber: run.firstSequenceNumber, lastSequenceNumber: run.lastSequenceNumber,
            pictureID: nil, followsLoss: assemblingFollowsLoss)))
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

    private mutating func beginDiscard(_ run: Run, reason: VideoDropReason, events: inout [VideoDepacketizerEvent]) {
        closeDiscard(events: &events)
        discarding = run
        discardReason = reason
        lossPending = true
    }

    private mutating func closeDiscard(events: inout [VideoDepacketizerEvent]) {
        guard let run = discarding else { return }
        discarding = nil
        framesDropped += 1
        lossPending = true
        events.append(.dropped(DroppedVideoFrame(
            rtpTimestamp: run.timestamp, firstSequenceNumber: run.firstSequenceNumber,
            lastSequenceNumber: run.lastSequenceNumber, packetCount: run.packetCount, reason: discardReason)))
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
