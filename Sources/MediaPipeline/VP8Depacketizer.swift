import Codecs

/// Puts VP8 frames back together from the RTP packets of one SSRC (RFC 7741 §4).
///
/// Feed it packets in sequence order (the output of a `JitterBuffer`) and tell it
/// about gaps. A frame starts with a packet whose descriptor has S = 1 and PID = 0,
/// takes every following packet with the same RTP timestamp and contiguous sequence
/// numbers, and ends at the packet with the RTP marker bit. Keyframe flag and size
/// come from the VP8 payload header at the start of the frame (RFC 7741 §4.3, read
/// with `VP8FrameHeader`, which also checks that the first partition fits).
///
/// Packets that cannot make a complete frame — a frame whose start is missing, a
/// hole inside a frame, a frame cut off by a gap, malformed descriptors or payload
/// headers — are reported as `.dropped` and never emitted. A frame whose packets
/// all arrived but that follows such a loss is emitted with `followsLoss` set, so a
/// `VideoGate` can hold it back until the next keyframe.
///
/// A marker bit that never comes (some senders omit it) is tolerated: when a new
/// frame starts at the very next sequence number, the previous frame is complete.
///
/// Allocation: the frame is assembled in a reused buffer, and an emitted frame's
/// `data` shares that buffer rather than copying it. A caller that lets go of
/// the frame before the next one starts (and collects events with the `into:`
/// variants into an array it reuses) makes the depacketizer allocate nothing
/// in steady state; a caller that keeps a frame keeps its bytes intact —
/// copy-on-write gives the depacketizer a fresh buffer then.
public struct VP8Depacketizer: Sendable {
    private struct Run: Sendable {
        var timestamp: UInt32
        var firstSequenceNumber: UInt16
        var lastSequenceNumber: UInt16
        var packetCount: Int
    }

    /// The largest frame accepted; larger ones are dropped as malformed.
    public let maxFrameSize: Int
    /// Frames emitted.
    public private(set) var framesAssembled: Int = 0
    /// Keyframes among them.
    public private(set) var keyframesAssembled: Int = 0
    /// Incomplete or malformed frames dropped.
    public private(set) var framesDropped: Int = 0

    private var buffer: [UInt8] = []
    private var assembling: Run?
    private var assemblingPictureID: VP8PictureID?
    private var assemblingFollowsLoss = false
    private var discarding: Run?
    private var discardReason: VP8DropReason = .missingStart
    private var lastSequenceNumber: UInt16?
    private var lossPending = false

    /// Creates a depacketizer.
    ///
    /// - Parameter maxFrameSize: the largest frame accepted (default 4 MiB).
    public init(maxFrameSize: Int = 4 << 20) {
        self.maxFrameSize = maxFrameSize
        buffer.reserveCapacity(64 * 1024)
    }

    /// Takes the next packet in sequence order.
    ///
    /// - Parameters:
    ///   - sequenceNumber, timestamp, marker: the RTP header fields.
    ///   - payload: the RTP payload (descriptor and VP8 data), padding removed.
    /// - Returns: the frames completed and dropped by this packet, in order.
    public mutating func push(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer
    ) -> [VP8DepacketizerEvent] {
        var events: [VP8DepacketizerEvent] = []
        push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        return events
    }

    /// Takes the next packet in sequence order, appending the frames completed
    /// and dropped by it to `events`.
    public mutating func push(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer,
        into events: inout [VP8DepacketizerEvent]
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

        let descriptor: VP8PayloadDescriptor
        do throws(MediaPipelineError) {
            descriptor = try VP8PayloadDescriptor(parsing: payload)
            guard payload.count > descriptor.encodedSize else { throw .emptyVP8Payload }
        } catch {
            discardPacket(sequenceNumber: sequenceNumber, timestamp: timestamp, reason: .malformed(error),
                          events: &events)
            if marker { closeDiscard(events: &events) }
            return
        }
        let data = UnsafeRawBufferPointer(rebasing: payload[descriptor.encodedSize...])

        if let run = assembling, run.timestamp != timestamp {
            assembling = nil
            if descriptor.isStartOfFrame {
                // Contiguous, all packets present, only the marker was missing.
                complete(run, events: &events)
            } else {
                beginDiscard(run, reason: .missingEnd, events: &events)
            }
        }
        if let run = discarding, run.timestamp != timestamp || descriptor.isStartOfFrame {
            closeDiscard(events: &events)
        }

        if descriptor.isStartOfFrame {
            if let run = assembling {  // a second start for the same timestamp
                assembling = nil
                beginDiscard(run, reason: .missingEnd, events: &events)
                closeDiscard(events: &events)
            }
            buffer.removeAll(keepingCapacity: true)
            assembling = Run(timestamp: timestamp, firstSequenceNumber: sequenceNumber,
                             lastSequenceNumber: sequenceNumber, packetCount: 1)
            assemblingPictureID = descriptor.pictureID
            assemblingFollowsLoss = lossPending
            lossPending = false
            append(data, sequenceNumber: sequenceNumber, isFirst: true, events: &events)
        } else if assembling != nil {
            append(data, sequenceNumber: sequenceNumber, isFirst: false, events: &events)
        } else {
            discardPacket(sequenceNumber: sequenceNumber, timestamp: timestamp, reason: .missingStart, events: &events)
        }

        if marker {
            if let run = assembling {
                assembling = nil
                complete(run, events: &events)
            }
            closeDiscard(events: &events)
        }
    }

