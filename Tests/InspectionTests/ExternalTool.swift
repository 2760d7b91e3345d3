import CapstanTestSupport
import Foundation

/// Output of an external program.
struct ToolOutput {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
    /// Killed by a signal: a crash (SIGILL from a Swift trap, SIGSEGV, …).
    var signalled: Bool = false

    var succeeded: Bool { status == 0 && !timedOut }
}

/// Runs external programs (ffmpeg, ffprobe, mkvinfo, opusinfo, opusenc, the
/// built `capstan`) with a timeout; output goes through files so a chatty
/// program cannot block on a full pipe.
enum ExternalTool {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `program` (a path, or a name looked up in PATH).
    static func run(_ program: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> ToolOutput {
        let r = try ExternalProcess.run(program, arguments, timeout: timeout)
        return ToolOutput(status: r.status, stdout: r.stdoutText, stderr: r.stderr, timedOut: r.timedOut, signalled: r.signalled)
    }

    /// Runs and throws unless the program exits 0 in time.
    @discardableResult
    static func check(_ program: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> ToolOutput {
        let r = try run(program, arguments, timeout: timeout)
        guard r.succeeded else {
            throw Failed(description: "\(program) \(arguments.joined(separator: " ")) exited \(r.status)\(r.timedOut ? " (timed out)" : ""): \(r.stderr.suffix(1500))")
        }
        return r
    }

    /// The `capstan` executable built next to the test bundle.
    static func capstanBinary() throws -> String {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for dir in candidates {
            // The bundle may sit inside `X.xctest/`; look beside it and one level up.
            for d in [dir, dir.deletingLastPathComponent()] {
                let path = d.appendingPathComponent("capstan").path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        throw Failed(description: "no built capstan next to the test bundle (\(candidates.map(\.path))); run swift build first")
    }
}

/// A temporary directory for one test, removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-inspection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

typealias SeededGenerator = SplitMix64

/// ffprobe queries used as the independent reference.
enum FFprobe {
    /// `nb_read_frames` (with `-count_frames`) or `nb_read_packets` (with
    /// `-count_packets`) per codec_type.
    static func counts(_ path: String, packets: Bool) throws -> [String: Int] {
        let key = packets ? "nb_read_packets" : "nb_read_frames"
        let r = try ExternalTool.check("ffprobe", [
            "-v", "error", packets ? "-count_packets" : "-count_frames",
            "-show_entries", "stream=codec_type,\(key)", "-of", "json", path,
        ])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        var out: [String: Int] = [:]
        for stream in object?["streams"] as? [[String: Any]] ?? [] {
            guard let type = stream["codec_type"] as? String else { continue }
            out[type, default: 0] += Int(stream[key] as? String ?? "") ?? 0
        }
        return out
    }

    /// The format duration in seconds.
    static func duration(_ path: String) throws -> Double {
        let r = try ExternalTool.check("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path])
        guard let d = Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ExternalTool.Failed(description: "ffprobe gave no duration: \(r.stdout)")
        }
        return d
    }
}
