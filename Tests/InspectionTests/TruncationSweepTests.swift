import Codecs
import Foundation
import Inspection
import Testing

/// Issue 15, part 4: a small valid WebM and Ogg Opus file cut at every
/// offset. In-process, `inspect` and `repair` handle every cut (a trap would
/// take the test process down); the binary gets every 23rd cut: `inspect`
/// exits 1 with a problem, `repair` exits 0 or 1 with a reason, never a
/// signal, and no repair temporary survives.
@Suite struct TruncationSweepTests {
    /// 3 VP8 frames at 64x48 and 6 Opus packets: about a kilobyte.
    static let tiny: Result<SyntheticMedia, any Error> = Result {
        let encoder = try VP8Encoder(configuration: .init(width: 64, height: 48, fps: 30, bitrateKbps: 100, keyframeInterval: 60))
        var pattern = TestPattern(width: 64, height: 48)
        var image = I420Image(width: 64, height: 48)
        var video: [SyntheticVideoFrame] = []
        for i in 0..<3 {
            pattern.render(i, into: &image)
            for f in try encoder.encode(image, pts: Int64(i) * 3_000) {
                video.append(SyntheticVideoFrame(index: i, timestampNs: SyntheticMedia.frameTimeNs(i), isKeyframe: f.isKeyframe,
                                                 width: 64, height: 48, data: f.data))
            }
        }
        let opus = try OpusEncoder(channels: 1, bitrate: 12_000)
        var tone = ToneGenerator(frequency: 440, channels: 1, frameSamples: opus.frameSamples)
        let audio = try (0..<6).map { _ in try opus.encode(tone.nextFrame()) }
        return SyntheticMedia(video: video, opusHead: OpusHead(channels: 1, preSkip: UInt16(opus.lookahead)), audio: audio)
    }

    @Test(arguments: ["webm", "ogg"]) func everyCut(_ ext: String) throws {
        let media = try Self.tiny.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let full = dir.path("full.\(ext)")
        if ext == "webm" { _ = try media.writeWebM(to: full) } else { try media.writeOgg(to: full) }
        let whole = MediaInspector.inspect(path: full)
        #expect(whole.valid && whole.finalized, "\(whole.problems)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        #expect(bytes.count > 300 && bytes.count < 20_000, "\(bytes.count) bytes")
        let capstan = try ExternalTool.capstanBinary()

        for cut in 0..<bytes.count {
            let path = dir.path("cut-\(cut).\(ext)")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            // A cut on a cluster or page boundary leaves a valid, unfinalized file.
            let report = MediaInspector.inspect(path: path)
            #expect(!report.valid || !report.finalized, "cut at \(cut) is valid and finalized")
            let out = dir.path("cut-\(cut).out.\(ext)")
            do {
                let outcome = try MediaRepairer.repair(input: path, output: out)
                #expect(outcome.status == .repaired, "cut at \(cut)")
                #expect(MediaInspector.inspect(path: out).finalized, "cut at \(cut)")
            } catch {
                #expect(!error.description.isEmpty)
            }
            if cut % 23 == 0 {
                let inspect = try ExternalTool.run(capstan, ["inspect", path], timeout: 60)
                #expect(!inspect.signalled && !inspect.timedOut, "cut at \(cut): \(inspect.stderr.suffix(500))")
                #expect(inspect.status == 1 ? inspect.stdout.contains("problem: ") : inspect.stdout.contains("not finalized"),
                        "cut at \(cut): \(inspect.stdout)\(inspect.stderr.suffix(500))")
                let repair = try ExternalTool.run(capstan, ["repair", path, "-o", dir.path("bin-\(cut).\(ext)")], timeout: 60)
                #expect(!repair.signalled && !repair.timedOut && (repair.status == 0 || repair.stderr.contains("cannot repair: ")),
                        "cut at \(cut): \(repair.status) \(repair.stderr.suffix(500))")
            }
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: out)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!left.contains { $0.contains(".repair-") }, "\(left)")
    }

    /// 600 seeded mutations (INSPECTION_MUTATIONS=N for more; 15,000 each ran
    /// clean) of each small file (1–8 bytes overwritten, or a
    /// VINT/length byte set to 0x01/0xFF): `inspect` and `repair` return,
    /// whatever the bytes say.
    @Test(arguments: ["webm", "ogg"]) func seededMutations(_ ext: String) throws {
        let media = try Self.tiny.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let full = dir.path("full.\(ext)")
        if ext == "webm" { _ = try media.writeWebM(to: full) } else { try media.writeOgg(to: full) }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: full)))
        var rng = SeededGenerator(seed: ext == "webm" ? 0x15_0415 : 0x15_0416)
        for n in 0..<(Int(ProcessInfo.processInfo.environment["INSPECTION_MUTATIONS"] ?? "") ?? 600) {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<mutated.count, using: &rng)
                mutated[at] = [0x01, 0xFF, 0x00, 0x80, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0..<5, using: &rng)]
            }
            let path = dir.path("m\(n).\(ext)")
            try Data(mutated).write(to: URL(fileURLWithPath: path))
            _ = MediaInspector.inspect(path: path)
            let out = dir.path("m\(n).out.\(ext)")
            if let outcome = try? MediaRepairer.repair(input: path, output: out), outcome.status == .repaired {
                #expect(MediaInspector.inspect(path: out).finalized, "mutation \(n)")
            }
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: out)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(left == ["full.\(ext)"], "\(left)")
    }
}
