/// Writes a crash-safe WebM file (VP8 video and/or Opus audio) with SimpleBlocks;
/// with a video codec WebM does not take (H.264, `V_MPEG4/ISO/AVC` with its
/// `avcC` CodecPrivate) the same layout under DocType `matroska`.
///
/// Layout: EBML header; Segment of unknown size; a Void reserving room for the
/// SeekHead; Info with a Void reserving room for Duration; Tracks; then each
/// Cluster, written whole (exact size, one `write`) when it closes. At every
/// instant the file on disk is a valid live-style WebM that plays up to its
/// last complete Cluster. `finalize()` appends Cues, patches Duration, the
/// SeekHead (Info, Tracks, Cues) and the Segment size in place.
///
/// Clusters: a new one at every video keyframe and whenever a frame is 5 s or
/// more past the cluster start (so block timecodes stay in Int16 range). Cues:
/// one per video keyframe; a cluster opened by an audio frame gets an audio
/// cue when no video keyframe was cued in the last 5 s (audio-only files,
/// audio before the first keyframe, video outages).
///
/// Duration: end of the last frame, i.e. its time plus its length (from the
/// Opus TOC for audio, the last frame interval for video).
///
/// Timestamps: TimecodeScale is 1 ms; ns are floored to ms; negative times are
/// clamped to 0. A frame older than its track's previous frame is clamped to
/// that frame's time (counted in `clampedTimestamps`). A frame older than the
/// current cluster's start (audio interleaved behind a video keyframe) keeps
/// its exact time: the SimpleBlock timecode is signed, so it is written as a
/// negative offset from the cluster start (Matroska permits it; ffmpeg and
/// libwebm read it). No new cluster is started for it.
///
/// Per-frame work is allocation-free in steady state: the cluster buffer is reused.
///
/// Not thread-safe; owned by its session.
public final class WebMWriter {
    /// Cluster length after which the next frame starts a new cluster.
    public static let maxClusterDurationMs: Int64 = 5_000
    /// A cluster is also closed at this many bytes or frames, whatever the
    /// media time: memory per recording stays bounded (a peer that sends
    /// delta frames with one timestamp forever cannot grow it) and the file
    /// on disk keeps up with what was received (crash safety).
    public static let maxClusterBytes = 4 << 20
    public static let maxClusterFrames = 1_000

    public let path: String
    /// Track number of the video track, if any (1).
    public let videoTrackNumber: UInt64?
    /// Track number of the audio track, if any (2, or 1 when audio-only).
    public let audioTrackNumber: UInt64?
    /// When true, `fsync` after every cluster (slower; survives power loss).
    public var syncEachCluster = false

    private struct Cue {
        var timeMs: Int64
        var track: UInt64
        var clusterPosition: UInt64
    }

    private struct TrackState {
        var lastMs: Int64 = -1
        var previousMs: Int64 = -1
        var frames = 0
        var keyframes = 0
        /// Duration of the last frame when the codec says (Opus TOC), else nil.
        var lastDurationNs: Int64?
    }

    private let file: POSIXFile
    private let segmentSizeOffset: UInt64
    private let segmentDataStart: UInt64
    private let seekHeadReserveOffset: UInt64
    private static let seekHeadReserveSize = 96
    private let durationReserveOffset: UInt64
    private let infoOffset: UInt64
    private let tracksOffset: UInt64

    /// End of the last completely written data.
    private var fileEnd: UInt64
    // The per-frame state skips Swift's dynamic exclusivity check (a writer is
    // used from one thread, never re-entrantly): 825 → 690 instructions per
    // block (scripts/bench-hotpaths, webm-block-write).
    @exclusivity(unchecked) private var cluster = EBMLWriter(capacity: 1 << 20)
    private var clusterOpen = false
    private var clusterStartMs: Int64 = 0
    private var clusterFrames = 0
    private static let clusterHeaderSize = 12  // 4-byte ID + 8-byte size
    private var clustersWritten = 0
    @exclusivity(unchecked) private var cues: [Cue] = []
    private var lastVideoCueMs: Int64?
    private let audioIsOpus: Bool
    @exclusivity(unchecked) private var video = TrackState()
    @exclusivity(unchecked) private var audio = TrackState()
    /// Track states as of the last cluster that reached the file.
    private var committedVideo = TrackState()
    private var committedAudio = TrackState()
    private var clamped = 0
    private var lostFrames = 0
    private var writeErrno: Int32?
    private var finalized = false

