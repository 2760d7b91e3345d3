#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MediaBridge

/// The recordings directory: finished recordings (those with a sidecar) for
/// `GET /api/recordings`, free space for admission, and start-up recovery
/// of recordings a crash left without a sidecar (`RecordingRecovery`).
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
        // `{file}.bad.json` (`{file}.bad-N.json`) notes of set-aside files are not sidecars.
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") && !$0.contains(".bad") }
            .compactMap { try? RecordingSidecar.read(from: "\(directory)/\($0)") }
            .sorted { ($0.startedAt, $0.sessionId) < ($1.startedAt, $1.sessionId) }
    }

    /// Start-up recovery for this directory (`RecordingRecovery`).
    func recovery() -> RecordingRecovery { RecordingRecovery(directory: directory) }
}
