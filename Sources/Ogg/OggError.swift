#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Codecs

/// Errors thrown by the `Ogg` module (Ogg Opus writer, reader and repair).
public enum OggError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `open(2)` failed.
    case openFailed(path: String, errno: Int32)
    /// `write(2)` failed (ENOSPC, EIO, EPIPE, …). The writer stops writing;
    /// `finalize()` still closes the file.
    case writeFailed(errno: Int32)
    /// `read(2)` failed.
    case readFailed(errno: Int32)
    /// `close(2)` or `fsync(2)` failed at finalize.
    case closeFailed(errno: Int32)
    /// `rename(2)` of a repaired file into place failed.
    case renameFailed(errno: Int32)
    /// The writer was finalized, or stopped after an earlier write error.
    case writerClosed
    /// libogg refused an operation (stream init, packet submission).
    case libogg(String)
    /// A packet handed to the writer is not a valid Opus packet (RFC 6716 §3.4).
    case invalidPacket(CodecsError)
    /// The input file has no bytes.
    case emptyFile
    /// The input holds no valid Ogg page (RFC 3533 §6) — not an Ogg file.
    case notOgg
    /// The file ends inside its first page, before a complete `OpusHead`:
    /// nothing can be read or repaired.
    case truncatedHeader
    /// The first logical stream does not begin with an `OpusHead` packet
    /// (RFC 7845 §3) — an Ogg file, but not Ogg Opus.
    case notOpus
    /// The `OpusHead` packet is malformed (RFC 7845 §5.1).
    case invalidHeader(CodecsError)
    /// A page's granule position is beyond `OggOpusReader.maxGranulePosition`:
    /// its time (samples at 48 kHz) does not fit in 64-bit nanoseconds.
    case granuleOutOfRange(granulePosition: Int64, pageSequence: Int)

    public var description: String {
        switch self {
        case let .openFailed(path, e): "cannot open \(path): \(Self.message(e))"
        case let .writeFailed(e): "write failed: \(Self.message(e))"
        case let .readFailed(e): "read failed: \(Self.message(e))"
        case let .closeFailed(e): "close failed: \(Self.message(e))"
        case let .renameFailed(e): "rename failed: \(Self.message(e))"
        case .writerClosed: "the Ogg Opus writer is closed"
        case let .libogg(what): "libogg: \(what)"
        case let .invalidPacket(e): "invalid Opus packet: \(e)"
        case .emptyFile: "the file is empty"
        case .notOgg: "not an Ogg file: no valid Ogg page found"
        case .truncatedHeader: "truncated before the end of the first (OpusHead) page"
        case .notOpus: "not an Ogg Opus file: the first stream has no OpusHead"
        case let .invalidHeader(e): "invalid OpusHead: \(e)"
        case let .granuleOutOfRange(g, page):
            "granule position \(g) on page \(page) is out of range: its time does not fit in 64-bit nanoseconds (at most \(OggOpusReader.maxGranulePosition))"
        }
    }

    static func message(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: s)) (errno \(code))"
    }
}