    /// Creates the file (truncating any existing one) and writes the header,
    /// Info and Tracks. Throws `WebMError.noTracks` without a track,
    /// `.openFailed` / `.writeFailed` on I/O errors.
    public init(path: String, video: WebMVideoTrack?, audio: WebMAudioTrack?,
                muxingApp: String, writingApp: String) throws {
        guard video != nil || audio != nil else { throw WebMError.noTracks }
        self.path = path
        audioIsOpus = audio?.codecID == "A_OPUS"
        videoTrackNumber = video == nil ? nil : 1
        audioTrackNumber = audio == nil ? nil : (video == nil ? 1 : 2)

        var w = EBMLWriter(capacity: 1024)
        w.writeMaster(id: MatroskaID.ebml) { e in
            e.writeUInt(id: MatroskaID.ebmlVersion, 1)
            e.writeUInt(id: MatroskaID.ebmlReadVersion, 1)
            e.writeUInt(id: MatroskaID.ebmlMaxIDLength, 4)
            e.writeUInt(id: MatroskaID.ebmlMaxSizeLength, 8)
            e.writeString(id: MatroskaID.docType, video?.docType ?? "webm")
            e.writeUInt(id: MatroskaID.docTypeVersion, 4)
            e.writeUInt(id: MatroskaID.docTypeReadVersion, 2)
        }
        w.writeID(MatroskaID.segment)
        segmentSizeOffset = UInt64(w.count)
        w.writeUnknownSize()
        segmentDataStart = UInt64(w.count)

        seekHeadReserveOffset = UInt64(w.count)
        w.writeVoid(totalSize: Self.seekHeadReserveSize)

        infoOffset = UInt64(w.count)
        var info = EBMLWriter()
        info.writeUInt(id: MatroskaID.timecodeScale, 1_000_000)
        info.writeString(id: MatroskaID.muxingApp, muxingApp)
        info.writeString(id: MatroskaID.writingApp, writingApp)
        let durationInInfo = info.count
        info.writeVoid(totalSize: Self.durationElementSize)
        w.writeHeader(id: MatroskaID.info, size: UInt64(info.count))
        durationReserveOffset = UInt64(w.count + durationInInfo)
        w.writeRaw(info.bytes)

        tracksOffset = UInt64(w.count)
        let videoNumber = videoTrackNumber
        let audioNumber = audioTrackNumber
        w.writeMaster(id: MatroskaID.tracks) { t in
            if let video, let number = videoNumber {
                t.writeMaster(id: MatroskaID.trackEntry) { e in
                    e.writeUInt(id: MatroskaID.trackNumber, number)
                    e.writeUInt(id: MatroskaID.trackUID, UInt64.random(in: 1...UInt64.max))
                    e.writeUInt(id: MatroskaID.trackType, 1)
                    e.writeUInt(id: MatroskaID.flagLacing, 0)
                    e.writeString(id: MatroskaID.codecID, video.codecID)
                    if !video.codecPrivate.isEmpty { e.writeBinary(id: MatroskaID.codecPrivate, video.codecPrivate) }
                    e.writeMaster(id: MatroskaID.video) { v in
                        v.writeUInt(id: MatroskaID.pixelWidth, UInt64(max(0, video.width)))
                        v.writeUInt(id: MatroskaID.pixelHeight, UInt64(max(0, video.height)))
                    }
                }
            }
            if let audio, let number = audioNumber {
                t.writeMaster(id: MatroskaID.trackEntry) { e in
                    e.writeUInt(id: MatroskaID.trackNumber, number)
                    e.writeUInt(id: MatroskaID.trackUID, UInt64.random(in: 1...UInt64.max))
                    e.writeUInt(id: MatroskaID.trackType, 2)
                    e.writeUInt(id: MatroskaID.flagLacing, 0)
                    e.writeString(id: MatroskaID.codecID, audio.codecID)
                    if !audio.codecPrivate.isEmpty { e.writeBinary(id: MatroskaID.codecPrivate, audio.codecPrivate) }
                    e.writeUInt(id: MatroskaID.codecDelay, audio.codecDelayNs)
                    e.writeUInt(id: MatroskaID.seekPreRoll, audio.seekPreRollNs)
                    e.writeMaster(id: MatroskaID.audio) { a in
                        a.writeFloat(id: MatroskaID.samplingFrequency, audio.sampleRate)
                        a.writeUInt(id: MatroskaID.channels, UInt64(max(1, audio.channels)))
                    }
                }
            }
        }
        let file = try POSIXFile(creatingAt: path)
        try w.bytes.withUnsafeBytes { try file.write($0) }
        self.file = file
        fileEnd = UInt64(w.count)
    }

