/// What one RTP video payload format adds to `VideoFrameAssembler`: how a
/// packet starts a frame, how its payload becomes frame bytes, when a frame
/// is unfinished, and what a finished frame is (keyframe, size). Everything
/// else — runs of packets, gaps, discard records, loss flags, counters, the
/// reused frame buffer — is the assembler's, the same for every codec.
///
/// Conformers are value types stored inline in the assembler and called
/// through its specialization (no existential, no allocation per packet).
public protocol VideoPayloadFormat: Sendable {
    /// nil when `payload` may be the first packet of a frame; otherwise why
    /// its packets are dropped (`.missingStart`, or `.malformed` when it
    /// cannot be read).
    mutating func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason?

    /// Appends the media of `payload` to `buffer` (emptied before the first
    /// packet of a frame; `first` says it is that packet). Returns why the
    /// frame must be dropped, or nil. Must keep `buffer` within
    /// `maxFrameSize` bytes.
    mutating func append(_ payload: UnsafeRawBufferPointer, first: Bool, to buffer: inout [UInt8],
                         maxFrameSize: Int) -> VideoDropReason?

    /// Why the frame being assembled cannot end here, or nil when it can:
    /// at its marker bit (`next` nil), or — for senders that omit the
    /// marker — because the contiguous packet `next` has a new timestamp.
    func unfinished(next: UnsafeRawBufferPointer?) -> VideoDropReason?

    /// The frame being assembled was given up: forget its open fragments or layers.
    mutating func abandon()

