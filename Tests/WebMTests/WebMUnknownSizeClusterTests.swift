import Foundation
import Testing
@testable import WebM

/// Browsers' MediaRecorder writes live WebM: unknown-size Segment and Clusters.
@Suite struct WebMUnknownSizeClusterTests {
    @Test func readsUnknownSizeClusters() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (track, packets) = try WebMLacingTests.opusPackets()
        var file = EBMLWriter()
        file.writeMaster(id: MatroskaID.ebml) { $0.writeString(id: MatroskaID.docType, "webm") }
        file.writeID(MatroskaID.segment)
        file.writeUnknownSize()
        file.writeMaster(id: MatroskaID.info) { $0.writeUInt(id: MatroskaID.timecodeScale, 1_000_000) }
        file.writeMaster(id: MatroskaID.tracks) { t in
            t.writeMaster(id: MatroskaID.trackEntry) { e in
                e.writeUInt(id: MatroskaID.trackNumber, 1)
                e.writeUInt(id: MatroskaID.trackUID, 1)
                e.writeUInt(id: MatroskaID.trackType, 2)
                e.writeString(id: MatroskaID.codecID, "A_OPUS")
                e.writeBinary(id: MatroskaID.codecPrivate, track.codecPrivate)
                e.writeMaster(id: MatroskaID.audio) { a in
                    a.writeFloat(id: MatroskaID.samplingFrequency, 48_000)
                    a.writeUInt(id: MatroskaID.channels, UInt64(track.channels))
                }
            }
        }
        var clusterOffsets: [Int] = []
        var written: [[UInt8]] = []
        for c in 0..<3 {
            clusterOffsets.append(file.count)
            file.writeID(MatroskaID.cluster)
            file.writeUnknownSize()
            file.writeUInt(id: MatroskaID.timecode, UInt64(c * 1000))
            for i in 0..<50 {
                let p = packets[c * 50 + i]
                file.writeHeader(id: MatroskaID.simpleBlock, size: UInt64(4 + p.count))
                file.writeRaw([0x81, UInt8((i * 20) >> 8), UInt8((i * 20) & 0xFF), 0x80] + p)
                written.append(p)
            }
        }
        let path = dir.path("live.webm")
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))

        var got: [WebMFrame] = []
        let info = try WebMReader.read(path: path) { got.append($0) }
        #expect(got.map(\.bytes) == written)
        #expect(info.clusters.map(\.offset) == clusterOffsets.map(UInt64.init))
        // Each cluster but the last ends where the next begins.
        #expect(info.clusters.dropLast().compactMap(\.endOffset) == clusterOffsets.dropFirst().map(UInt64.init))
        #expect(info.segmentSize == nil)
        // Ending at EOF after a whole block is a clean end of a live file.
        #expect(info.parseError == nil)
        #expect(info.clusters.last?.endOffset == info.fileSize)
        #expect(try Probe.countPackets(path)["audio"] == written.count)

        // Repair turns it into a finalized file with every frame.
        let fixed = dir.path("fixed.webm")
        guard case .repaired(let report) = try WebMRepair.repair(input: path, output: fixed) else {
            Issue.record("not repaired")
            return
        }
        #expect(report.framesKept == written.count)
        var fixedFrames = 0
        let fixedInfo = try WebMReader.read(path: fixed) { _ in fixedFrames += 1 }
        #expect(fixedInfo.isFinalized)
        #expect(fixedFrames == written.count)
    }
}
