import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension RecordingSidecar {
    /// Writes the sidecar atomically: to `path.tmp`, fsync, rename over `path`.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self) + Data("\n".utf8)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MediaBridgeError.sidecar(path: path, errno: errno) }
        var written = 0
        let failure: Int32? = data.withUnsafeBytes { raw -> Int32? in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return errno }
                written += n
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw MediaBridgeError.sidecar(path: path, errno: failure)
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw MediaBridgeError.sidecar(path: path, errno: e)
        }
    }

    /// Reads a sidecar.
    public static func read(from path: String) throws -> RecordingSidecar {
        try JSONDecoder().decode(RecordingSidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// UTC ISO 8601 with milliseconds.
    public static func iso(unixNs: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(unixNs) / 1e9)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)
            .timeZone(separator: .omitted))
    }
}
