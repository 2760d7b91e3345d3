import Foundation
import Testing
@testable import WebM

/// Hand-built Matroska files with laced SimpleBlocks and BlockGroups, checked
/// against ffprobe's view of the same file.
@Suite struct WebMLacingTests {
    enum Lacing: String, CaseIterable, Sendable { case xiph, ebml, fixed }

    /// Real Opus packets from the ffmpeg fixture (20 ms each).
    static func opusPackets() throws -> (WebMTrackInfo, [[UInt8]]) {
        let src = try SourceMedia(path: try Fixtures.get().src640)
        let track = try #require(src.info.tracks.first { $0.type == .audio })
        return (track, src.audio.map(\.bytes))
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }

    static func lace(_ frames: [[UInt8]], _ lacing: Lacing) -> (flags: UInt8, header: [UInt8]) {
        var h: [UInt8] = [UInt8(frames.count - 1)]
        switch lacing {
        case .xiph:
            for f in frames.dropLast() {
                var n = f.count
                while n >= 255 { h.append(255); n -= 255 }
                h.append(UInt8(n))
            }
            return (0x02, h)
        case .fixed:
            return (0x04, h)
        case .ebml:
            var w = EBMLWriter()
            w.writeSize(UInt64(frames[0].count))
            for i in 1..<(frames.count - 1) {
                // Signed difference, 2-byte VINT with bias 2^13 - 1.
                let diff = frames[i].count - frames[i - 1].count
                w.writeSize(UInt64(diff + 8191), width: 2)
            }
            return (0x06, h + w.bytes)
        }
    }

    @Test(arguments: Lacing.allCases)
    func lacedBlocksAndBlockGroupsComeOut(_ lacing: Lacing) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (track, packets) = try Self.opusPackets()
        // Fixed lacing needs equal sizes: use a repeated packet there.
        let pool = lacing == .fixed ? Array(repeating: packets[10], count: 40) : Array(packets.prefix(40))

        var body = EBMLWriter()
        body.writeUInt(id: MatroskaID.timecode, 0)
        var expected: [(Int64, [UInt8], Bool)] = []
        // 8 SimpleBlocks of 4 laced frames each (80 ms per block).
        for block in 0..<8 {
            let frames = Array(pool[(block * 4)..<(block * 4 + 4)])
            let (flags, header) = Self.lace(frames, lacing)
            let payload = header + frames.flatMap { $0 }
            body.writeHeader(id: MatroskaID.simpleBlock, size: UInt64(4 + payload.count))
            body.writeRaw([0x81] + Self.be16(block * 80) + [0x80 | flags] + payload)
            for (i, f) in frames.enumerated() { expected.append((Int64(block * 80 + i * 20) * 1_000_000, f, true)) }
        }
        // Two BlockGroups: one without ReferenceBlock (key), one with (not key).
        for (n, f) in pool[32..<34].enumerated() {
            let t = 640 + n * 20
            body.writeMaster(id: 0xA0) { g in
                g.writeBinary(id: 0xA1, [0x81] + Self.be16(t) + [0x00] + f)
                if n == 1 { g.writeBytes(id: 0xFB, [0xEC]) }  // ReferenceBlock −20
            }
            expected.append((Int64(t) * 1_000_000, f, n == 0))
        }

        var file = EBMLWriter()
        file.writeMaster(id: MatroskaID.ebml) { $0.writeString(id: MatroskaID.docType, "webm") }
        file.writeMaster(id: MatroskaID.segment) { s in
            s.writeMaster(id: MatroskaID.info) { $0.writeUInt(id: MatroskaID.timecodeScale, 1_000_000) }
            s.writeMaster(id: MatroskaID.tracks) { t in
                t.writeMaster(id: MatroskaID.trackEntry) { e in
                    e.writeUInt(id: MatroskaID.trackNumber, 1)
                    e.writeUInt(id: MatroskaID.trackUID, 1)
                    e.writeUInt(id: MatroskaID.trackType, 2)
                    e.writeString(id: MatroskaID.codecID, "A_OPUS")
                    e.writeUInt(id: 0x23E383, 20_000_000)  // DefaultDuration
                    e.writeBinary(id: MatroskaID.codecPrivate, track.codecPrivate)
                    e.writeMaster(id: MatroskaID.audio) { a in
                        a.writeFloat(id: MatroskaID.samplingFrequency, 48_000)
                        a.writeUInt(id: MatroskaID.channels, UInt64(track.channels))
                    }
                }
            }
            s.writeHeader(id: MatroskaID.cluster, size: UInt64(body.count))
            s.writeRaw(body.bytes)
        }
        let path = dir.path("laced-\(lacing.rawValue).mka")
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))

        var got: [WebMFrame] = []
        let info = try WebMReader.read(path: path) { got.append($0) }
        #expect(info.parseError == nil)
        #expect(got.count == expected.count)
        #expect(got.map(\.bytes) == expected.map(\.1))
        #expect(got.map(\.timestampNs) == expected.map(\.0))
        #expect(got.map(\.isKeyframe) == expected.map(\.2))
        #expect(got.prefix(4).map(\.laceIndex) == [0, 1, 2, 3])

        // ffprobe splits the laces into the same packets at the same times.
        let probe = try Probe.packets(path, stream: "a")
        #expect(probe.count == expected.count)
        for (p, e) in zip(probe, expected) { #expect(abs(p.0 - Double(e.0) / 1e9) < 0.0005) }
    }
}

extension EBMLWriter {
    /// A raw-bytes element (for signed values built by hand in tests).
    mutating func writeBytes(id: UInt32, _ value: [UInt8]) { writeBinary(id: id, value) }
}
