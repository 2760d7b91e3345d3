import CWebMParser

/// Reads WebM/Matroska files through libwebm's parser (CWebMParser).
///
/// Streams frames in file order; a truncated or damaged file yields every
/// frame up to the damage and reports where parsing stopped in
/// `WebMFileInfo.parseError` instead of throwing.
public enum WebMReader {
    /// Parses the file at `path`, calling `frames` for every complete frame.
    /// Throws `.readFailed` (cannot open), `.notWebM` (no EBML header with a
    /// webm/matroska DocType: empty, random or non-media input),
    /// `.missingTracks` (cut before Tracks were read), `.parserFailed`, or
    /// whatever `frames` throws (parsing stops there).
    @discardableResult
    public static func read(path: String, frames: (WebMFrame) throws -> Void) throws -> WebMFileInfo {
        try withoutActuallyEscaping(frames) { frames in
            let context = ReadContext(frames: frames)
            return try context.run(path: path)
        }
    }

    /// Parses the file without delivering frame bytes to the caller.
    public static func info(path: String) throws -> WebMFileInfo {
        try read(path: path) { _ in }
    }
}

/// State of one parse; passed to the C callbacks through `Unmanaged`.
private final class ReadContext {
    let frames: (WebMFrame) throws -> Void
    var docType: String?
    var timecodeScale: UInt64 = 1_000_000
    var durationTicks: Double?
    var tracks: [WebMTrackInfo] = []
    var clusters: [WebMClusterInfo] = []
    var segmentDataOffset: UInt64 = 0
    var segmentSize: UInt64?
    var hasCues = false
    var cuePoints: [WebMCuePoint] = []
    var seekEntries: [UInt64: UInt64] = [:]
    var frameCount = 0
    var lastCompleteClusterEnd: UInt64?
    var thrown: (any Error)?

    init(frames: @escaping (WebMFrame) throws -> Void) { self.frames = frames }

    func run(path: String) throws -> WebMFileInfo {
        var callbacks = cwebm_callbacks()
        callbacks.on_ebml = { ctx, docType, _ in
            ReadContext.from(ctx).docType = docType.map { String(cString: $0) } ?? ""
            return 0
        }
        callbacks.on_segment = { ctx, _, dataOffset, sizeKnown, size in
            let c = ReadContext.from(ctx)
            c.segmentDataOffset = dataOffset
            c.segmentSize = sizeKnown != 0 ? size : nil
            return 0
        }
        callbacks.on_seek = { ctx, id, position in
            ReadContext.from(ctx).seekEntries[id] = position
            return 0
        }
        callbacks.on_info = { ctx, scale, hasDuration, duration in
            let c = ReadContext.from(ctx)
            c.timecodeScale = scale
            c.durationTicks = hasDuration != 0 ? duration : nil
            return 0
        }
        callbacks.on_track = { ctx, track in
            guard let t = track?.pointee else { return 0 }
            let codecPrivate: [UInt8] = t.codec_private.map {
                Array(UnsafeBufferPointer(start: $0, count: t.codec_private_size))
            } ?? []
            ReadContext.from(ctx).tracks.append(WebMTrackInfo(
                number: t.number, type: WebMTrackType(raw: t.type),
                codecID: t.codec_id.map { String(cString: $0) } ?? "",
                codecPrivate: codecPrivate, codecDelayNs: t.codec_delay_ns,
                seekPreRollNs: t.seek_pre_roll_ns, defaultDurationNs: t.default_duration_ns,
                width: Int(clamping: t.pixel_width), height: Int(clamping: t.pixel_height),
                channels: Int(clamping: t.channels), sampleRate: t.sampling_frequency))
            return 0
        }
        callbacks.on_cluster_begin = { ctx, offset, timecodeNs in
            ReadContext.from(ctx).clusters.append(
                WebMClusterInfo(offset: offset, timecodeNs: timecodeNs, endOffset: nil, frameCount: 0))
            return 0
        }
        callbacks.on_cluster_end = { ctx, offset, end in
            let c = ReadContext.from(ctx)
            if let i = c.clusters.lastIndex(where: { $0.offset == offset }) {
                c.clusters[i].endOffset = end
            }
            c.lastCompleteClusterEnd = end
            return 0
        }
        callbacks.on_frame = { ctx, frame in
            let c = ReadContext.from(ctx)
            guard let f = frame?.pointee else { return 0 }
            let bytes: [UInt8] = f.data.map { Array(UnsafeBufferPointer(start: $0, count: Int(clamping: f.size))) } ?? []
            let value = WebMFrame(trackNumber: f.track_number, timestampNs: f.timestamp_ns,
                                  isKeyframe: f.is_keyframe != 0, offset: f.offset,
                                  clusterOffset: f.cluster_offset, laceIndex: Int(f.lace_index),
                                  bytes: bytes)
            do {
                try c.frames(value)
            } catch {
                c.thrown = error
                return 1
            }
            c.frameCount += 1
            if !c.clusters.isEmpty && c.clusters[c.clusters.count - 1].offset == f.cluster_offset {
                c.clusters[c.clusters.count - 1].frameCount += 1
            }
            return 0
        }
        callbacks.on_cue_point = { ctx, cue in
            guard let c = cue?.pointee else { return 0 }
            ReadContext.from(ctx).cuePoints.append(
                WebMCuePoint(timeNs: c.time_ns, track: c.track, clusterPosition: c.cluster_position))
            return 0
        }
        callbacks.on_cues = { ctx, _ in
            ReadContext.from(ctx).hasCues = true
            return 0
        }

        var status = cwebm_status()
        let unmanaged = Unmanaged.passRetained(self)
        defer { unmanaged.release() }
        let code = cwebm_parse_file(path, &callbacks, unmanaged.toOpaque(), &status)

        if let thrown { throw thrown }
        if code == Int32(CWEBM_OPEN_FAILED) {
            throw WebMError.readFailed(path: path, errno: status.errno_value)
        }
        if code == Int32(CWEBM_OUT_OF_MEMORY) || code == Int32(CWEBM_INTERNAL) || code == Int32(CWEBM_ABORTED) {
            throw WebMError.parserFailed(code: code)
        }
        guard let docType, docType == "webm" || docType == "matroska" else {
            throw WebMError.notWebM(docType: docType)
        }
        guard !tracks.isEmpty else {
            throw WebMError.missingTracks(parseErrorCode: code, offset: status.offset)
        }
        let scale = Double(timecodeScale)
        return WebMFileInfo(
            docType: docType, fileSize: status.file_size, timecodeScale: timecodeScale,
            durationNs: durationTicks.flatMap { d in
                let ns = d * scale
                // File-controlled: NaN, inf, negative or ≥ 2^63 ns would trap in Int64(_:).
                return ns.isFinite && ns >= 0 && ns < 0x1p63 ? Int64(ns) : nil
            },
            tracks: tracks, clusters: clusters, segmentDataOffset: segmentDataOffset,
            segmentSize: segmentSize, hasCues: hasCues, cuePoints: cuePoints,
            seekEntries: seekEntries, frameCount: frameCount,
            parseError: code == Int32(CWEBM_OK) ? nil : WebMParseError(code: code, offset: status.offset),
            lastCompleteClusterEnd: lastCompleteClusterEnd)
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> ReadContext {
        Unmanaged<ReadContext>.fromOpaque(ctx!).takeUnretainedValue()
    }
}
