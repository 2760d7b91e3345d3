#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The size and leading bytes of a file, read without trusting its name.
struct FileProbe {
    static let leadingByteCount = 64

    var size: UInt64
    /// Up to `leadingByteCount` bytes from the start of the file.
    var leading: [UInt8]

    /// Opens `path` and reads its first bytes. Throws `.cannotOpen` /
    /// `.cannotRead` / `.notAFile` (directories, devices).
    init(path: String) throws(InspectionError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotRead(path: path, errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .notAFile(path: path) }
        size = UInt64(max(0, st.st_size))
        var buffer = [UInt8](repeating: 0, count: Self.leadingByteCount)
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, errno: errno)
            }
            if n == 0 { break }
            filled += n
        }
        leading = Array(buffer[0..<filled])
    }

    var container: ContainerKind { ContainerKind(magic: leading) }

    /// Where the EBML header element ends (RFC 8794 §4: 4-byte ID, then a
    /// VINT size), or nil when even its size cannot be read from `leading`
    /// (the VINT is cut or invalid). `sizeLength` 0 means no valid VINT.
    func ebmlHeaderEnd() -> (end: UInt64?, sizeFieldEnd: Int) {
        guard leading.count > 4 else { return (nil, 5) }
        let first = leading[4]
        guard first != 0 else { return (nil, 0) }
        let length = first.leadingZeroBitCount + 1
        guard leading.count >= 4 + length else { return (nil, 4 + length) }
        var value = UInt64(first) & (0xFF >> UInt64(length))
        for i in 1..<length { value = value << 8 | UInt64(leading[4 + i]) }
        return (UInt64(4 + length) + value, 4 + length)
    }
}
