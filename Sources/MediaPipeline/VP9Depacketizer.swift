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
/// recorded layer, as one VP9 superframe (VP9 spec Annex B: the frames, then
/// an index of their sizes), which libvpx and FFmpeg decode to the picture
/// of the top layer written. The recorded layer is the highest one whose
/// references the file holds, and it follows what arrives complete:
/// - A keyframe picture sets it to its highest layer frame that arrived
///   complete (layers above, or after a layer frame that is missing, are left
///   out).
/// - A picture whose upper layer frames are lost (packets missing at its
///   end, or a hole after its base layer frame) is not dropped: the layer
///   frames that arrived complete below the loss are written
///   (`VideoPayloadFormat.salvage`), and the recorded layer falls to the top
///   one of them — later frames of the lost layers predict from the lost one.
///   The picture after it does not follow loss when it is the next picture
///   ID and starts at layer 0.
/// - Later pictures' layer frames above the recorded layer are left out
///   while they are inter-picture predicted (P = 1); a layer frame with
///   P = 0 — a layer sync frame, RFC 9628 §4.2: only inter-layer
///   prediction from the layer below, D — is a switching point: from that
///   picture the recorded layer is back up (up to the highest such layer
///   frame in a chain from the recorded one), as it is at the next keyframe.
/// - A layer frame with D = 1 is written only above the layer frame it
///   predicts from (SID − 1 of the same picture).
/// Resolution follows the top layer written; a change of the recorded layer
/// outside a keyframe reports the new size (from the scalability structure,
/// Y = 1) with the frame. A loss of the base layer frame drops the picture
/// (the next one follows loss, as for one layer).
///
/// Keyframes: the base layer frame's uncompressed header says KEY_FRAME
/// (`VP9FrameHeader`). The descriptor's P bit of that layer frame is checked
/// against it: P = 0 should mean a keyframe or an intra-only frame, P = 1
/// neither. The header decides (it is what the decoder goes by); a
/// disagreement is counted (`predictionFlagMismatches`). Width and height
/// of a keyframe come from the scalability structure (SS, Y = 1) for the
/// top layer written, else from that layer frame's uncompressed header.
///
/// Hostile input and loss: as `VP8Depacketizer` — incomplete pictures are
/// `.dropped` (except the salvaged lower layers above), the next complete
/// one `followsLoss`; descriptors and headers are bounds-checked; pictures
/// are bounded by `maxFrameSize`.
///
/// Allocation: the picture is assembled in a reused buffer the emitted frame
/// shares (`VideoFrameAssembler`); layer bookkeeping lives in fixed storage:
/// nothing is allocated per packet in steady state.
public typealias VP9Depacketizer = VideoFrameAssembler<VP9PayloadFormat>

extension VideoFrameAssembler where Format == VP9PayloadFormat {
    /// - Parameter maxFrameSize: the largest picture accepted (default 4 MiB).
    public init(maxFrameSize: Int = 4 << 20) {
        self.init(format: VP9PayloadFormat(), maxFrameSize: maxFrameSize)
    }

    /// The spatial layer written: the highest one whose references the file holds.
    public var recordedSpatialLayer: Int { format.recordedSpatialLayer }
    /// Complete layer frames left out (above the recorded layer, or above a missing one).
    public var layerFramesSkipped: Int { format.layerFramesSkipped }
    /// Times the recorded layer fell because a layer frame at or below it was lost.
    public var spatialLayerFalls: Int { format.spatialLayerFalls }
    /// Times it rose again at a switching point (P = 0), not at a keyframe.
    public var spatialLayerSwitchUps: Int { format.spatialLayerSwitchUps }
    /// Base layer frames whose descriptor P bit disagreed with the frame header.
    public var predictionFlagMismatches: Int { format.predictionFlagMismatches }
}

