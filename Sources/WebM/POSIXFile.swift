#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A write-only file descriptor with whole-buffer `write`/`pwrite` that map
/// failures to `WebMError.writeFailed(errno:)`.
///
/// Not thread-safe; owned by its writer.
final class POSIXFile {
    private(set) var fd: Int32
    /// Fault injection for tests: appends that would grow the file past this
    /// size write what fits, then fail with ENOSPC, as a full disk does.
    var sizeLimit: UInt64?
    private var position: UInt64 = 0

    init(creatingAt path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WebMError.openFailed(path: path, errno: errno) }
        self.fd = fd
    }

    deinit { close() }

    /// Writes all of `buffer` at the current position.
    func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard var base = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            var chunk = remaining
            if let sizeLimit {
                guard position < sizeLimit else { throw WebMError.writeFailed(errno: ENOSPC) }
                chunk = Int(min(UInt64(chunk), sizeLimit - position))
            }
            let n = Glibc.write(fd, base, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw WebMError.writeFailed(errno: errno)
            }
            if n == 0 { throw WebMError.writeFailed(errno: ENOSPC) }
            remaining -= n
            base += n
            position += UInt64(n)
        }
    }

    /// Writes all of `buffer` at absolute `offset` without moving the position.
    func pwrite(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws {
        guard var base = buffer.baseAddress else { return }
        var remaining = buffer.count
        var position = off_t(offset)
        while remaining > 0 {
            let n = Glibc.pwrite(fd, base, remaining, position)
            if n < 0 {
                if errno == EINTR { continue }
                throw WebMError.writeFailed(errno: errno)
            }
            if n == 0 { throw WebMError.writeFailed(errno: ENOSPC) }
            remaining -= n
            base += n
            position += off_t(n)
        }
    }

    /// Cuts the file to `length` and moves the write position there.
    func truncate(to length: UInt64) throws {
        if ftruncate(fd, off_t(length)) != 0 { throw WebMError.writeFailed(errno: errno) }
        if lseek(fd, off_t(length), SEEK_SET) < 0 { throw WebMError.writeFailed(errno: errno) }
        position = length
    }

    func sync() throws {
        if fsync(fd) != 0 { throw WebMError.writeFailed(errno: errno) }
    }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
