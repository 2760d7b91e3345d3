/// Type of a track (Matroska TrackType).
public enum WebMTrackType: Sendable, Equatable {
    case video
    case audio
    case other(UInt64)

    init(raw: UInt64) {
        switch raw {
        case 1: self = .video
        case 2: self = .audio
        default: self = .other(raw)
        }
    }
}

/// One TrackEntry as read from a file. Absent values are 0 / empty.
public struct WebMTrackInfo: Sendable, Equatable {
    public var number: UInt64
    public var type: WebMTrackType
    public var codecID: String
    public var codecPrivate: [UInt8]
    public var codecDelayNs: UInt64
    public var seekPreRollNs: UInt64
    public var defaultDurationNs: UInt64
    public var width: Int
    public var height: Int
    public var channels: Int
    public var sampleRate: Double
}

/// One Cluster as read from a file.
public struct WebMClusterInfo: Sendable, Equatable {
    /// Absolute offset of the Cluster element.
    public var offset: UInt64
    public var timecodeNs: Int64
    /// Absolute offset just past the Cluster, when it was read completely.
    public var endOffset: UInt64?
    /// Frames delivered from this cluster.
    public var frameCount: Int
}

/// One CuePoint (its first CueTrackPositions).
public struct WebMCuePoint: Sendable, Equatable {
    public var timeNs: Int64
    public var track: UInt64
    /// Cluster position relative to the Segment data.
    public var clusterPosition: UInt64
}

/// Where and why parsing stopped early (truncated or malformed input).
public struct WebMParseError: Sendable, Equatable {
    /// libwebm status: -3 end of file inside an element (truncated);
    /// ≤ -1025 malformed element (see CWebMParser.h).
    public var code: Int32
    /// Byte offset where parsing stopped.
    public var offset: UInt64
    /// True when the input simply ended (a cut file) rather than being malformed.
    public var isTruncation: Bool { code == -3 }
}

/// Summary of a WebM file returned by `WebMReader.read`.
public struct WebMFileInfo: Sendable, Equatable {
    public var docType: String
    public var fileSize: UInt64
    public var timecodeScale: UInt64
    /// Info/Duration converted to ns, if present.
    public var durationNs: Int64?
    public var tracks: [WebMTrackInfo]
    public var clusters: [WebMClusterInfo]
    /// Absolute offset of the Segment's data (Cue and Seek positions are relative to it).
    public var segmentDataOffset: UInt64
    /// Segment size, nil for an unknown-size (live / unfinalized) Segment.
    public var segmentSize: UInt64?
    public var hasCues: Bool
    public var cuePoints: [WebMCuePoint]
    /// SeekHead entries: element ID → position relative to the Segment data.
    public var seekEntries: [UInt64: UInt64]
    public var frameCount: Int
    /// Nil when the whole file parsed.
    public var parseError: WebMParseError?
    /// End offset of the last Cluster read completely (nil when none was).
    public var lastCompleteClusterEnd: UInt64?

    public var hasSeekHead: Bool { !seekEntries.isEmpty }
    public var cuePointCount: Int { cuePoints.count }
    /// Duration present, at least one CuePoint, and the whole file parsed
    /// (a finalized file that was later cut is not finalized).
    public var isFinalized: Bool { durationNs != nil && cuePointCount > 0 && parseError == nil }
    /// Frames in clusters that were read completely.
    public var framesInCompleteClusters: Int {
        clusters.reduce(0) { $0 + ($1.endOffset == nil ? 0 : $1.frameCount) }
    }
}