/// VP9's part of `VP9Depacketizer` (RFC 9628): payload descriptors, layer
/// frames from B to E, the recorded spatial layers as one superframe.
public struct VP9PayloadFormat: VideoPayloadFormat {
    /// The spatial layer written: the highest one whose references the file holds.
    public private(set) var recordedSpatialLayer: Int = 0
    /// Complete layer frames left out (above the recorded layer, or above a missing one).
    public private(set) var layerFramesSkipped: Int = 0
    /// Times the recorded layer fell because a layer frame at or below it was lost.
    public private(set) var spatialLayerFalls: Int = 0
    /// Times it rose again at a switching point (P = 0), not at a keyframe.
    public private(set) var spatialLayerSwitchUps: Int = 0
    /// Base layer frames whose P bit disagreed with the uncompressed header
    /// (P = 0 on an inter frame, or P = 1 on a keyframe or intra-only frame).
    public private(set) var predictionFlagMismatches: Int = 0

    private var pictureID: UInt16?
    /// The picture ID of the picture last salvaged.
    private var salvagedPictureID: UInt16?
    /// Layer frames of the picture: start offset, size, spatial id, P and D
    /// of its first packet (8 at most).
    private var layerStarts: [Int] = Array(repeating: 0, count: 8)
    private var layerSizes: [Int] = Array(repeating: 0, count: 8)
    private var layerIDs: [Int] = Array(repeating: 0, count: 8)
    private var layerPredicted: [Bool] = Array(repeating: false, count: 8)
    private var layerDependent: [Bool] = Array(repeating: false, count: 8)
    private var layerCount = 0
    private var layerOpen = false
    /// The last scalability structure's layer sizes (0: unknown).
    private var ssWidths: [Int] = Array(repeating: 0, count: 8)
    private var ssHeights: [Int] = Array(repeating: 0, count: 8)

    public init() {}