    /// Duration element: 2-byte ID, 1-byte size, 8-byte float.
    private static let durationElementSize = 11

    deinit { file.close() }

    /// Test hook: make appends fail with ENOSPC past `bytes` of file size.
    func simulateDiskFull(atFileSize bytes: UInt64) { file.sizeLimit = bytes }

    /// Appends one frame as a SimpleBlock. Audio frames are always keyframes.
    /// Throws `.trackNotConfigured`, `.invalidFrame`, `.alreadyFinalized`, or
    /// `.writeFailed(errno:)` (then and afterwards: the writer is stopped; call
    /// `finalize()` to close the file at its last complete cluster).
    public func writeFrame(track: WebMTrackKind, timestampNs: Int64, keyframe: Bool,
                           data: UnsafeRawBufferPointer) throws {
        guard !finalized else { throw WebMError.alreadyFinalized }
        if let writeErrno {
            lostFrames += 1
            throw WebMError.writeFailed(errno: writeErrno)
        }
        let trackNumber: UInt64
        switch track {
        case .video:
            guard let n = videoTrackNumber else { throw WebMError.trackNotConfigured(.video) }
            trackNumber = n
        case .audio:
            guard let n = audioTrackNumber else { throw WebMError.trackNotConfigured(.audio) }
            trackNumber = n
        }
        guard data.count > 0, UInt64(data.count) + 4 <= EBMLWriter.maxSize else {
            throw WebMError.invalidFrame(size: data.count)
        }
        let isKey = track == .audio || keyframe

        // Strictly increasing per track, in the file's 1 ms ticks: an equal
        // time would be a duplicate timestamp to players.
        var ms = max(0, timestampNs) / 1_000_000
        let (lastMs, written) = track == .video ? (video.lastMs, video.frames > 0) : (audio.lastMs, audio.frames > 0)
        if written && ms <= lastMs {
            ms = lastMs + 1
            clamped += 1
        }

        let startsCluster = !clusterOpen
            || (track == .video && isKey && clusterFrames > 0)
            || ms - clusterStartMs >= Self.maxClusterDurationMs
            || ms - clusterStartMs > Int64(Int16.max)
            // One track far behind the other (a peer's timestamps can put them
            // minutes apart): a block more than 32 s before the cluster cannot
            // be expressed, so it starts a cluster of its own rather than be
            // clamped onto the time of the block before it.
            || ms - clusterStartMs < Int64(Int16.min)
            || (clusterFrames > 0 && cluster.count + data.count > Self.maxClusterBytes)
            || clusterFrames >= Self.maxClusterFrames
        if startsCluster {
            if clusterOpen {
                do { try flushCluster() } catch {
                    lostFrames += 1
                    throw error
                }
            }
            openCluster(at: ms)
            let position = fileEnd - segmentDataStart
            if track == .video && isKey {
                cues.append(Cue(timeMs: ms, track: trackNumber, clusterPosition: position))
                lastVideoCueMs = ms
            } else if track == .audio,
                      lastVideoCueMs.map({ ms - $0 >= Self.maxClusterDurationMs }) ?? true {
                // Audio-only files, audio before the first video keyframe, or a
                // video outage: the cluster's first audio block is a seek point.
                cues.append(Cue(timeMs: ms, track: trackNumber, clusterPosition: position))
            }
        }
        var relative = ms - clusterStartMs
        if relative < Int64(Int16.min) {
            // More than 32 s older than the cluster: cannot be expressed; clamp.
            relative = Int64(Int16.min)
            clamped += 1
        }

        // SimpleBlock: track VINT (1 byte for tracks 1–2), Int16 timecode, flags.
        let body = UInt64(data.count) + 4
        cluster.writeHeader(id: MatroskaID.simpleBlock, size: body)
        let blockHeader: (UInt8, UInt8, UInt8, UInt8) = (
            0x80 | UInt8(trackNumber),
            UInt8(truncatingIfNeeded: UInt16(bitPattern: Int16(relative)) >> 8),
            UInt8(truncatingIfNeeded: UInt16(bitPattern: Int16(relative))),
            isKey ? 0x80 : 0x00)
        withUnsafeBytes(of: blockHeader) { cluster.writeRaw($0) }
        cluster.writeRaw(data)
        clusterFrames += 1

        switch track {
        case .video:
            video.previousMs = video.lastMs
            video.lastMs = ms
            video.frames += 1
            if isKey { video.keyframes += 1 }
        case .audio:
            audio.previousMs = audio.lastMs
            audio.lastMs = ms
            audio.frames += 1
            audio.keyframes += 1
            audio.lastDurationNs = audioIsOpus ? OpusPacket.durationNs(data) : nil
        }
    }

