import Foundation

/// The checks an H.264 recording must pass with FFmpeg's tools (issue 12):
/// every frame decodes with nothing printed, and ffprobe counts the frames.
public enum H264FileChecks {
    /// `ffmpeg -v error -i FILE -fps_mode passthrough -enc_time_base -1 -f null -`:
    /// its output (stdout and stderr), empty for a clean file; nil without ffmpeg.
    public static func ffmpegDecodeOutput(_ path: String) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else { return nil }
        let result = try ExternalProcess.run("/usr/bin/ffmpeg", [
            "-nostdin", "-v", "error", "-i", path, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "null", "-",
        ], timeout: 120)
        return (result.stdoutText + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            + (result.succeeded ? "" : " [exit \(result.status)\(result.timedOut ? ", timed out" : "")]")
    }

    /// ffprobe's decoded frame count and codec name of the first video stream; nil without ffprobe.
    public static func ffprobeVideo(_ path: String) throws -> (codec: String, frames: Int)? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe") else { return nil }
        let result = try ExternalProcess.run("/usr/bin/ffprobe", [
            "-v", "error", "-select_streams", "v:0", "-count_frames",
            "-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0", path,
        ], timeout: 120)
        let fields = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        guard result.succeeded, fields.count == 2, let frames = Int(fields[1]) else { return ("?", -1) }
        return (String(fields[0]), frames)
    }
}
