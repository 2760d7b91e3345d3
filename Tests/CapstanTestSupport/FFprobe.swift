import Foundation

/// ffprobe on a file, counting frames: duration, and per stream the codec and
/// frames read, as JSON. Nil when ffprobe is missing. The one ffprobe runner
/// of the test suites.
public func ffprobe(_ path: String) -> (status: Int32, output: String)? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe") else { return nil }
    return run("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_name,nb_read_frames",
                                    "-count_frames", "-of", "json", path])
}

/// Runs a program to completion, capturing stdout and stderr together; nil
/// when it cannot start. (`ExternalProcess.run` for long or chatty programs.)
@discardableResult
public func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