    /// The frame's packets are all in `buffer`: what to hand out (the format
    /// may rewrite `buffer`, e.g. to put parameter sets in front).
    mutating func complete(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion

    /// The frame being assembled was cut off by loss (a sequence gap, or
    /// `handleGap`): what can still be handed out of the part that arrived —
    /// a layered format's complete lower layers — or nil to drop it. A frame
    /// handed out here must decode without the lost part, and the format must
    /// keep later frames decodable without it. Default: nil.
    mutating func salvage(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion?

    /// After a salvaged frame, across lost packets: whether `payload`, the
    /// first packet of a new timestamp, starts the frame right after the
    /// salvaged one (so the packets lost were the salvaged frame's tail
    /// alone, and nothing follows loss). Default: false.
    func followsSalvaged(_ payload: UnsafeRawBufferPointer) -> Bool
}

extension VideoPayloadFormat {
    public mutating func salvage(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion? { nil }
    public func followsSalvaged(_ payload: UnsafeRawBufferPointer) -> Bool { false }
}

/// What a payload format makes of a frame whose packets all arrived.
public enum VideoFrameCompletion: Sendable {
    /// Hand it out.
    case frame(isKeyframe: Bool, width: Int?, height: Int?, pictureID: VP8PictureID?)
    /// Nothing to hand out and nothing lost (a unit of parameter sets or
    /// metadata alone); the format counts it.
    case absorbed
    /// Drop it, for this reason.
    case dropped(VideoDropReason)
}

/// Puts video frames back together from the RTP packets of one SSRC, for
/// any payload format (`VP8Depacketizer`, `VP9Depacketizer`,
/// `AV1Depacketizer`, `H264Depacketizer` are this with their format).
///
/// Feed it packets in sequence order (the output of a `JitterBuffer`) and
/// tell it about gaps. A frame is every packet with one RTP timestamp and
/// contiguous sequence numbers, from a packet the format accepts as a start
/// to the RTP marker bit — or, for senders that omit the marker, to the last
/// packet before a contiguous packet with a new timestamp, when the format
/// says the frame can end there.
///
/// Packets that cannot make a complete frame — a frame whose start is
/// missing, a hole inside a frame, a frame cut off by a gap, malformed
/// payloads — are reported as `.dropped` (one record per timestamp, with the
/// reason) and never emitted. A frame whose packets all arrived but that
/// follows such a loss is emitted with `followsLoss` set, so a `VideoGate`
/// can hold it back until the next keyframe.
///
/// A format may salvage a frame cut off by loss (`VideoPayloadFormat.salvage`:
/// VP9's complete lower spatial layers): it is emitted, the rest of its
/// timestamp's packets are skipped without a drop record, and the next frame
/// follows loss unless the format says it starts right after the salvaged one.
///
/// Allocation: the frame is assembled in a reused buffer, and an emitted
/// frame's `data` shares that buffer rather than copying it. A caller that
/// lets go of the frame before the next one starts (and collects events with
/// the `into:` variants into an array it reuses) makes the assembler
/// allocate nothing in steady state; a caller that keeps a frame keeps its
/// bytes intact — copy-on-write gives the assembler a fresh buffer then.
public struct VideoFrameAssembler<Format: VideoPayloadFormat>: Sendable {
    private struct Run: Sendable {
        var timestamp: UInt32
        var firstSequenceNumber: UInt16
        var lastSequenceNumber: UInt16
        var packetCount: Int

        init(timestamp: UInt32, sequenceNumber: UInt16) {
            self.timestamp = timestamp
            firstSequenceNumber = sequenceNumber
            lastSequenceNumber = sequenceNumber
            packetCount = 1
        }

        mutating func extend(to sequenceNumber: UInt16) {
            lastSequenceNumber = sequenceNumber
            packetCount += 1
        }
    }

    /// The largest frame accepted; larger ones are dropped as malformed.
    public let maxFrameSize: Int
    /// Frames emitted.
    public private(set) var framesAssembled: Int = 0
    /// Keyframes among them.
    public private(set) var keyframesAssembled: Int = 0
    /// Incomplete or malformed frames dropped.
    public private(set) var framesDropped: Int = 0
    /// Frames cut off by loss that were emitted from the part that arrived
    /// (`VideoPayloadFormat.salvage`), counted in `framesAssembled` too.
    public private(set) var framesSalvaged: Int = 0
    /// Packets of salvaged frames that arrived after the loss, skipped.
    public private(set) var packetsSkippedAfterSalvage: Int = 0
    /// The payload format's own state (parameter sets, layers, counters).
    public private(set) var format: Format

    private var buffer: [UInt8] = []
    private var assembling: Run?
    private var assemblingFollowsLoss = false
    private var discarding: Run?
    private var discardReason: VideoDropReason = .missingStart
    private var lastSequenceNumber: UInt16?
    private var lossPending = false
    /// The timestamp of the frame last salvaged, until a packet of another arrives.
    private var salvagedTimestamp: UInt32?

    /// An assembler for `format`, frames up to `maxFrameSize` bytes.
    public init(format: Format, maxFrameSize: Int) {
        self.format = format
        self.maxFrameSize = maxFrameSize
        buffer.reserveCapacity(64 * 1024)
    }

    /// Takes the next packet in sequence order, appending the frames completed
    /// and dropped by it to `events`.
    ///
    /// - Parameters:
    ///   - sequenceNumber, timestamp, marker: the RTP header fields.
    ///   - payload: the RTP payload, padding removed.
    // Specialized for each codec in this module: callers elsewhere (the
    // benchmarks, tests) get the same code as `VideoDepacketizer`.
    @_specialize(exported: true, where Format == VP8PayloadFormat)
    @_specialize(exported: true, where Format == H264PayloadFormat)
    @_specialize(exported: true, where Format == VP9PayloadFormat)
    @_specialize(exported: true, where Format == AV1PayloadFormat)
    public mutating func push(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer,
        into events: inout [VideoDepacketizerEvent]
    ) {
        let contiguous = lastSequenceNumber.map { sequenceNumber == $0 &+ 1 } ?? true
        lastSequenceNumber = sequenceNumber
        if !contiguous, let run = assembling {
            assembling = nil
            if !salvage(run, events: &events) {
                beginDiscard(run, reason: .sequenceGap, events: &events)
            }
        }
        if let salvaged = salvagedTimestamp {
            if timestamp == salvaged {
                // The rest of a salvaged frame: its part after the loss.
                packetsSkippedAfterSalvage += 1
                return
            }
            salvagedTimestamp = nil
            if !contiguous && !format.followsSalvaged(payload) { lossPending = true }
        } else if !contiguous {
            lossPending = true
        }
        if let run = assembling, run.timestamp != timestamp {
            // Contiguous, a new timestamp: the previous frame had no marker.
            assembling = nil
            if let reason = format.unfinished(next: payload) {
                beginDiscard(run, reason: reason, events: &events)
            } else {
                complete(run, events: &events)
            }
        }
        if let run = discarding, run.timestamp != timestamp {
            closeDiscard(events: &events)
        }
        if var run = discarding {
            // The rest of a frame already given up.
            run.extend(to: sequenceNumber)
            discarding = run
            if marker { closeDiscard(events: &events) }
            return
        }

        if var run = assembling {
            run.extend(to: sequenceNumber)
            assembling = run
        } else {
            if let reason = format.startProblem(payload) {
                beginDiscard(Run(timestamp: timestamp, sequenceNumber: sequenceNumber), reason: reason, events: &events)
                if marker { closeDiscard(events: &events) }
                return
            }
            buffer.removeAll(keepingCapacity: true)
            assembling = Run(timestamp: timestamp, sequenceNumber: sequenceNumber)
            assemblingFollowsLoss = lossPending
            lossPending = false
        }
        let first = assembling?.packetCount == 1
        if let reason = format.append(payload, first: first, to: &buffer, maxFrameSize: maxFrameSize),
           let run = assembling {
            assembling = nil
            beginDiscard(run, reason: reason, events: &events)
            if marker { closeDiscard(events: &events) }
            return
        }
        if marker, let run = assembling {
            assembling = nil
            if let reason = format.unfinished(next: nil) {
                beginDiscard(run, reason: reason, events: &events)
                closeDiscard(events: &events)
            } else {
                complete(run, events: &events)
            }
        }
    }

    /// Takes the next packet in sequence order; returns the frames completed
    /// and dropped by it.
    public mutating func push(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer
    ) -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: payload, into: &events)
        return events
    }

    /// Takes the next packet in sequence order from a whole RTP payload array.
    public mutating func push(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8])
        -> [VideoDepacketizerEvent]
    {
        payload.withUnsafeBytes { push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: $0) }
    }

    /// Packets were lost (a `JitterBuffer` `.gap`): a frame being assembled
    /// is dropped now, and the next frame `followsLoss`.
    ///
    /// - Returns: false when the frame being assembled was salvaged
    ///   (`VideoPayloadFormat.salvage`): the loss is then accounted for by the
    ///   next frame's `followsLoss` (set unless it starts right after the
    ///   salvaged one), and a caller should not treat the gap as loss itself.
    @discardableResult
    @_specialize(exported: true, where Format == VP8PayloadFormat)
    @_specialize(exported: true, where Format == H264PayloadFormat)
    @_specialize(exported: true, where Format == VP9PayloadFormat)
    @_specialize(exported: true, where Format == AV1PayloadFormat)
    public mutating func handleGap(into events: inout [VideoDepacketizerEvent]) -> Bool {
        if let run = assembling {
            assembling = nil
            if salvage(run, events: &events) { return false }
            beginDiscard(run, reason: .missingEnd, events: &events)
        }
        lossPending = true
        closeDiscard(events: &events)
        return true
    }

    /// `handleGap(into:)`, returning the events.
    public mutating func handleGap() -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        handleGap(into: &events)
        return events
    }

    /// Ends the stream: a frame still being assembled is dropped.
    public mutating func flush() -> [VideoDepacketizerEvent] { handleGap() }

    // MARK: - Internals

    private mutating func complete(_ run: Run, events: inout [VideoDepacketizerEvent]) {
        emit(format.complete(&buffer, maxFrameSize: maxFrameSize), run: run, events: &events)
    }

    /// The frame `run`, cut off by loss, salvaged by the format: emitted, and
    /// the rest of its packets to be skipped. false when the format drops it.
    private mutating func salvage(_ run: Run, events: inout [VideoDepacketizerEvent]) -> Bool {
        guard let completion = format.salvage(&buffer, maxFrameSize: maxFrameSize),
              case .frame = completion else { return false }
        framesSalvaged += 1
        emit(completion, run: run, events: &events)
        salvagedTimestamp = run.timestamp
        return true
    }

    private mutating func emit(_ completion: VideoFrameCompletion, run: Run, events: inout [VideoDepacketizerEvent]) {
        switch completion {
        case .frame(let isKeyframe, let width, let height, let pictureID):
            framesAssembled += 1
            if isKeyframe { keyframesAssembled += 1 }
            events.append(.frame(AssembledVideoFrame(
                data: buffer, rtpTimestamp: run.timestamp, isKeyframe: isKeyframe, width: width, height: height,
                firstSequenceNumber: run.firstSequenceNumber, lastSequenceNumber: run.lastSequenceNumber,
                pictureID: pictureID, followsLoss: assemblingFollowsLoss)))
        case .absorbed:
            break
        case .dropped(let reason):
            beginDiscard(run, reason: reason, events: &events)
            closeDiscard(events: &events)
        }
    }

    /// Turns `run` into the discard record, closing any other record first.
    private mutating func beginDiscard(_ run: Run, reason: VideoDropReason, events: inout [VideoDepacketizerEvent]) {
        closeDiscard(events: &events)
        format.abandon()
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
