#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Ogg
import WebM

/// Errors thrown by the Inspection module (`MediaRepairer`); each has a
/// message fit to show a user.
public enum InspectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `open(2)` failed.
    case cannotOpen(path: String, errno: Int32)
    /// `fstat(2)` or `read(2)` failed.
    case cannotRead(path: String, errno: Int32)
    /// The path is a directory, device or other non-regular file.
    case notAFile(path: String)
    /// The file has no bytes.
    case emptyFile
    /// The file starts with neither the EBML nor the Ogg magic.
    case notMediaFile(leadingBytes: [UInt8])
    /// The EBML header is cut: the file has `fileSize` bytes, the header needs `headerEnd`.
    case ebmlHeaderTruncated(fileSize: UInt64, headerEnd: UInt64?)
    /// The WebM layer refused the file.
    case webm(WebMError, fileSize: UInt64)
    /// The Ogg layer refused the file.
    case ogg(OggError, fileSize: UInt64)
    /// Moving the repaired file into place failed.
    case renameFailed(from: String, to: String, errno: Int32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, e): "cannot open \(path): \(Self.message(e))"
        case let .cannotRead(path, e): "cannot read \(path): \(Self.message(e))"
        case let .notAFile(path): "\(path) is not a regular file"
        case .emptyFile: "empty file"
        case let .notMediaFile(bytes): Self.notMediaText(bytes)
        case let .ebmlHeaderTruncated(size, end):
            if let end {
                "EBML header truncated at byte \(size) (the header runs to byte \(end))"
            } else {
                "EBML header truncated at byte \(size) (its size field is incomplete)"
            }
        case let .webm(e, size): Self.webmText(e, fileSize: size)
        case let .ogg(e, size): Self.oggText(e, fileSize: size)
        case let .renameFailed(from, to, e): "cannot rename \(from) to \(to): \(Self.message(e))"
        }
    }

    /// "not a media file (starts with 3c 21 44 4f "<!DO")".
    static func notMediaText(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(8)
        let hex = head.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
        let text = String(head.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return "not a media file (starts with \(hex) \"\(text)\"; expected the EBML magic 1a 45 df a3 or \"OggS\")"
    }

    static func webmText(_ error: WebMError, fileSize: UInt64) -> String {
        switch error {
        case let .readFailed(path, e): "cannot read \(path): \(message(e))"
        case let .notWebM(docType):
            if let docType {
                "EBML DocType is \"\(docType)\", not webm or matroska"
            } else {
                "EBML header without a DocType, or cut before it (not a WebM file)"
            }
        case let .missingTracks(code, offset):
            if code == -3 {
                "truncated at byte \(fileSize) before the Tracks element was complete"
            } else if code == 0 {
                "no Tracks element in the Segment"
            } else {
                "malformed element at byte \(offset) before Tracks (\(parseCodeName(code)))"
            }
        case let .parserFailed(code): "the WebM parser failed (\(parseCodeName(code)))"
        case let .unsupportedTrack(codecID): "track with codec \"\(codecID)\" cannot be carried (only one video and one audio track)"
        case .noFrames: "no complete frame to keep"
        case let .damagedBeforeFirstFrame(e):
            e.isTruncation
                ? "truncated at byte \(fileSize) before the first complete frame: no frame to keep"
                : "malformed element at byte \(e.offset) (\(parseCodeName(e.code))) before the first complete frame: no frame to keep"
        case .outputIsInput: "output and input are the same file"
        case let .openFailed(path, e): "cannot create \(path): \(message(e))"
        case let .writeFailed(e): "write failed: \(message(e))"
        case .alreadyFinalized, .noTracks, .trackNotConfigured, .invalidFrame: "WebM writer: \(error)"
        }
    }

    static func oggText(_ error: OggError, fileSize: UInt64) -> String {
        switch error {
        case .emptyFile: "empty file"
        case .notOgg: "not an Ogg file: starts with \"OggS\" but holds no valid Ogg page"
        case .truncatedHeader: "truncated at byte \(fileSize) inside the first Ogg page, before a complete OpusHead"
        case .notOpus: "an Ogg file, but its first stream is not Opus (no OpusHead)"
        default: error.description
        }
    }

    /// Names libwebm's status codes (CWebMParser.h).
    static func parseCodeName(_ code: Int32) -> String {
        switch code {
        case -3: "end of file inside an element"
        case -1025: "invalid element ID"
        case -1026: "invalid element size"
        case -1027: "unknown element of unknown size"
        case -1028: "element overflows its parent"
        case -1029: "element too large for memory"
        case -1030: "invalid element value"
        case -1031: "elements nested too deeply"
        case -1100: "time out of range: timecode × TimecodeScale does not fit in 64-bit nanoseconds"
        case -101: "aborted"
        case -102: "out of memory"
        case -103: "internal parser error"
        default: "libwebm status \(code)"
        }
    }

    static func message(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: s)) (errno \(code))"
    }
}
