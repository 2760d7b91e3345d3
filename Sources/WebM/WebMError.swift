/// Errors thrown by the WebM module.
public enum WebMError: Error, Equatable, Sendable {
    /// The output file could not be opened (`errno` from `open(2)`).
    case openFailed(path: String, errno: Int32)
    /// A write, seek or sync of the output failed (`errno`, e.g. `ENOSPC`).
    /// After it the writer accepts no more frames; `finalize()` still closes
    /// the file as playable as possible.
    case writeFailed(errno: Int32)
    /// The writer was already finalized.
    case alreadyFinalized
    /// `init` was given neither a video nor an audio track.
    case noTracks
    /// A frame was written to a track the writer was not created with.
    case trackNotConfigured(WebMTrackKind)
    /// A frame does not fit in one SimpleBlock (more than 2^56 bytes) or is empty.
    case invalidFrame(size: Int)
    /// The input file could not be opened for reading.
    case readFailed(path: String, errno: Int32)
    /// The input has no EBML header with DocType `webm` or `matroska`.
    case notWebM(docType: String?)
    /// The input's Tracks element is missing or cut; parsing stopped at `offset`.
    case missingTracks(parseErrorCode: Int32, offset: UInt64)
    /// The parser failed in a way that is not a property of the input (memory, internal).
    case parserFailed(code: Int32)
    /// Repair: the input holds a track the writer cannot carry.
    case unsupportedTrack(codecID: String)
    /// Repair: the input has no complete frame to keep.
    case noFrames
    /// Repair: the input is malformed or cut (or holds a time out of range)
    /// before its first complete frame; parsing stopped there.
    case damagedBeforeFirstFrame(WebMParseError)
    /// Repair: input and output are the same path.
    case outputIsInput
}
