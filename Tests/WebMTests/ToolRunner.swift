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
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("capstan-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out")
        let errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ToolResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
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

