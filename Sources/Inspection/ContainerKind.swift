/// The container format of a file, detected from its first bytes (never from
/// the file name).
public enum ContainerKind: String, Codable, Sendable, Equatable {
    /// EBML magic `1A 45 DF A3` (WebM / Matroska).
    case webm
    /// Ogg capture pattern `OggS` (RFC 3533 §6).
    case ogg
    /// Neither: empty, not media, or unreadable.
    case unknown

    /// EBML header element ID (RFC 8794 §11.2.1).
    static let ebmlMagic: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3]
    /// Ogg page capture pattern.
    static let oggMagic: [UInt8] = Array("OggS".utf8)

    /// Detects the container from the leading bytes of a file. A file
    /// shorter than the magic that matches its beginning counts as that
    /// container (cut inside its header).
    public init(magic: some Collection<UInt8>) {
        let head = Array(magic.prefix(4))
        if !head.isEmpty && head == Array(Self.ebmlMagic.prefix(head.count)) {
            self = .webm
        } else if !head.isEmpty && head == Array(Self.oggMagic.prefix(head.count)) {
            self = .ogg
        } else {
            self = .unknown
        }
    }
}
