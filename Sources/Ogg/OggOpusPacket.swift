/// One packet read from an Ogg Opus stream.
public struct OggOpusPacket: Equatable, Sendable {
    public var data: [UInt8]
    /// The page's granule position when this packet is the last one
    /// completed on its page, else -1 (RFC 3533 §6, RFC 7845 §4).
    public var granulePosition: Int64
    /// Index among audio packets (0 = the first packet after `OpusTags`).
    public var index: Int
    /// Sequence number of the page the packet completes on.
    public var pageSequence: Int
}
