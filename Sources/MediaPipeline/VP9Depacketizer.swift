import Codecs

/// Puts VP9 pictures back together from the RTP packets of one SSRC
/// (RFC 9628), flexible and non-flexible mode, one or more spatial layers.
///
/// A picture is every packet with one RTP timestamp and contiguous sequence
/// numbers; it ends at the marker bit (RFC 9628 §4.1: set on the last packet
/// of the picture), or — for senders that omit it — when the next contiguous
/// packet has a new timestamp. Inside it, layer frames run from a packet with
/// B = 1 to one with E = 1, spatial layer ids increasing (§4.2).
///
/// Spatial layers: the picture written holds the layer frames up to the
/// recorded layer — the highest spatial layer that arrived complete in the
/// last keyframe picture (layers above it are left out; Chromium sends one
/// spatial layer by default). Several layer frames are written as one VP9
/// superframe (VP9 spec Annex B: the frames, then an index of their sizes),
/// which libvpx and FFmpeg decode to the picture of the top layer.
///
/// Keyframes: the base layer frame's uncompressed header says KEY_FRAME
/// (`VP9FrameHeader`; a sender's P bit agrees: clear on it). Width and height
/// of a keyframe come from the scalability structure (SS, Y = 1) for the
/// recorded layer, else from that layer frame's uncompressed header.
///
/// Hostile input and loss: as `VP8Depacketizer` — incomplete pictures are
/// `.dropped`, the next complete one `followsLoss`; descriptors and headers
/// are bounds-checked; pictures are bounded by `maxFrameSize`.
///
/// Allocation: the picture is assembled in a reused buffer the emitted frame
/// shares; layer bookkeeping lives in fixed storage: nothing is allocated per
/// packet in steady state.
public struct VP9Depacketizer: Sendable {
    private struct Run: Sendable {
        var timestamp: UInt32
        var firstSequenceNumber: UInt16
        var lastSequenceNumber: UInt16
        var packetCount: Int
    }

    /// The largest picture accepted; larger ones are dropped as malformed.
    public let maxFrameSize: Int
    public private(set) var framesAssembled: Int = 0
    public private(set) var keyframesAssembled: Int = 0
    public private(set) var framesDropped: Int = 0
    /// The spatial layer written (set at each keyframe).
    public private(set) var recordedSpatialLayer: Int = 0
    /// Layer frames above the recorded layer that were left out.
    public private(set) var layerFramesSkipped: Int = 0

    private var buffer: [UInt8] = []
    private var assembling: Run?
    private var assemblingFollowsLoss = false
    private var assemblingPictureID: UInt16?
    /// Layer frames of the picture: start offset, size, spatial id (8 at most).
    private var layerStarts: [Int] = Array(repeating: 0, count: 8)
    private var layerSizes: [Int] = Array(repeating: 0, count: 8)
    private var layerIDs: [Int] = Array(repeating: 0, count: 8)
    private var layerCount = 0
    private var layerOpen = false
    /// The last scalability structure's layer sizes (0: unknown).
    private var ssWidths: [Int] = Array(repeating: 0, count: 8)
    private var ssHeights: [Int] = Array(repeating: 0, count: 8)
    private var discarding: Run?
    private var discardReason: VideoDropReason = .missingStart
    private var lastSequenceNumber: UInt16?
    private var lossPending = false

    public init(maxFrameSize: Int = 4 << 20) {
        self.maxFrameSize = maxFrameSize
        buffer.reserveCapacity(64 * 1024)
    }

