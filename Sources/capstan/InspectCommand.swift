import ArgumentParser
import Foundation
import Inspection

/// `capstan inspect FILE... [--json]` (DESIGN.md §3).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Check WebM and Ogg Opus recordings: tracks, counts, timing, and every frame decoded.",
        discussion: """
            The container is detected from the file's first bytes, not its name. Every \
            VP8 frame is decoded with libvpx and every Opus packet with libopus. \
            Reports, per file: container, finalized (WebM: Duration and Cues; Ogg: \
            end-of-stream page), durations, and per track: codec, frames, keyframes, \
            resolutions with the time of each change, sample rate, channels, first \
            timestamp, largest gap, decode errors; plus the A/V start offset.

            A file is invalid when it is not media, empty, cut or malformed, has no \
            frames, or any frame fails to decode. A complete but unfinalized file is \
            valid with a warning (capstan repair finalizes it).

            Exit status: 0 when every file is valid, 1 otherwise.
            """
    )

    @Argument(help: "Files to inspect.")
    var files: [String]

    @Flag(help: "Print one JSON array of reports instead of the table.")
    var json = false

    func run() throws {
        let reports = MediaInspector.inspect(paths: files)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(reports)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(ReportFormatter.table(reports))
        }
        if !reports.allSatisfy({ $0.valid && $0.decodeErrors == 0 }) {
            throw ExitCode(1)
        }
    }
}
