#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One run of the `capstan` tool (`repair`, `inspect`) as a child process,
/// bounded in time. Start-up recovery works on files from the recordings
/// folder, which may be anything: in a child, a crash or a hang of the
/// parsers (libwebm, libogg, libvpx, libopus) costs that one file, never the
/// daemon.
struct ToolProcess: Sendable {
    /// How a run ended.
    enum Ending: Sendable, Equatable {
        /// Exited with this status.
        case exited(Int32)
        /// Killed by this signal (a crash: SIGSEGV, SIGILL from a Swift trap, …).
        case signalled(Int32)
        /// Still running at the deadline; killed (SIGKILL).
        case timedOut
        /// Killed (SIGKILL) because the caller asked to stop (daemon shutdown).
        case stopped
        /// Could not be started.
        case notStarted(String)
    }

    struct Result: Sendable {
        var ending: Ending
        var stdout: Data
        var stderr: String
        /// The child's process id (for the names of its temporary files).
        var pid: Int32?
    }

    /// The executable (the daemon's own binary).
    let executable: String

    /// The running binary, from `/proc/self/exe`.
    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `executable arguments…` with no stdin, stdout and stderr in
    /// temporary files (a chatty child cannot block on a pipe), and kills it
    /// at `timeout`, or as soon as `stop` says so.
    func run(_ arguments: [String], timeout: Duration, stop: StopFlag? = nil) -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("capstan-tool-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            return Result(ending: .notStarted("no scratch directory: \(error)"), stdout: Data(), stderr: "", pid: nil)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let out = try? FileHandle(forWritingTo: outURL),
              let err = try? FileHandle(forWritingTo: errURL)
        else {
            return Result(ending: .notStarted("cannot create output files"), stdout: Data(), stderr: "", pid: nil)
        }
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            return Result(ending: .notStarted("\(executable): \(error)"), stdout: Data(), stderr: "", pid: nil)
        }
        let pid = process.processIdentifier
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var killed: Ending?
        while process.isRunning {
            if clock.now >= deadline || stop?.isSet == true {
                killed = stop?.isSet == true ? .stopped : .timedOut
                kill(pid, SIGKILL)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        let ending: Ending
        if let killed {
            ending = killed
        } else if process.terminationReason == .uncaughtSignal {
            ending = .signalled(process.terminationStatus)
        } else {
            ending = .exited(process.terminationStatus)
        }
        return Result(ending: ending,
                      stdout: (try? Data(contentsOf: outURL)) ?? Data(),
                      stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self),
                      pid: pid)
    }

    /// "SIGSEGV" for 11, … (strsignal's wording otherwise).
    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        default: strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        }
    }
}

/// Set once, read from any thread: asks long-running work to stop (daemon
/// shutdown), and lets the asker wait until it has.
final class StopFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var set = false
    private var done = false

    var isSet: Bool { condition.withLock { set } }

    /// Asks the work to stop.
    func stop() { condition.withLock { set = true } }

    /// Called by the work when it has returned.
    func finished() {
        condition.withLock {
            done = true
            condition.broadcast()
        }
    }

    /// Waits (bounded) for `finished()`.
    func waitUntilFinished(timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.withLock {
            while !done && condition.wait(until: deadline) {}
        }
    }
}
