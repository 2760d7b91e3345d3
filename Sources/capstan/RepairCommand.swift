import ArgumentParser
import Foundation
import Inspection

/// `capstan repair FILE [-o OUT]` (DESIGN.md §3).
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Finalize an unfinalized or truncated WebM or Ogg Opus recording.",
        discussion: """
            Keeps every complete frame with its timestamps and writes a finalized \
            file: WebM gets Duration, Cues and a SeekHead; Ogg Opus gets recomputed \
            granule positions and an end-of-stream page.

            By default the result goes next to the input with ".repaired" before the \
            extension (rec.webm → rec.repaired.webm) and the input is not touched. \
            Pass -o FILE to choose the output; -o with the input's own path repairs \
            in place (written to a temporary file, then renamed over the input).

            A file that is already finalized is left unchanged (exit 0). A file that \
            cannot be repaired (not media, empty, header cut, no complete frame) \
            exits 1 with the reason.
            """
    )

    @Argument(help: "The recording to repair.")
    var file: String

    @Option(name: .shortAndLong, help: "Output path (default: FILE with .repaired before the extension).")
    var output: String?

    func run() throws {
        let outcome: RepairOutcome
        do {
            outcome = try MediaRepairer.repair(input: file, output: output)
        } catch {
            FileHandle.standardError.write(Data("capstan repair: \(file): cannot repair: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        let frames = "\(outcome.videoFrames) video and \(outcome.audioFrames) audio frames"
        let duration = String(format: "%.3f s", Double(outcome.durationNs) / 1e9)
        switch outcome.status {
        case .alreadyFinalized:
            print("\(file): already finalized (\(outcome.container.rawValue), \(frames), \(duration)); left unchanged")
        case .repaired:
            let damage = outcome.inputDamage.map { " (input: \($0))" } ?? ""
            print("\(file) → \(outcome.output ?? "?"): kept \(frames), duration \(duration)\(damage)")
        }
    }
}
