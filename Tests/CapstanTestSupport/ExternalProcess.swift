import Foundation

/// What an external program did.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    public var timedOut: Bool
    /// Killed by a signal (a crash, or the timeout's SIGTERM); `status` is then the signal number.
    public var signalled: Bool = false

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var succeeded: Bool { status == 0 && !timedOut }
}

/// Runs the external programs tests judge files with (ffmpeg, ffprobe,
/// mkvinfo, opusinfo, opusenc, the built `capstan`).
public enum ExternalProcess {
    /// Runs `program` — a path, or a name looked up on PATH through
    /// `/usr/bin/env` — with `arguments`, in `directory` when given. stdout and
    /// stderr go through files, so a chatty program cannot block on a full
    /// pipe; the program is terminated after `timeout` seconds (`timedOut`).
    public static func run(_ program: String, _ arguments: [String], in directory: URL? = nil,
                           timeout: TimeInterval) throws -> ProcessOutput {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("capstan-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus,
                             stdout: (try? Data(contentsOf: outURL)) ?? Data(),
                             stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self),
                             timedOut: timedOut, signalled: process.terminationReason == .uncaughtSignal)
    }
}