    /// Takes the next packet in sequence order from a whole RTP payload array.
    public mutating func push(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8])
        -> [VP8DepacketizerEvent]
    {
        payload.withUnsafeBytes { push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: $0) }
    }

    /// Tells the depacketizer that packets were lost (a `JitterBuffer` `.gap`): a
    /// frame being assembled is dropped now, and the next frame `followsLoss`.
    public mutating func handleGap() -> [VP8DepacketizerEvent] {
        var events: [VP8DepacketizerEvent] = []
        handleGap(into: &events)
        return events
    }

    /// `handleGap()`, appending to `events`.
    public mutating func handleGap(into events: inout [VP8DepacketizerEvent]) {
        lossPending = true
        if let run = assembling {
            assembling = nil
            beginDiscard(run, reason: .missingEnd, events: &events)
        }
        closeDiscard(events: &events)
    }

    /// Ends the stream: a frame still being assembled is dropped.
    public mutating func flush() -> [VP8DepacketizerEvent] {
        handleGap()
    }

    // MARK: - Internals

    private mutating func append(_ data: UnsafeRawBufferPointer, sequenceNumber: UInt16, isFirst: Bool,
                                 events: inout [VP8DepacketizerEvent]) {
        guard var run = assembling else { return }
        if !isFirst {
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
        }
        guard buffer.count + data.count <= maxFrameSize else {
            assembling = nil
            beginDiscard(run, reason: .malformed(.vp8FrameTooLarge(limit: maxFrameSize)), events: &events)
            return
        }
        buffer.append(contentsOf: data)
        assembling = run
    }

    private mutating func complete(_ run: Run, events: inout [VP8DepacketizerEvent]) {
        let header: VP8FrameHeader
        do throws(CodecsError) {
            header = try VP8FrameHeader(parsing: buffer)
        } catch {
            var reason = VP8DropReason.malformed(.malformedVP8PayloadHeader(.truncated))
            if case .malformedVP8Frame(let fault) = error { reason = .malformed(.malformedVP8PayloadHeader(fault)) }
            beginDiscard(run, reason: reason, events: &events)
            closeDiscard(events: &events)
            return
        }
        let frame = AssembledVP8Frame(
            data: buffer, rtpTimestamp: run.timestamp, isKeyframe: header.isKeyframe,
            width: header.width, height: header.height, firstSequenceNumber: run.firstSequenceNumber,
            lastSequenceNumber: run.lastSequenceNumber, pictureID: assemblingPictureID,
            followsLoss: assemblingFollowsLoss)
        framesAssembled += 1
        if header.isKeyframe { keyframesAssembled += 1 }
        events.append(.frame(frame))
    }

    /// Turns `run` into the discard record, closing any other record first.
    private mutating func beginDiscard(_ run: Run, reason: VP8DropReason, events: inout [VP8DepacketizerEvent]) {
        closeDiscard(events: &events)
        discarding = run
        discardReason = reason
        lossPending = true
    }

    /// Adds one packet to the discard record (opening one when needed).
    private mutating func discardPacket(sequenceNumber: UInt16, timestamp: UInt32, reason: VP8DropReason,
                                        events: inout [VP8DepacketizerEvent]) {
        lossPending = true
        if var run = assembling, run.timestamp == timestamp {
            assembling = nil
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            beginDiscard(run, reason: reason, events: &events)
            return
        }
        if let run = assembling {
            assembling = nil
            beginDiscard(run, reason: .missingEnd, events: &events)
        }
        if var run = discarding, run.timestamp == timestamp {
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            discarding = run
            if case .malformed = reason { discardReason = reason }
            return
        }
        beginDiscard(Run(timestamp: timestamp, firstSequenceNumber: sequenceNumber,
                         lastSequenceNumber: sequenceNumber, packetCount: 1),
                     reason: reason, events: &events)
    }

    private mutating func closeDiscard(events: inout [VP8DepacketizerEvent]) {
        guard let run = discarding else { return }
        discarding = nil
        framesDropped += 1
        lossPending = true
        events.append(.dropped(DroppedVP8Frame(
            rtpTimestamp: run.timestamp, firstSequenceNumber: run.firstSequenceNumber,
            lastSequenceNumber: run.lastSequenceNumber, packetCount: run.packetCount, reason: discardReason)))
    }
}
