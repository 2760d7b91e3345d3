/// Bounds applied while parsing untrusted SDP. Input beyond them is rejected
/// with ``SDPError/limitExceeded(reason:)`` instead of being processed.
public struct SDPLimits: Sendable, Equatable {
    /// Maximum size of the whole input in UTF-8 bytes.
    public var maxSize: Int
    /// Maximum length of one line in UTF-8 bytes.
    public var maxLineLength: Int
    /// Maximum number of lines.
    public var maxLines: Int
    /// Maximum number of `m=` sections.
    public var maxMediaSections: Int
    /// Maximum number of formats on one `m=` line.
    public var maxFormats: Int

    public init(maxSize: Int = 64 * 1024, maxLineLength: Int = 4096, maxLines: Int = 4096,
                maxMediaSections: Int = 32, maxFormats: Int = 128) {
        self.maxSize = maxSize
        self.maxLineLength = maxLineLength
        self.maxLines = maxLines
        self.maxMediaSections = maxMediaSections
        self.maxFormats = maxFormats
    }

    /// Defaults sized for WebRTC offers (a full Chromium offer is ~6 KB).
    public static let `default` = SDPLimits()
}