    /// B (0x08 of the first byte) starts a layer frame; `append` reads the
    /// whole descriptor, and a malformed one drops the picture there.
    public func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        guard let first = payload.first else { return .malformed(.truncatedVP9Descriptor) }
        return first & 0x08 != 0 ? nil : .missingStart
    }

    /// A layer frame still open: cut off by a new timestamp (its end was
    /// lost), or a marker inside it (malformed).
    public func unfinished(next: UnsafeRawBufferPointer?) -> VideoDropReason? {
        guard layerOpen else { return nil }
        return next == nil ? .malformed(.malformedVP9Payload(.unfinishedFrame)) : .missingEnd
    }

    public mutating func abandon() {
        layerOpen = false
        layerCount = 0
    }

    public mutating func append(_ payload: UnsafeRawBufferPointer, first: Bool, to buffer: inout [UInt8],
                                maxFrameSize: Int) -> VideoDropReason? {
        let descriptor: VP9PayloadDescriptor
        do throws(MediaPipelineError) {
            descriptor = try DescriptorReader<VP9PayloadDescriptor>.read(payload)
        } catch {
            return .malformed(error)
        }
        if first {
            layerCount = 0
            layerOpen = false
            pictureID = descriptor.pictureID
        }
        return append(descriptor, payload: payload, to: &buffer, maxFrameSize: maxFrameSize)
    }

    /// Adds the packet's data to the picture; the reason to drop it, or nil.
    private mutating func append(_ d: VP9PayloadDescriptor, payload: UnsafeRawBufferPointer, to buffer: inout [UInt8],
                                 maxFrameSize: Int) -> VideoDropReason? {
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
            layerPredicted[layerCount] = d.isInterPicturePredicted
            layerDependent[layerCount] = d.isInterLayerDependent && sid > 0
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

    public mutating func complete(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion {
        guard layerCount > 0 else { return .dropped(.missingEnd) }
        return finish(&buffer, lost: false)
    }

    /// The picture lost its tail or a hole after its base layer frame: its
    /// complete layer frames from the base layer up are written (a layer
    /// frame cut off is removed), and the recorded layer falls to the top one.
    public mutating func salvage(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion? {
        defer { abandon() }
        guard layerCount > 0, layerIDs[0] == 0 else { return nil }
        let end = layerStarts[layerCount - 1] + layerSizes[layerCount - 1]
        if buffer.count > end { buffer.removeLast(buffer.count - end) }
        let completion = finish(&buffer, lost: true)
        guard case .frame = completion else { return nil }
        salvagedPictureID = pictureID
        return completion
    }

    /// The first packet after a salvaged picture starts the next picture
    /// (picture ID + 1, 7- or 15-bit) at its base layer.
    public func followsSalvaged(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard let last = salvagedPictureID,
              let d = try? DescriptorReader<VP9PayloadDescriptor>.read(payload),
              d.isStartOfFrame, d.spatialID == 0, let next = d.pictureID else { return false }
        return next == (last &+ 1) & 0x7FFF || next == (last &+ 1) & 0x7F
    }

    /// The picture's complete layer frames are in `buffer`: keep those the
    /// file can decode, update the recorded layer (`lost`: layer frames above
    /// them were lost), add the superframe index.
    private mutating func finish(_ buffer: inout [UInt8], lost: Bool) -> VideoFrameCompletion {
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
            return .dropped(.malformed(.malformedVP9Payload(.badFrameHeader(fault))))
        }
        let isBase = layerIDs[0] == 0
        let isKeyframe = header.isKeyframe && isBase
        // P = 0: no inter-picture prediction — a keyframe or an intra-only
        // frame. The header decides; a descriptor that disagrees is counted.
        if isBase && !header.showExistingFrame && layerPredicted[0] == (header.isKeyframe || header.isIntraOnly) {
            predictionFlagMismatches += 1
        }
        // Keep layer frames while each one's references are written: the
        // layer below in this picture (D), earlier frames of its layer (P,
        // intact up to the recorded layer; a keyframe restarts them all).
        var kept = 0
        while kept < layerCount {
            let sid = layerIDs[kept]
            if layerDependent[kept] && (kept == 0 || layerIDs[kept - 1] != sid - 1) { break }
            if !isKeyframe && layerPredicted[kept] && sid > recordedSpatialLayer { break }
            kept += 1
        }
        guard kept > 0 else {
            layerFramesSkipped += layerCount
            return .dropped(.missingStart)
        }
        let top = layerIDs[kept - 1]
        let previous = recordedSpatialLayer
        if isKeyframe || top > recordedSpatialLayer {
            recordedSpatialLayer = top
            if !isKeyframe { spatialLayerSwitchUps += 1 }
        } else if top < recordedSpatialLayer && (lost || (kept < layerCount && layerIDs[kept] <= recordedSpatialLayer)) {
            // A layer frame at or below the recorded layer is not written.
            recordedSpatialLayer = top
            spatialLayerFalls += 1
        }
        if kept < layerCount {
            layerFramesSkipped += layerCount - kept
            buffer.removeLast(buffer.count - (layerStarts[kept - 1] + layerSizes[kept - 1]))
        }
        var width: Int?
        var height: Int?
        if isKeyframe || recordedSpatialLayer != previous {
            if ssWidths[top] > 0 && ssHeights[top] > 0 {
                width = ssWidths[top]; height = ssHeights[top]
            } else if kept == 1 {
                width = header.width; height = header.height
            } else {
                let topHeader = buffer.withUnsafeBytes { raw in
                    try? VP9FrameHeader(parsing: UnsafeRawBufferPointer(
                        rebasing: raw[layerStarts[kept - 1]..<(layerStarts[kept - 1] + layerSizes[kept - 1])]))
                }
                width = topHeader?.width ?? (isKeyframe ? header.width : nil)
                height = topHeader?.height ?? (isKeyframe ? header.height : nil)
            }
        }
        if kept > 1 { appendSuperframeIndex(frames: kept, to: &buffer) }
        return .frame(isKeyframe: isKeyframe, width: width, height: height,
                      pictureID: pictureID.map { .long($0 & 0x7FFF) })
    }

    /// VP9 Annex B superframe index: marker `110 mm fff`, the sizes
    /// little-endian in mm + 1 bytes each, the marker again.
    private func appendSuperframeIndex(frames: Int, to buffer: inout [UInt8]) {
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
}
