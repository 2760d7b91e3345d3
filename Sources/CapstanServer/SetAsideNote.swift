import Foundation
import MediaBridge

/// Why start-up recovery set a file aside: written as `{file}.bad.json` next
/// to `{file}.bad` (the file, renamed so that no later start tries it again).
struct SetAsideNote: Codable, Sendable, Equatable {
    /// The file's name before it was set aside (`{session-id}.webm`).
    var file: String
    /// Its name now (`{session-id}.webm.bad`).
    var movedTo: String
    /// `repair` or `inspect`: the step that failed.
    var stage: String
    /// What went wrong, one sentence (the tool's reason, a crash signal, or
    /// the time bound that ran out).
    var reason: String
    var bytes: UInt64
    /// UTC, ISO 8601.
    var at: String

    /// `name` → `name.bad.json`.
    static func fileName(forSetAside movedTo: String) -> String { "\(movedTo).json" }

    /// Writes the note atomically (temporary file, then rename).
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func read(from path: String) throws -> SetAsideNote {
        try JSONDecoder().decode(SetAsideNote.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return RecordingSidecar.iso(unixNs: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}
