/// Everything `MediaInspector.inspect(path:)` found out about one file; the
/// JSON form of `capstan inspect --json` (one array of these).
public struct InspectionReport: Codable, Sendable, Equatable {
    public var path: String
    public var container: ContainerKind
    /// No problems: the file parsed whole, has frames, and every frame decoded.
    public var valid: Bool { problems.isEmpty }
    /// What is wrong, one clear sentence each. Non-empty means invalid.
    public var problems: [String]
    /// Facts worth knowing that do not make the file invalid (not finalized,
    /// a codec that is not decoded, a duration mismatch, …).
    public var warnings: [String]
    /// WebM: Duration and Cues present and the whole file parsed. Ogg: an
    /// end-of-stream page was read and nothing was truncated.
    public var finalized: Bool
    public var fileSize: UInt64
    /// Duration stored in the container (WebM Info/Duration; Ogg: last
    /// granule position minus pre-skip), if any.
    public var durationNs: Int64?
    /// Duration computed from the frames: end of the last frame (WebM,
    /// absolute time), or decoded samples minus pre-skip (Ogg).
    public var computedDurationNs: Int64?
    public var tracks: [TrackReport]
    /// First video frame time minus first audio frame time (positive: video starts later).
    public var avStartOffsetNs: Int64?
    /// Sum of the tracks' decode errors.
    public var decodeErrors: Int { tracks.reduce(0) { $0 + $1.decodeErrors } }

    public init(path: String, container: ContainerKind, fileSize: UInt64) {
        self.path = path
        self.container = container
        self.fileSize = fileSize
        problems = []
        warnings = []
        finalized = false
        tracks = []
    }

    /// The track of `kind` (the first one).
    public func track(_ kind: TrackReport.Kind) -> TrackReport? { tracks.first { $0.kind == kind } }

    private enum CodingKeys: String, CodingKey {
        case path, container, valid, problems, warnings, finalized, fileSize, durationNs
        case computedDurationNs, tracks, avStartOffsetNs, decodeErrors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(container, forKey: .container)
        try c.encode(valid, forKey: .valid)
        try c.encode(problems, forKey: .problems)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(finalized, forKey: .finalized)
        try c.encode(fileSize, forKey: .fileSize)
        try c.encodeIfPresent(durationNs, forKey: .durationNs)
        try c.encodeIfPresent(computedDurationNs, forKey: .computedDurationNs)
        try c.encode(tracks, forKey: .tracks)
        try c.encodeIfPresent(avStartOffsetNs, forKey: .avStartOffsetNs)
        try c.encode(decodeErrors, forKey: .decodeErrors)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        container = try c.decode(ContainerKind.self, forKey: .container)
        problems = try c.decode([String].self, forKey: .problems)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
        finalized = try c.decode(Bool.self, forKey: .finalized)
        fileSize = try c.decode(UInt64.self, forKey: .fileSize)
        durationNs = try c.decodeIfPresent(Int64.self, forKey: .durationNs)
        computedDurationNs = try c.decodeIfPresent(Int64.self, forKey: .computedDurationNs)
        tracks = try c.decode([TrackReport].self, forKey: .tracks)
        avStartOffsetNs = try c.decodeIfPresent(Int64.self, forKey: .avStartOffsetNs)
    }
}
