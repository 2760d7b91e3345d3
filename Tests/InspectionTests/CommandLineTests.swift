import Foundation
import Inspection
import Testing

/// The built `capstan` binary: exit codes, JSON, repair messages.
@Suite struct CommandLineTests {
    @Test func inspectExitCodesAndJSON() throws {
        let capstan = try ExternalTool.capstanBinary()
        let media = try SyntheticMedia.standard.get()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let good = dir.path("good.webm"), bad = dir.path("bad.webm")
        _ = try media.writeWebM(to: good)
        try Data("not media at all".utf8).write(to: URL(fileURLWithPath: bad))

        let ok = try ExternalTool.run(capstan, ["inspect", good])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("valid, finalized"))
        #expect(ok.stdout.contains("\(media.video.count)"))

        let failed = try ExternalTool.run(capstan, ["inspect", "--json", good, bad])
        #expect(failed.status == 1)
        let reports = try JSONDecoder().decode([InspectionReport].self, from: Data(failed.stdout.utf8))
        #expect(reports.count == 2)
        #expect(reports.first?.valid == true)
        #expect(reports.first?.track(.video)?.frames == media.video.count)
        #expect(reports.last?.valid == false)
        #expect(reports.last?.problems.first?.hasPrefix("not a media file") == true)
        // JSON carries the computed fields too.
        let raw = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [[String: Any]]
        #expect(raw?.last?["valid"] as? Bool == false)

        let empty = dir.path("empty.webm")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyRun = try ExternalTool.run(capstan, ["inspect", empty])
        #expect(emptyRun.status == 1)
        #expect(emptyRun.stdout.contains("empty file"))
    }

    @Test func repairThroughTheBinary() throws {
        let capstan = try ExternalTool.capstanBinary()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let recording = try CrashTests.recording(in: dir)
        let cuts = CrashTests.cuts(recording)
        let original = try Data(contentsOf: URL(fileURLWithPath: recording.path))
        for cut in [cuts[3], cuts[15]] {
            let path = dir.path("cut-\(cut).webm")
            try original.prefix(Int(cut)).write(to: URL(fileURLWithPath: path))
            let before = try ExternalTool.run(capstan, ["inspect", path])
            #expect(before.status == 1)
            let out = dir.path("out-\(cut).webm")
            let repaired = try ExternalTool.run(capstan, ["repair", path, "-o", out])
            #expect(repaired.status == 0, "\(repaired.stderr)")
            let expected = recording.completeFrames(cut: cut)
            #expect(repaired.stdout.contains("kept \(expected.video) video and \(expected.audio) audio frames"), "\(repaired.stdout)")
            let after = try ExternalTool.run(capstan, ["inspect", "--json", out])
            #expect(after.status == 0, "\(after.stdout)")
            let report = try JSONDecoder().decode([InspectionReport].self, from: Data(after.stdout.utf8)).first
            #expect(report?.track(.video)?.frames == expected.video)
            #expect(report?.track(.audio)?.frames == expected.audio)

            // Repairing the repaired file changes nothing.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            let again = try ExternalTool.run(capstan, ["repair", out])
            #expect(again.status == 0)
            #expect(again.stdout.contains("already finalized"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == bytes)
        }

        // Default output name.
        let path = dir.path("default.webm")
        try original.prefix(Int(cuts[0])).write(to: URL(fileURLWithPath: path))
        #expect(try ExternalTool.run(capstan, ["repair", path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path("default.repaired.webm")))

        // Cannot repair: exit 1 with the reason.
        let junk = dir.path("junk.webm")
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: junk))
        let refused = try ExternalTool.run(capstan, ["repair", junk])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot repair: not a media file"))
    }

    @Test(arguments: [
        ("rec.webm", "rec.repaired.webm"),
        ("/a/b/rec.ogg", "/a/b/rec.repaired.ogg"),
        ("/a.b/rec", "/a.b/rec.repaired"),
        (".hidden", ".hidden.repaired"),
    ])
    func defaultOutputPath(_ input: String, _ output: String) {
        #expect(MediaRepairer.defaultOutputPath(for: input) == output)
    }
}
