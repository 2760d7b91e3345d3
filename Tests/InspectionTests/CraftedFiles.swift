import Foundation
import WebM

/// Byte-level builders for hostile WebM and Ogg Opus files: every value a
/// writer would keep sane (sizes, timecodes, granule positions, lacing) can be
/// set to anything here.
enum EBML {
    /// The ID's bytes as written (the marker bit is part of the ID).
    static func id(_ id: UInt32) -> [UInt8] {
        let bytes = withUnsafeBytes(of: id.bigEndian) { Array($0) }
        return Array(bytes.drop { $0 == 0 })
    }

    /// An 8-byte size VINT (RFC 8794 §4): 0x01 then 7 bytes.
    static func size(_ value: UInt64) -> [UInt8] {
        [0x01] + (0..<7).map { UInt8(truncatingIfNeeded: value >> (8 * (6 - UInt64($0)))) }
    }

    /// The reserved "unknown size" VINT.
    static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    static func element(_ id: UInt32, _ body: [UInt8]) -> [UInt8] {
        self.id(id) + size(UInt64(body.count)) + body
    }

    /// An element whose size field says `declaredSize`, whatever follows.
    static func element(_ id: UInt32, declaredSize: UInt64, _ body: [UInt8]) -> [UInt8] {
        self.id(id) + size(declaredSize) + body
    }

    static func master(_ id: UInt32, _ children: [[UInt8]]) -> [UInt8] {
        element(id, children.flatMap { $0 })
    }

    /// 8-byte big-endian unsigned integer.
    static func uint(_ id: UInt32, _ value: UInt64) -> [UInt8] {
        element(id, withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    static func float(_ id: UInt32, _ value: Double) -> [UInt8] {
        element(id, withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) })
    }

    static func string(_ id: UInt32, _ value: String) -> [UInt8] {
        element(id, Array(value.utf8))
    }

    static func header(docType: String = "webm") -> [UInt8] {
        master(MatroskaID.ebml, [uint(MatroskaID.ebmlVersion, 1), string(MatroskaID.docType, docType)])
    }

    static func info(scale: UInt64 = 1_000_000, duration: Double? = nil) -> [UInt8] {
        master(MatroskaID.info, [uint(MatroskaID.timecodeScale, scale)] + (duration.map { [float(MatroskaID.duration, $0)] } ?? []))
    }

    static let defaultDuration: UInt32 = 0x23E383
    static let blockGroup: UInt32 = 0xA0
    static let block: UInt32 = 0xA1

    /// Track 1: VP8 video.
    static func videoTrack(number: UInt64 = 1, defaultDuration: UInt64? = nil) -> [UInt8] {
        master(MatroskaID.trackEntry, [
            uint(MatroskaID.trackNumber, number), uint(MatroskaID.trackType, 1), string(MatroskaID.codecID, "V_VP8"),
            master(MatroskaID.video, [uint(MatroskaID.pixelWidth, 64), uint(MatroskaID.pixelHeight, 48)]),
        ] + (defaultDuration.map { [uint(Self.defaultDuration, $0)] } ?? []))
    }

    /// An audio track (A_OPUS without CodecPrivate unless given).
    static func audioTrack(number: UInt64 = 2, samplingFrequency: Double = 48_000, defaultDuration: UInt64? = nil) -> [UInt8] {
        master(MatroskaID.trackEntry, [
            uint(MatroskaID.trackNumber, number), uint(MatroskaID.trackType, 2), string(MatroskaID.codecID, "A_OPUS"),
            master(MatroskaID.audio, [float(MatroskaID.samplingFrequency, samplingFrequency), uint(MatroskaID.channels, 1)]),
        ] + (defaultDuration.map { [uint(Self.defaultDuration, $0)] } ?? []))
    }

    static func tracks(_ entries: [[UInt8]]) -> [UInt8] { master(MatroskaID.tracks, entries) }

    /// SimpleBlock for `track` (< 127) at `timecode` relative to its cluster.
    static func simpleBlock(track: UInt8 = 1, timecode: Int16, flags: UInt8 = 0x80,
                            payload: [UInt8] = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]) -> [UInt8] {
        let t = UInt16(bitPattern: timecode)
        return element(MatroskaID.simpleBlock, [0x80 | track, UInt8(t >> 8), UInt8(t & 0xFF), flags] + payload)
    }

    static func cluster(timecode: UInt64, _ children: [[UInt8]]) -> [UInt8] {
        master(MatroskaID.cluster, [uint(MatroskaID.timecode, timecode)] + children)
    }

    /// Header, an unknown-size Segment, then `body`.
    static func file(_ body: [[UInt8]], docType: String = "webm") -> [UInt8] {
        header(docType: docType) + id(MatroskaID.segment) + unknownSize + body.flatMap { $0 }
    }
}
