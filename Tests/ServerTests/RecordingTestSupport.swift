import CapstanTestSupport
import Foundation

/// A tmpfs of `size` mounted on a fresh directory (root only); nil with the
/// reason when it cannot be mounted.
final class SmallFileSystem {
    let path: String
    private init(path: String) { self.path = path }

    static func mount(size: String) -> Result<SmallFileSystem, MountError> {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-tmpfs-\(UUID().uuidString)").path
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            return .failure(MountError(reason: "cannot create \(path): \(error)"))
        }
        guard let result = run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]), result.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            return .failure(MountError(reason: "mount -t tmpfs failed (needs root / CAP_SYS_ADMIN)"))
        }
        return .success(SmallFileSystem(path: path))
    }

    func unmount() {
        run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    var freeBytes: UInt64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    static var canMount: Bool {
        switch mount(size: "64k") {
        case .success(let fs): fs.unmount(); return true
        case .failure: return false
        }
    }
}

struct MountError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