    /// Takes the next packet in sequence order, appending the frames completed
    /// and dropped by it to `events`.
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
            assembling = nil
            if layerOpen {
                beginDiscard(run, reason: .missingEnd, events: &events)
            } else {
                complete(run, events: &events)
            }
        }
        if let run = discarding, run.timestamp != timestamp {
            closeDiscard(events: &events)
        }
        if var run = discarding {
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            discarding = run
            if marker { closeDiscard(events: &events) }
            return
        }

        let descriptor: VP9PayloadDescriptor
        do throws(MediaPipelineError) {
            descriptor = try VP9PayloadDescriptor(parsing: payload)
            guard payload.count > descriptor.encodedSize else { throw .malformedVP9Payload(.empty) }
        } catch {
            discardPacket(sequenceNumber: sequenceNumber, timestamp: timestamp, reason: .malformed(error), marker: marker,
                          events: &events)
            return
        }

        if assembling == nil {
            guard descriptor.isStartOfFrame else {
                discardPacket(sequenceNumber: sequenceNumber, timestamp: timestamp, reason: .missingStart, marker: marker,
                              events: &events)
                return
            }
            buffer.removeAll(keepingCapacity: true)
            layerCount = 0
            layerOpen = false
            assembling = Run(timestamp: timestamp, firstSequenceNumber: sequenceNumber,
                             lastSequenceNumber: sequenceNumber, packetCount: 1)
            assemblingFollowsLoss = lossPending
            assemblingPictureID = descriptor.pictureID
            lossPending = false
        } else if var run = assembling {
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            assembling = run
        }
        if let reason = append(descriptor, payload: payload) {
            let run = assembling!
            assembling = nil
            beginDiscard(run, reason: reason, events: &events)
            if marker { closeDiscard(events: &events) }
            return
        }
        if marker, let run = assembling {
            assembling = nil
            if layerOpen {
                beginDiscard(run, reason: .malformed(.malformedVP9Payload(.unfinishedFrame)), events: &events)
                closeDiscard(events: &events)
            } else {
                complete(run, events: &events)
            }
        }
    }

    /// Takes the next packet from a whole RTP payload array.
    public mutating func push(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8])
        -> [VideoDepacketizerEvent]
    {
        var events: [VideoDepacketizerEvent] = []
        payload.withUnsafeBytes {
            push(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payload: $0, into: &events)
        }
        return events
    }

    /// Packets were lost (a `JitterBuffer` `.gap`).
    public mutating func handleGap(into events: inout [VideoDepacketizerEvent]) {
        lossPending = true
        if let run = assembling {
            assembling = nil
            beginDiscard(run, reason: .missingEnd, events: &events)
        }
        closeDiscard(events: &events)
    }

    public mutating func handleGap() -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        handleGap(into: &events)
        return events
    }

    /// Ends the stream: a picture still being assembled is dropped.
    public mutating func flush() -> [VideoDepacketizerEvent] { handleGap() }

    // MARK: - Internals

    /// Adds the packet's data to the picture; the reason to drop it, or nil.
    private mutating func append(_ d: VP9PayloadDescriptor, payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        let sid = Int(d.spatialID)
        if let ss = d.scalabilityStructure, !ss.isEmpty {
            for layer in 0..<8 {
                let size = d.layerSize(layer, in: payload)
                ssWidths[layer] = size?.width ?? 0
                ssHeights[layer] = size?.height ?? 0
            }
        }
        if d.isStartOfFrame {
            guard !layerOpen else { return .malformed(.malformedVP9Payload(.unfinishedFrame)) }
            guard layerCount < 8, layerCount == 0 || sid > layerIDs[layerCount - 1] else {
                return .malformed(.malformedVP9Payload(.badLayerOrder))
            }
            layerStarts[layerCount] = buffer.count
            layerIDs[layerCount] = sid
            layerOpen = true
        } else {
            guard layerOpen, layerIDs[layerCount] == sid else { return .malformed(.malformedVP9Payload(.unfinishedFrame)) }
        }
        let data = UnsafeRawBufferPointer(rebasing: payload[d.encodedSize...])
        // Room for a superframe index (2 + 4 × 8 bytes) is kept.
        guard data.count <= maxFrameSize - 34 - buffer.count else { return .malformed(.frameTooLarge(limit: maxFrameSize)) }
        buffer.append(contentsOf: data)
        if d.isEndOfFrame {
            layerSizes[layerCount] = buffer.count - layerStarts[layerCount]
            layerCount += 1
            layerOpen = false
        }
        return nil
    }

    private mutating func complete(_ run: Run, events: inout [VideoDepacketizerEvent]) {
        guard layerCount > 0 else {
            beginDiscard(run, reason: .missingEnd, events: &events)
            closeDiscard(events: &events)
            return
        }
        let parsed: Result<VP9FrameHeader, CodecsError> = buffer.withUnsafeBytes { raw in
            do throws(CodecsError) {
                return .success(try VP9FrameHeader(
                    parsing: UnsafeRawBufferPointer(rebasing: raw[layerStarts[0]..<(layerStarts[0] + layerSizes[0])])))
            } catch { return .failure(error) }
        }
        let header: VP9FrameHeader
        switch parsed {
        case .success(let h): header = h
        case .failure(let error):
            var fault = VP9FrameFault.truncated
            if case .malformedVP9Frame(let f) = error { fault = f }
            beginDiscard(run, reason: .malformed(.malformedVP9Payload(.badFrameHeader(fault))), events: &events)
            closeDiscard(events: &events)
            return
        }
        let isKeyframe = header.isKeyframe && layerIDs[0] == 0
        if isKeyframe { recordedSpatialLayer = layerIDs[layerCount - 1] }
        // Keep the layer frames up to the recorded layer.
        var kept = 0
        while kept < layerCount && layerIDs[kept] <= recordedSpatialLayer { kept += 1 }
        guard kept > 0 else {
            beginDiscard(run, reason: .missingStart, events: &events)
            closeDiscard(events: &events)
            return
        }
        if kept < layerCount {
            layerFramesSkipped += layerCount - kept
            buffer.removeSubrange((layerStarts[kept - 1] + layerSizes[kept - 1])...)
        }
        var width: Int?
        var height: Int?
        if isKeyframe {
            let top = layerIDs[kept - 1]
            if ssWidths[top] > 0 && ssHeights[top] > 0 {
                width = ssWidths[top]; height = ssHeights[top]
            } else if kept == 1 {
                width = header.width; height = header.height
            } else {
                let topHeader = buffer.withUnsafeBytes { raw in
                    try? VP9FrameHeader(parsing: UnsafeRawBufferPointer(
                        rebasing: raw[layerStarts[kept - 1]..<(layerStarts[kept - 1] + layerSizes[kept - 1])]))
                }
                width = topHeader?.width ?? header.width
                height = topHeader?.height ?? header.height
            }
        }
        if kept > 1 { appendSuperframeIndex(frames: kept) }
        framesAssembled += 1
        if isKeyframe { keyframesAssembled += 1 }
        events.append(.frame(AssembledVideoFrame(
            data: buffer, rtpTimestamp: run.timestamp, isKeyframe: isKeyframe, width: width, height: height,
            firstSequenceNumber: run.firstSequenceNumber, lastSequenceNumber: run.lastSequenceNumber,
            pictureID: assemblingPictureID.map { .long($0 & 0x7FFF) },
            followsLoss: assemblingFollowsLoss)))
    }

    /// VP9 Annex B superframe index: marker `110 mm fff`, the sizes
    /// little-endian in mm + 1 bytes each, the marker again.
    private mutating func appendSuperframeIndex(frames: Int) {
        var largest = 0
        for i in 0..<frames { largest = max(largest, layerSizes[i]) }
        let magnitude = largest <= 0xFF ? 1 : largest <= 0xFFFF ? 2 : largest <= 0xFF_FFFF ? 3 : 4
        let marker = UInt8(0xC0 | (magnitude - 1) << 3 | (frames - 1))
        buffer.append(marker)
        for i in 0..<frames {
            var size = layerSizes[i]
            for _ in 0..<magnitude {
                buffer.append(UInt8(truncatingIfNeeded: size))
                size >>= 8
            }
        }
        buffer.append(marker)
    }

    private mutating func beginDiscard(_ run: Run, reason: VideoDropReason, events: inout [VideoDepacketizerEvent]) {
        closeDiscard(events: &events)
        discarding = run
        discardReason = reason
        lossPending = true
        layerOpen = false
        layerCount = 0
    }

    private mutating func discardPacket(sequenceNumber: UInt16, timestamp: UInt32, reason: VideoDropReason, marker: Bool,
                                        events: inout [VideoDepacketizerEvent]) {
        lossPending = true
        if var run = assembling {
            assembling = nil
            run.lastSequenceNumber = sequenceNumber
            run.packetCount += 1
            beginDiscard(run, reason: reason, events: &events)
        } else {
            beginDiscard(Run(timestamp: timestamp, firstSequenceNumber: sequenceNumber,
                             lastSequenceNumber: sequenceNumber, packetCount: 1), reason: reason, events: &events)
        }
        if marker { closeDiscard(events: &events) }
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
