#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Inspection
import Logging
import MediaBridge

/// Start-up recovery of the recordings a crash left without a sidecar.
///
/// The daemon takes the list (`candidates()`) before it listens, then works
/// through it after, on a thread of its own, while it serves: one file at a
/// time, each through `capstan repair FILE -o FILE` and `capstan inspect
/// --json FILE` run as child processes, bounded by `timeBound`. A repaired
/// file gets a sidecar with end reason `crashed`. A file that cannot be
/// repaired — the tool refuses it, crashes on it, or runs past the bound —
/// is set aside: renamed `{file}.bad`, with `{file}.bad.json` saying why
/// (`SetAsideNote`), and the next file goes on. No temporary file of a
/// repair outlives it, and a set-aside file is never tried again, so a
/// hostile file cannot make the daemon crash or crash-loop.
struct RecordingRecovery: Sendable {
    /// The recordings directory.
    let directory: String
    /// The `capstan` binary that runs `repair` and `inspect`.
    let tool: ToolProcess
    /// Time allowed for one file (repair and inspect together), by its size.
    let timeBound: @Sendable (_ bytes: UInt64) -> Duration

    /// The default bound: 60 s, plus 1 s per MiB (inspect decodes every
    /// frame; a 4-hour recording at 1 Mbit/s gets about half an hour).
    static let defaultTimeBound: @Sendable (UInt64) -> Duration = { bytes in
        .seconds(60) + .seconds(Int64(clamping: bytes >> 20))
    }

    init(directory: String, tool: ToolProcess = ToolProcess(executable: ToolProcess.currentExecutable()),
         timeBound: @escaping @Sendable (UInt64) -> Duration = RecordingRecovery.defaultTimeBound) {
        self.directory = directory
        self.tool = tool
        self.timeBound = timeBound
    }

    /// What became of one file.
    enum Outcome: Sendable, Equatable {
        /// Repaired (or found finalized) and given a `crashed` sidecar.
        case recovered(sessionId: String)
        /// Renamed `{file}.bad`, with a note.
        case setAside(file: String, reason: String)
        /// Left as it was: the daemon is shutting down (the next start tries again).
        case interrupted
        /// The file was no longer there (removed since the list was taken).
        case gone
    }

    // MARK: - The list

