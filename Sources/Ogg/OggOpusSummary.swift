import Codecs

/// What reading an Ogg Opus file found: headers, counts and integrity.
public struct OggOpusSummary: Equatable, Sendable {
    public var head: OpusHead
    /// Nil when the file ends before a complete `OpusTags` packet.
    public var tags: OpusTags?
    /// Serial number of the Opus logical stream.
    public var serialNumber: Int32
    /// Audio packets read (header packets not counted).
    public var packetCount = 0
    /// Valid pages of the Opus stream (header pages included).
    public var pageCount = 0
    /// Valid pages of other logical streams (ignored).
    public var foreignPageCount = 0
    /// An end-of-stream page of the Opus stream was read.
    public var endOfStreamSeen = false
    /// The file ends inside a page, or inside a packet continued past the last page.
    public var truncated = false
    /// Times libogg lost page sync: bad CRC, garbage between pages (RFC 3533 §6).
    public var badPageCount = 0
    /// Holes in the packet sequence (a page went missing).
    public var packetGapCount = 0
    /// Audio packets whose TOC breaks RFC 6716 §3.4.
    public var malformedPacketCount = 0
    /// Granule position of the last page that completed a packet.
    public var lastGranulePosition: Int64 = 0
    /// Pages whose granule position is below the previous page's, or
    /// negative other than -1 ("no packet ends here"; RFC 3533 §6, RFC 7845 §4).
    public var badGranuleCount = 0
    /// Sum of the TOC durations of all well-formed audio packets (48 kHz).
    public var decodedSamples: Int64 = 0

    /// Playable samples at 48 kHz: last granule minus pre-skip (RFC 7845
    /// §4.5; end trimming by the last granule is honoured).
    public var durationSamples: Int64 { max(0, lastGranulePosition - Int64(head.preSkip)) }
    /// Playable duration in seconds.
    public var duration: Double { Double(durationSamples) / 48_000 }
    /// Finalized and intact: EOS seen, nothing truncated, lost or corrupt,
    /// granule positions in order.
    public var isIntact: Bool {
        endOfStreamSeen && !truncated && badPageCount == 0 && packetGapCount == 0 && badGranuleCount == 0
            && tags != nil
    }
}
