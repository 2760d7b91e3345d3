/// Turns a truncated or unfinalized WebM file into a finalized one.
public enum WebMRepair {
    /// Reads `input` and, unless it is already finalized, writes a finalized
    /// copy to `output` (a different path; any existing file there is
    /// replaced): every complete, non-empty frame the parser delivers, including those of
    /// a cut final cluster, with the original timestamps and keyframe flags,
    /// re-clustered by `WebMWriter`, with Duration, Cues and SeekHead.
    ///
    /// An already finalized input (Duration and Cues present) returns
    /// `.alreadyFinalized` and writes nothing; the input is never modified.
    /// Throws `.outputIsInput`, reader errors (`.notWebM`, `.missingTracks`, …),
    /// `.unsupportedTrack` for a third track or a track that is neither video
    /// nor audio, `.noFrames` (or `.damagedBeforeFirstFrame` when the input
    /// stops parsing before its first frame), or writer errors.
    public static func repair(input: String, output: String) throws -> WebMRepairResult {
        guard input != output else { throw WebMError.outputIsInput }
        let info = try WebMReader.info(path: input)
        if info.isFinalized { return .alreadyFinalized }
        guard info.frameCount > 0 else {
            throw info.parseError.map { WebMError.damagedBeforeFirstFrame($0) } ?? WebMError.noFrames
        }

        var videoTrack: WebMVideoTrack?
        var audioTrack: WebMAudioTrack?
        var kinds: [UInt64: WebMTrackKind] = [:]
        for track in info.tracks {
            switch track.type {
            case .video where videoTrack == nil:
                videoTrack = WebMVideoTrack(codecID: track.codecID, width: track.width,
                                            height: track.height, codecPrivate: track.codecPrivate)
                kinds[track.number] = .video
            case .audio where audioTrack == nil:
                audioTrack = WebMAudioTrack(
                    codecID: track.codecID, codecPrivate: track.codecPrivate,
                    channels: track.channels,
                    sampleRate: track.sampleRate.isFinite && track.sampleRate > 0 ? track.sampleRate : 48_000,
                    codecDelayNs: track.codecDelayNs,
                    seekPreRollNs: track.seekPreRollNs)
                kinds[track.number] = .audio
            default:
                throw WebMError.unsupportedTrack(codecID: track.codecID)
            }
        }

        let writer = try WebMWriter(path: output, video: videoTrack, audio: audioTrack,
                                    muxingApp: "Capstan WebMRepair", writingApp: "Capstan")
        var kept = 0
        do {
            let second = try WebMReader.read(path: input) { frame in
                // An empty block carries nothing to keep (and the writer refuses it).
                guard let kind = kinds[frame.trackNumber], !frame.bytes.isEmpty else { return }
                try writer.writeFrame(track: kind, timestampNs: frame.timestampNs,
                                      keyframe: frame.isKeyframe, data: frame.bytes)
                kept += 1
            }
            // Frames of no track in Tracks, or only empty ones: nothing was kept.
            guard kept > 0 else { throw WebMError.noFrames }
            let summary = try writer.finalize()
            return .repaired(WebMRepairReport(
                framesKept: kept, framesInCompleteClusters: second.framesInCompleteClusters,
                inputParseError: second.parseError, summary: summary))
        } catch {
            _ = try? writer.finalize()
            throw error
        }
    }
}
