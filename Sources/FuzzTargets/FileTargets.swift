#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Ogg
import WebM

/// The file readers take paths (they stream, and `inspect`/`repair`/recovery
/// open files): the input is written to a scratch file first.
enum FileTargets {
    @Sendable static func webm(_ data: UnsafeRawBufferPointer) {
        let path = Scratch.write(data, name: "input.webm")
        var frames = 0
        guard let info = try? WebMReader.read(path: path, frames: { frame in
            fuzzCheck(frame.offset <= UInt64(data.count) && UInt64(frame.bytes.count) <= UInt64(data.count) - frame.offset,
                      "frame at \(frame.offset) of \(frame.bytes.count) bytes in a \(data.count)-byte file")
            frames += 1
        }) else { return }
        fuzzCheck(info.fileSize == UInt64(data.count), "file size \(info.fileSize) of \(data.count)")
        fuzzCheck(info.frameCount == frames, "info counts \(info.frameCount) frames, \(frames) delivered")
        fuzzCheck(info.framesInCompleteClusters <= frames, "more frames in complete clusters than delivered")
        _ = info.isFinalized
        _ = info.framesInCompleteClusters
    }

    @Sendable static func ogg(_ data: UnsafeRawBufferPointer) {
        let path = Scratch.write(data, name: "input.ogg")
        guard let reader = try? OggOpusReader(path: path) else { return }
        var packets = 0
        while true {
            let next: OggOpusPacket?
            do { next = try reader.nextPacket() } catch { break }
            guard let packet = next else { break }
            fuzzCheck(packet.index == packets, "packet index \(packet.index), expected \(packets)")
            fuzzCheck(packet.data.count <= data.count, "packet of \(packet.data.count) bytes from \(data.count)")
            packets += 1
        }
        fuzzCheck(reader.summary.packetCount == packets, "summary counts \(reader.summary.packetCount) packets, read \(packets)")
    }
}

/// A per-process scratch directory, on tmpfs when there is one.
enum Scratch {
    static let directory: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/capstan-fuzz-\(getpid())"
        mkdir(path, 0o700)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
        return path
    }()

    /// Writes `data` to `name` in the scratch directory (replacing it) and returns the path.
    static func write(_ data: UnsafeRawBufferPointer, name: String) -> String {
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create \(path): errno \(errno)")
        var written = 0
        while written < data.count {
            let n = Glibc.write(fd, data.baseAddress! + written, data.count - written)
            precondition(n > 0, "cannot write \(path): errno \(errno)")
            written += n
        }
        close(fd)
        return path
    }
}