    /// Appends one frame (see the `UnsafeRawBufferPointer` variant).
    public func writeFrame(track: WebMTrackKind, timestampNs: Int64, keyframe: Bool,
                           data: [UInt8]) throws {
        try data.withUnsafeBytes {
            try writeFrame(track: track, timestampNs: timestampNs, keyframe: keyframe, data: $0)
        }
    }

    /// Writes the open cluster now (it is otherwise written when the next one
    /// starts), so everything written so far is playable from disk.
    public func flush() throws {
        guard !finalized else { throw WebMError.alreadyFinalized }
        if let writeErrno { throw WebMError.writeFailed(errno: writeErrno) }
        if clusterOpen && clusterFrames > 0 {
            // The next frame opens a fresh cluster.
            try flushCluster()
        }
    }

    /// Closes the file: writes the open cluster, appends Cues, patches
    /// Duration, SeekHead and Segment size in place, fsyncs and closes.
    /// After a write failure it cuts the file back to its last complete
    /// cluster and finalizes that (Cues only if they still fit).
    /// Throws `.alreadyFinalized`, or `.writeFailed` if even the in-place
    /// patches fail (the file then still plays as an unfinalized file).
    @discardableResult
    public func finalize() throws -> WebMWriterSummary {
        guard !finalized else { throw WebMError.alreadyFinalized }
        finalized = true
        defer { file.close() }

        if writeErrno == nil && clusterOpen && clusterFrames > 0 {
            try? flushCluster()  // a failure is recorded in writeErrno
        }
        clusterOpen = false
        if writeErrno != nil { try? file.truncate(to: fileEnd) }

        // Cues for clusters that made it to disk.
        let kept = cues.filter { $0.clusterPosition + segmentDataStart < fileEnd }
        var cuesOffset: UInt64?
        if !kept.isEmpty {
            var c = EBMLWriter(capacity: 64 * kept.count + 16)
            c.writeMaster(id: MatroskaID.cues) { w in
                for cue in kept {
                    w.writeMaster(id: MatroskaID.cuePoint) { p in
                        p.writeUInt(id: MatroskaID.cueTime, UInt64(cue.timeMs))
                        p.writeMaster(id: MatroskaID.cueTrackPositions) { t in
                            t.writeUInt(id: MatroskaID.cueTrack, cue.track)
                            t.writeUInt(id: MatroskaID.cueClusterPosition, cue.clusterPosition)
                        }
                    }
                }
            }
            do {
                try c.bytes.withUnsafeBytes { try file.write($0) }
                cuesOffset = fileEnd
                fileEnd += UInt64(c.count)
            } catch {
                if case WebMError.writeFailed(let e) = error, writeErrno == nil { writeErrno = e }
                try? file.truncate(to: fileEnd)
            }
        }

        // Duration over the Void reserved in Info.
        let durationNs = endTimeNs()
        var d = EBMLWriter(capacity: 16)
        d.writeFloat(id: MatroskaID.duration, Double(durationNs) / 1_000_000)
        precondition(d.count == Self.durationElementSize)
        try d.bytes.withUnsafeBytes { try file.pwrite($0, at: durationReserveOffset) }

        // SeekHead over its reserved Void (8-byte positions: fixed size).
        var s = EBMLWriter(capacity: Self.seekHeadReserveSize)
        var entries: [(UInt32, UInt64)] = [(MatroskaID.info, infoOffset), (MatroskaID.tracks, tracksOffset)]
        if let cuesOffset { entries.append((MatroskaID.cues, cuesOffset)) }
        let segmentStart = segmentDataStart
        s.writeMaster(id: MatroskaID.seekHead) { h in
            for (id, offset) in entries {
                h.writeMaster(id: MatroskaID.seek) { e in
                    var idBytes = EBMLWriter(capacity: 4)
                    idBytes.writeID(id)
                    e.writeBinary(id: MatroskaID.seekID, idBytes.bytes)
                    e.writeUInt(id: MatroskaID.seekPosition, offset - segmentStart, width: 8)
                }
            }
        }
        s.writeVoid(totalSize: Self.seekHeadReserveSize - s.count)
        try s.bytes.withUnsafeBytes { try file.pwrite($0, at: seekHeadReserveOffset) }

        // Segment size, in the 8 bytes that held the unknown-size marker.
        var z = EBMLWriter(capacity: 8)
        z.writeSize(fileEnd - segmentDataStart, width: 8)
        try z.bytes.withUnsafeBytes { try file.pwrite($0, at: segmentSizeOffset) }
        try file.sync()

        return WebMWriterSummary(
            path: path, durationNs: durationNs,
            videoFrames: committedVideo.frames, videoKeyframes: committedVideo.keyframes,
            audioFrames: committedAudio.frames,
            clusters: clustersWritten, cuePoints: cuesOffset == nil ? 0 : kept.count,
            bytes: fileEnd, clampedTimestamps: clamped, lostFrames: lostFrames,
            writeErrno: writeErrno, hasCues: cuesOffset != nil)
    }

