/// Opus frame durations (RFC 6716 §2.1.4, Table 2), with their size in
/// samples per channel at 48 kHz.
public enum OpusFrameDuration: Int, CaseIterable, Sendable {
    case ms2_5 = 120
    case ms5 = 240
    case ms10 = 480
    case ms20 = 960
    case ms40 = 1920
    case ms60 = 2880

    /// Samples per channel at 48 kHz.
    public var samples: Int { rawValue }

    /// The duration for a sample count at 48 kHz, or nil if no Opus frame has it.
    public init?(samples: Int) { self.init(rawValue: samples) }
}

/// The coding mode a TOC configuration selects (RFC 6716 §3.1, Table 2).
public enum OpusMode: Sendable, Equatable {
    case silk, hybrid, celt
}

/// Audio bandwidth a TOC configuration selects (RFC 6716 §2, Table 1).
public enum OpusBandwidth: Sendable, Equatable, Comparable {
    case narrowband, mediumband, wideband, superwideband, fullband
}