    /// The `.webm` / `.mkv` / `.ogg` files without a sidecar, sorted; call it before
    /// the daemon starts recording, so a recording being written is never
    /// taken for a crashed one. Removes leftovers of interrupted writes first:
    /// sidecar temporaries, space reserves, and repair temporaries
    /// (`{file}.repair-{pid}.tmp`) of a repair that was itself interrupted.
    func candidates() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where Self.isLeftover(name) {
            unlink("\(directory)/\(name)")
        }
        let present = Set(names)
        return names.sorted().filter { name in
            guard let (stem, ext) = Self.split(name) else { return false }
            return (ext == "webm" || ext == "mkv" || ext == "ogg") && !present.contains("\(stem).json")
        }
    }

    /// `a.json.tmp`, `.a.reserve`, `a.webm.repair-123.tmp`, `a.ogg.repair-123`.
    static func isLeftover(_ name: String) -> Bool {
        if name.hasSuffix(".json.tmp") || (name.hasPrefix(".") && name.hasSuffix(".reserve")) { return true }
        guard let range = name.range(of: ".repair-", options: .backwards) else { return false }
        var rest = name[range.upperBound...]
        if rest.hasSuffix(".tmp") { rest = rest.dropLast(4) }
        return !rest.isEmpty && rest.allSatisfy(\.isASCII) && rest.allSatisfy(\.isNumber)
    }

    /// `stem.ext` with a stem free of dots and not hidden.
    static func split(_ name: String) -> (stem: String, ext: String)? {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return nil }
        let stem = String(name[..<dot])
        guard !stem.isEmpty, !stem.contains(".") else { return nil }
        return (stem, String(name[name.index(after: dot)...]))
    }

    // MARK: - The work

    /// Recovers `names` one after another; once `stop` is set, kills the
    /// current child, leaves its file as it was and starts no other.
    @discardableResult
    func run(_ names: [String], logger: Logger, metrics: CapstanMetrics, stop: StopFlag? = nil) -> [Outcome] {
        guard !names.isEmpty else { return [] }
        logger.notice("recovering recordings left without a sidecar", metadata: ["count": .stringConvertible(names.count)])
        var outcomes: [Outcome] = []
        for name in names {
            guard stop?.isSet != true else {
                outcomes.append(.interrupted)
                continue
            }
            outcomes.append(recover(name, logger: logger, metrics: metrics, stop: stop))
        }
        logger.notice("recovery done", metadata: [
            "recovered": .stringConvertible(outcomes.filter { if case .recovered = $0 { true } else { false } }.count),
            "set_aside": .stringConvertible(outcomes.filter { if case .setAside = $0 { true } else { false } }.count),
        ])
        return outcomes
    }

    /// Recovers one file: repair in place, inspect, sidecar; or set it aside.
    func recover(_ name: String, logger: Logger, metrics: CapstanMetrics, stop: StopFlag? = nil) -> Outcome {
        let path = "\(directory)/\(name)"
        var logger = logger
        logger[metadataKey: "recording.path"] = .string(path)
        guard let (stem, ext) = Self.split(name) else {
            return setAside(name, stage: "repair", reason: "not a recording name", logger: logger, metrics: metrics)
        }
        guard FileManager.default.fileExists(atPath: path) else { return .gone }
        let bound = timeBound(Self.size(path))
        let clock = ContinuousClock()
        let deadline = clock.now + bound
        let modified = Self.modified(path)

        let repair = tool.run(["repair", path, "-o", path], timeout: bound, stop: stop)
        if let pid = repair.pid { Self.removeTemporaries(of: path, pid: pid) }
        if repair.ending == .stopped { return .interrupted }
        if let failure = Self.failure(repair, step: "repair", bound: bound) {
            return setAside(name, stage: "repair", reason: failure, logger: logger, metrics: metrics)
        }
        let status = repair.stdout.isEmpty ? "" : String(decoding: repair.stdout, as: UTF8.self)

        let left = max(.zero, deadline - clock.now)
        let inspect = tool.run(["inspect", "--json", path], timeout: left, stop: stop)
        if inspect.ending == .stopped { return .interrupted }
        var report: InspectionReport?
        switch inspect.ending {
        case .exited(0), .exited(1):
            report = (try? JSONDecoder().decode([InspectionReport].self, from: inspect.stdout))?.first
        default:
            break
        }
        guard let report else {
            let reason = Self.failure(inspect, step: "inspect", bound: bound) ?? "inspect printed no report"
            return setAside(name, stage: "inspect", reason: reason, logger: logger, metrics: metrics)
        }

        var sidecar = RecordingSidecar(
            sessionId: stem, signaller: "unknown", peer: nil, startedAt: modified, endedAt: modified,
            endReason: "crashed", endDetail: nil, file: name, container: ext, bytes: report.fileSize,
            durationMs: (report.durationNs ?? report.computedDurationNs ?? 0) / 1_000_000, tracks: [])
        sidecar.repaired = true
        sidecar.tracks = report.tracks.map { track in
            var t = RecordingSidecar.Track(kind: track.kind.rawValue, codec: track.codec)
            t.frames = track.frames
            t.keyframes = track.keyframes
            if track.kind == .video {
                t.resolutions = track.resolutions.map {
                    .init(width: $0.width, height: $0.height, atMs: $0.timestampNs / 1_000_000)
                }
            }
            return t
        }
        if !report.valid { sidecar.writeError = "after repair: " + report.problems.joined(separator: "; ") }
        do {
            try sidecar.write(to: "\(directory)/\(stem).json")
        } catch {
            return setAside(name, stage: "sidecar", reason: "the sidecar could not be written: \(error)",
                            logger: logger, metrics: metrics)
        }
        metrics.recordingRecovered(outcome: status.contains("already finalized") ? "finalized" : "repaired")
        logger.notice("recording recovered after a crash", metadata: [
            "recording.duration_ms": .stringConvertible(sidecar.durationMs),
        ])
        return .recovered(sessionId: stem)
    }

    /// Why a tool run failed, or nil when it exited 0.
    static func failure(_ result: ToolProcess.Result, step: String, bound: Duration) -> String? {
        switch result.ending {
        case .exited(0):
            return nil
        case .exited(let status):
            let said = result.stderr.split(separator: "\n").last.map { line in
                // "capstan repair: PATH: cannot repair: REASON" → "REASON"
                line.range(of: "cannot repair: ").map { String(line[$0.upperBound...]) } ?? String(line)
            }
            return said.map { "\(step): \($0)" } ?? "\(step) exited with status \(status)"
        case .signalled(let signal):
            return "\(step) crashed (\(ToolProcess.signalName(signal))) on this file"
        case .timedOut:
            return "\(step) took longer than the \(bound.components.seconds) s allowed for this file; abandoned"
        case .notStarted(let why):
            return "\(step) could not be started: \(why)"
        case .stopped:
            return "\(step) was stopped (shutdown)"
        }
    }

    /// Renames `name` to `name.bad` (`name.bad-2`, … when taken) and writes the note.
    private func setAside(_ name: String, stage: String, reason: String, logger: Logger,
                          metrics: CapstanMetrics) -> Outcome {
        let path = "\(directory)/\(name)"
        let size = Self.size(path)
        var movedTo = "\(name).bad"
        var n = 2
        while FileManager.default.fileExists(atPath: "\(directory)/\(movedTo)") {
            movedTo = "\(name).bad-\(n)"
            n += 1
        }
        if rename(path, "\(directory)/\(movedTo)") != 0 {
            logger.error("cannot set aside a recording that failed recovery", metadata: [
                "error": .string(String(cString: strerror(errno))), "reason": .string(reason),
            ])
        }
        let note = SetAsideNote(file: name, movedTo: movedTo, stage: stage, reason: reason, bytes: size,
                                at: SetAsideNote.now())
        do {
            try note.write(to: "\(directory)/\(SetAsideNote.fileName(forSetAside: movedTo))")
        } catch {
            logger.error("set-aside note not written", metadata: ["error": .string("\(error)")])
        }
        metrics.recordingRecovered(outcome: "unrepairable")
        logger.error("recording set aside: it cannot be recovered", metadata: [
            "reason": .string(reason), "recording.moved_to": .string(movedTo),
        ])
        return .setAside(file: movedTo, reason: reason)
    }

    /// Removes what a repair child with `pid` may have left (killed or crashed
    /// before its own clean-up): `{path}.repair-{pid}.tmp`.
    static func removeTemporaries(of path: String, pid: Int32) {
        unlink("\(path).repair-\(pid).tmp")
    }

    static func size(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    static func modified(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return RecordingSidecar.iso(unixNs: 0) }
        // Any mtime can be set on a file (`touch -d 3000-01-01`): clamp, never trap.
        let (ns, overflow) = Int64(info.st_mtim.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
        let unixNs = overflow ? (info.st_mtim.tv_sec < 0 ? Int64.min : .max) : ns &+ Int64(info.st_mtim.tv_nsec) % 1_000_000_000
        return RecordingSidecar.iso(unixNs: unixNs)
    }
}
