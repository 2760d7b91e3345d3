#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Inspection
import Logging
import MediaBridge

/// The recordings directory: finished recordings (those with a sidecar) for
/// `GET /api/recordings`, free space for admission, and start-up recovery
/// of recordings a crash left without a sidecar.
struct RecordingStore: Sendable {
    let directory: String

    /// Creates the directory if needed.
    func prepare() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Bytes available to unprivileged writers on the directory's file system.
    func freeBytes() -> UInt64? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Every finalized recording's sidecar, oldest first.
    func list() -> [RecordingSidecar] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .compactMap { try? RecordingSidecar.read(from: "\(directory)/\($0)") }
            .sorted { ($0.startedAt, $0.sessionId) < ($1.startedAt, $1.sessionId) }
    }

    /// Start-up recovery: a `.webm` or `.ogg` without a sidecar was being
    /// written when the daemon stopped. It is repaired in place
    /// (`MediaRepairer`: Duration, Cues, end-of-stream) and gets a sidecar with
    /// end reason `crashed`. Leftovers of interrupted writes (sidecar temp
    /// files, space reserves) are removed. Returns the recovered session ids.
    @discardableResult
    func recover(logger: Logger, metrics: CapstanMetrics) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let present = Set(names)
        for name in names where name.hasSuffix(".json.tmp") || (name.hasPrefix(".") && name.hasSuffix(".reserve")) {
            unlink("\(directory)/\(name)")
        }
        var recovered: [String] = []
        for name in names.sorted() {
            guard let dot = name.lastIndex(of: "."), !name.hasPrefix(".") else { continue }
            let stem = String(name[..<dot])
            let ext = String(name[name.index(after: dot)...])
            guard ext == "webm" || ext == "ogg", !stem.contains("."), !present.contains("\(stem).json") else { continue }
            let path = "\(directory)/\(name)"
            var logger = logger
            logger[metadataKey: "recording.path"] = .string(path)
            var sidecar = RecordingSidecar(
                sessionId: stem, signaller: "unknown", peer: nil, startedAt: Self.modified(path), endedAt: Self.modified(path),
                endReason: "crashed", endDetail: nil, file: name, container: ext, bytes: 0, durationMs: 0, tracks: [])
            sidecar.repaired = true
            do {
                let outcome = try MediaRepairer.repair(input: path, output: path)
                let report = MediaInspector.inspect(path: path)
                sidecar.bytes = report.fileSize
                sidecar.durationMs = (report.durationNs ?? outcome.durationNs) / 1_000_000
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
                metrics.recordingRecovered(outcome: outcome.status == .repaired ? "repaired" : "finalized")
                logger.notice("recording recovered after a crash", metadata: [
                    "recording.duration_ms": .stringConvertible(sidecar.durationMs),
                ])
            } catch {
                sidecar.bytes = RecordingStore.size(path)
                sidecar.writeError = "unrepairable: \(error)"
                metrics.recordingRecovered(outcome: "unrepairable")
                logger.error("recording could not be repaired", metadata: ["error": .string("\(error)")])
            }
            do {
                try sidecar.write(to: "\(directory)/\(stem).json")
                recovered.append(stem)
            } catch {
                logger.error("recovery sidecar not written", metadata: ["error": .string("\(error)")])
            }
        }
        return recovered
    }

    private static func size(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    private static func modified(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return RecordingSidecar.iso(unixNs: 0) }
        return RecordingSidecar.iso(unixNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