    // MARK: - Private

    private func openCluster(at ms: Int64) {
        cluster.removeAll()
        // Placeholder for the Cluster ID and its 8-byte size, patched on flush.
        cluster.writeID(MatroskaID.cluster)
        cluster.writeUnknownSize()
        cluster.writeUInt(id: MatroskaID.timecode, UInt64(ms))
        clusterStartMs = ms
        clusterFrames = 0
        clusterOpen = true
    }

    /// Writes the buffered cluster with its exact size in one write.
    private func flushCluster() throws {
        let size = UInt64(cluster.count - Self.clusterHeaderSize)
        let marked = size | (UInt64(1) << 56)
        withUnsafeBytes(of: marked.bigEndian) { raw in
            cluster.patch(at: 4, raw)
        }
        do {
            try cluster.bytes.withUnsafeBytes { try file.write($0) }
            if syncEachCluster { try file.sync() }
        } catch {
            if case WebMError.writeFailed(let e) = error { writeErrno = e }
            lostFrames += clusterFrames
            clusterOpen = false
            clusterFrames = 0
            throw error
        }
        fileEnd += UInt64(cluster.count)
        clustersWritten += 1
        committedVideo = video
        committedAudio = audio
        clusterOpen = false
    }

    /// End of the last frame: its time plus the track's last frame interval.
    /// Times come from the caller (repair: from a file), so the sum saturates
    /// at Int64.max ns instead of trapping; `lastMs` ≤ Int64.max / 10^6 (it
    /// was floored from ns), so the products cannot overflow.
    private func endTimeNs() -> Int64 {
        func end(_ t: TrackState) -> Int64 {
            guard t.lastMs >= 0 else { return 0 }
            let step = t.lastDurationNs ?? (t.previousMs >= 0 ? (t.lastMs - t.previousMs) * 1_000_000 : 0)
            let (sum, overflow) = (t.lastMs * 1_000_000).addingReportingOverflow(step)
            return overflow ? .max : sum
        }
        let end = max(end(committedVideo), end(committedAudio))
        // A zero Duration reads as "unknown": give a lone frame 1 ms.
        return committedVideo.frames + committedAudio.frames > 0 ? max(end, 1_000_000) : 0
    }
}
