import CapstanTestSupport
import Foundation

/// Result of running an external tool.
struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
}

/// Runs external tools (ffmpeg, ffprobe, mkvinfo) with a timeout, capturing output.
enum ToolRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `tool` (looked up in PATH) with `arguments`; kills it after `timeout` seconds.
    static func run(_ tool: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> ToolResult {
        let r = try ExternalProcess.run(tool, arguments, timeout: timeout)
        return ToolResult(status: r.status, stdout: r.stdoutText, stderr: r.stderr, timedOut: r.timedOut)
    }

    /// Runs and throws unless the tool exits 0.
    @discardableResult
    static func check(_ tool: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> ToolResult {
        let r = try run(tool, arguments, timeout: timeout)
        guard r.status == 0, !r.timedOut else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) → \(r.status)\(r.timedOut ? " (timeout)" : ""): \(r.stderr.suffix(2000))")
        }
        return r
    }
}

/// A per-test temporary directory, removed by `cleanup()`.
struct TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-webm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

