import Foundation
@testable import WebM

/// Source files made once per test run by ffmpeg (real VP8 + Opus frames).
struct Fixtures: Sendable {
    let directory: String
    let src640: String
    let src320: String

    /// The per-process fixture directory (removed at exit).
    static func directoryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("capstan-webm-fixtures-\(getpid())").path
    }

    static func make() throws -> Fixtures {
        let dir = directoryPath()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.directoryPath()) }
        func encode(_ size: String, _ name: String) throws -> String {
            let out = dir + "/" + name
            try ToolRunner.check("ffmpeg", [
                "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=\(size):rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440",
                "-t", "6", "-c:v", "libvpx", "-g", "60", "-b:v", "1M",
                "-deadline", "realtime", "-cpu-used", "8",
                "-c:a", "libopus", out,
            ], timeout: 300)
            return out
        }
        return Fixtures(directory: dir, src640: try encode("640x480", "src640.webm"),
                        src320: try encode("320x240", "src320.webm"))
    }

    /// Made on first use; every test shares it.
    static let shared: Result<Fixtures, any Error> = Result { try make() }

    static func get() throws -> Fixtures { try shared.get() }
}

/// Frames of one source file, split by track type.
struct SourceMedia {
    var info: WebMFileInfo
    var video: [WebMFrame]
    var audio: [WebMFrame]
    var all: [WebMFrame]

    init(path: String) throws {
        var all: [WebMFrame] = []
        info = try WebMReader.read(path: path) { all.append($0) }
        let videoNumber = info.tracks.first { $0.type == .video }?.number
        let audioNumber = info.tracks.first { $0.type == .audio }?.number
        video = all.filter { $0.trackNumber == videoNumber }
        audio = all.filter { $0.trackNumber == audioNumber }
        self.all = all
    }

    var videoTrack: WebMVideoTrack? {
        info.tracks.first { $0.type == .video }.map { WebMVideoTrack(width: $0.width, height: $0.height) }
    }

    var audioTrack: WebMAudioTrack? {
        info.tracks.first { $0.type == .audio }.map {
            WebMAudioTrack(codecPrivate: $0.codecPrivate, channels: $0.channels, codecDelayNs: $0.codecDelayNs)
        }
    }
}

/// ffprobe queries.
enum Probe {
    /// Decoded frame count per codec_type ("video", "audio") via `-count_frames`.
    static func countFrames(_ path: String) throws -> [String: Int] {
        let r = try ToolRunner.run("ffprobe", [
            "-v", "error", "-count_frames", "-show_entries", "stream=codec_type,nb_read_frames",
            "-of", "json", path,
        ])
        guard r.status == 0 else { throw ToolRunner.Failure(description: "ffprobe: \(r.stderr)") }
        return try parseStreams(r.stdout, key: "nb_read_frames")
    }

    /// Packet count per codec_type via `-count_packets`.
    static func countPackets(_ path: String) throws -> [String: Int] {
        let r = try ToolRunner.check("ffprobe", [
            "-v", "error", "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets",
            "-of", "json", path,
        ])
        return try parseStreams(r.stdout, key: "nb_read_packets")
    }

    private static func parseStreams(_ json: String, key: String) throws -> [String: Int] {
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        var out: [String: Int] = [:]
        for stream in obj?["streams"] as? [[String: Any]] ?? [] {
            guard let type = stream["codec_type"] as? String else { continue }
            out[type, default: 0] += Int(stream[key] as? String ?? "") ?? 0
        }
        return out
    }

    /// Format duration in seconds.
    static func duration(_ path: String) throws -> Double {
        let r = try ToolRunner.check("ffprobe", [
            "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path,
        ])
        guard let d = Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ToolRunner.Failure(description: "no duration in \(r.stdout)")
        }
        return d
    }

    /// (pts seconds, keyframe) of the packets of the first stream of `type` ("v" / "a").
    static func packets(_ path: String, stream: String, extra: [String] = []) throws -> [(Double, Bool)] {
        let r = try ToolRunner.check("ffprobe", extra + [
            "-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,flags",
            "-of", "csv=p=0", path,
        ])
        return r.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ",")
            guard parts.count >= 2, let t = Double(parts[0]) else { return nil }
            return (t, parts[1].hasPrefix("K"))
        }
    }
}

/// Writes `frames` (in the given order) to a new file with `writer`'s tracks.
func write(_ frames: [WebMFrame], source: SourceMedia, to writer: WebMWriter) throws {
    let videoNumber = source.info.tracks.first { $0.type == .video }?.number
    for f in frames {
        let kind: WebMTrackKind = f.trackNumber == videoNumber ? .video : .audio
        if kind == .video && writer.videoTrackNumber == nil { continue }
        if kind == .audio && writer.audioTrackNumber == nil { continue }
        try writer.writeFrame(track: kind, timestampNs: f.timestampNs, keyframe: f.isKeyframe, data: f.bytes)
    }
}
