import CapstanTestSupport
import Foundation

/// Result of running an external tool.
struct ToolResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var timedOut: Bool
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stdout and stderr together (opusinfo prints some lines on either).
    var allText: String { stdoutText + stderr }
}

enum ToolError: Error, CustomStringConvertible {
    case notFound(String)
    var description: String {
        switch self { case .notFound(let t): "tool \(t) not found on PATH (scripts/setup --test installs it)" }
    }
}

/// Runs `tool` (looked up on PATH) with `arguments`, capturing stdout and
/// stderr through files (no pipe deadlock on large outputs), and kills it
/// after `timeout` seconds.
func runTool(_ tool: String, _ arguments: [String], in directory: URL, timeout: TimeInterval = 60) throws -> ToolResult {
    guard let path = findOnPath(tool) else { throw ToolError.notFound(tool) }
    let r = try ExternalProcess.run(path, arguments, in: directory, timeout: timeout)
    return ToolResult(status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut)
}

private func findOnPath(_ tool: String) -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for dir in dirs {
        let candidate = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// A per-test temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init(_ label: String = #function) throws {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("capstan-ogg-\(safe)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// `ffprobe`'s count of packets in the first audio stream.
func ffprobePacketCount(_ path: String, in dir: TemporaryDirectory) throws -> Int? {
    let r = try runTool("ffprobe", ["-v", "error", "-count_packets", "-select_streams", "a:0",
                                    "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path], in: dir.url)
    guard r.status == 0 else { return nil }
    return Int(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Samples per channel `ffmpeg` decodes from `path` (mono s16le output).
func ffmpegDecodedSamples(_ path: String, in dir: TemporaryDirectory) throws -> Int? {
    let r = try runTool("ffmpeg", ["-v", "error", "-i", path, "-ac", "1", "-f", "s16le", "-"], in: dir.url)
    guard r.status == 0 else { return nil }
    return r.stdout.count / 2
}

/// The "Playback length: XmYY.YYYs" line of `opusinfo`, in seconds.
func opusinfoPlaybackLength(_ output: String) -> Double? {
    guard let line = output.split(separator: "\n").first(where: { $0.contains("Playback length:") }) else { return nil }
    // "\tPlayback length: 0m:05.000s"
    let value = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
    let parts = value.split(separator: "m")
    guard parts.count == 2, let minutes = Double(parts[0]) else { return nil }
    let secs = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: ":s"))
    guard let seconds = Double(secs) else { return nil }
    return minutes * 60 + seconds
}
