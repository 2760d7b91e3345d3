#if canImport(Glibc)
import Glibc
#endif

/// Errors of the MediaBridge module.
public enum MediaBridgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sidecar could not be written.
    case sidecar(path: String, errno: Int32)
    /// The recording could not be opened or written (storage fault).
    case storage(String)

    public var description: String {
        switch self {
        case .sidecar(let path, let e): "cannot write sidecar \(path): \(String(cString: strerror(e)))"
        case .storage(let detail): detail
        }
    }
}
