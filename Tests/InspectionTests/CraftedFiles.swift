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

/// Ogg pages (RFC 3533 §6) with any granule position, flags and lacing.
enum OggBytes {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for byte in bytes {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }

    /// One page: `segments` is the lacing table as written (nil: computed
    /// from `packets`, each ending on this page).
    static func page(granule: Int64, sequence: UInt32, flags: UInt8 = 0, serial: UInt32 = 0x0CA9_57A1,
                     packets: [[UInt8]], segments: [UInt8]? = nil) -> [UInt8] {
        var lacing: [UInt8] = []
        for p in packets {
            lacing += Array(repeating: 255, count: p.count / 255) + [UInt8(p.count % 255)]
        }
        let table = segments ?? lacing
        var header: [UInt8] = Array("OggS".utf8) + [0, flags]
        header += withUnsafeBytes(of: granule.littleEndian) { Array($0) }
        header += withUnsafeBytes(of: serial.littleEndian) { Array($0) }
        header += withUnsafeBytes(of: sequence.littleEndian) { Array($0) }
        header += [0, 0, 0, 0, UInt8(table.count)] + table
        var page = header + packets.flatMap { $0 }
        let crc = crc32(page)
        for i in 0..<4 { page[22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return page
    }

    static func opusHead(channels: UInt8 = 1, preSkip: UInt16 = 312, family: UInt8 = 0, extra: [UInt8] = []) -> [UInt8] {
        Array("OpusHead".utf8) + [1, channels, UInt8(preSkip & 0xFF), UInt8(preSkip >> 8), 0x80, 0xBB, 0, 0, 0, 0, family] + extra
    }

    static let opusTags: [UInt8] = Array("OpusTags".utf8) + [4, 0, 0, 0] + Array("test".utf8) + [0, 0, 0, 0]

    /// A well-formed 20 ms CELT packet (config 31, one frame).
    static let packet: [UInt8] = [0xF8, 0xFF, 0xFE]

    /// BOS page with OpusHead, a page with OpusTags, then `audio`.
    static func file(head: [UInt8] = opusHead(), audio: [[UInt8]]) -> [UInt8] {
        page(granule: 0, sequence: 0, flags: 0x02, packets: [head])
            + page(granule: 0, sequence: 1, packets: [opusTags])
            + audio.flatMap { $0 }
    }
}
