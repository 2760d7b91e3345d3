// capstan-bench-write: the CPU cost of muxing a recording with WebMWriter.
//
// Pre-encodes ~10 s of 640x480 VP8 (TestPattern, 30 fps, keyframe every 2 s,
// 1 Mbps CBR) and 20 ms Opus packets once, then writes `--seconds` of media
// by looping those frames with advancing timestamps, interleaved by time as
// a recorder would, and finalizes. Reports the CPU time (getrusage,
// user + sys) of the muxing alone, relative to the media's wall-clock length.
// Run through scripts/bench-webm-write (release build, plus callgrind).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Codecs
import WebM

struct Options {
    var seconds = 3600
    var output = "/tmp/capstan-bench-write-\(getpid()).webm"
    var keep = false

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--seconds" where i + 1 < args.count: seconds = max(1, Int(args[i + 1]) ?? seconds); i += 1
            case "--output" where i + 1 < args.count: output = args[i + 1]; i += 1
            case "--keep": keep = true
            default:
                print("usage: capstan-bench-write [--seconds N] [--output FILE] [--keep]")
                exit(2)
            }
            i += 1
        }
    }
}

struct Frame {
    var data: [UInt8]
    var keyframe: Bool
}

let fps = 30
/// The CBR target; on this simple pattern libvpx lands near 0.9 Mbit/s (at
/// its lowest quantizer), and the printed figure is the measured one.
let targetKbps = 1000
let options = Options(CommandLine.arguments)

func preEncode() throws -> (video: [Frame], audio: [[UInt8]], opusHead: OpusHead) {
    let encoder = try VP8Encoder(configuration: .init(width: 640, height: 480, fps: fps, bitrateKbps: targetKbps,
                                                      keyframeInterval: 2 * fps))
    let pattern = TestPattern(width: 640, height: 480)
    var image = I420Image(width: 640, height: 480)
    var video: [Frame] = []
    for i in 0..<(10 * fps) {
        pattern.render(i, into: &image)
        for f in try encoder.encode(image, pts: Int64(i) * 90_000 / Int64(fps)) {
            video.append(Frame(data: f.data, keyframe: f.isKeyframe))
        }
    }
    let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
    var tone = ToneGenerator(frequency: 440, channels: 1, frameSamples: opus.frameSamples)
    let audio = try (0..<500).map { _ in try opus.encode(tone.nextFrame()) }
    return (video, audio, OpusHead(channels: 1, preSkip: UInt16(opus.lookahead)))
}

/// The measured part: every frame of `seconds` of media, then finalize.
/// Named so callgrind can collect exactly this (`--toggle-collect=*measuredMuxing*`).
@inline(never)
func measuredMuxing(writer: WebMWriter, video: [Frame], audio: [[UInt8]], seconds: Int) throws -> (Int, WebMWriterSummary) {
    let totalVideo = seconds * fps, totalAudio = seconds * 50
    var v = 0, a = 0
    while v < totalVideo || a < totalAudio {
        let videoTime = Int64(v) * 1_000_000_000 / Int64(fps)
        let audioTime = Int64(a) * 20_000_000
        if v < totalVideo && (a >= totalAudio || videoTime <= audioTime) {
            let f = video[v % video.count]
            try writer.writeFrame(track: .video, timestampNs: videoTime, keyframe: f.keyframe, data: f.data)
            v += 1
        } else {
            try writer.writeFrame(track: .audio, timestampNs: audioTime, keyframe: true, data: audio[a % audio.count])
            a += 1
        }
    }
    return (v + a, try writer.finalize())
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// `value` with `digits` decimals (no Foundation here).
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((abs(value) * scale).rounded())
    let whole = scaled / Int64(scale), frac = String(scaled % Int64(scale))
    return (value < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}

func wallSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

do {
    let media = try preEncode()
    let videoBytes = media.video.reduce(0) { $0 + $1.data.count }
    let writer = try WebMWriter(path: options.output, video: WebMVideoTrack(width: 640, height: 480),
                                audio: .opus(opusHead: media.opusHead.serialize()),
                                muxingApp: "capstan-bench-write", writingApp: "capstan-bench-write")
    let cpu0 = cpuSeconds(), wall0 = wallSeconds()
    let (frames, summary) = try measuredMuxing(writer: writer, video: media.video, audio: media.audio,
                                             seconds: options.seconds)
    let cpu = cpuSeconds() - cpu0, wall = wallSeconds() - wall0
    if !options.keep { unlink(options.output) }
    let percent = cpu / Double(options.seconds) * 100
    print("media: \(options.seconds) s, VP8 640x480@\(fps) at \(videoBytes * 8 / 10 / 1000) kbit/s (looped), Opus 50 packets/s")
    print("frames written: \(frames) (video \(summary.videoFrames), audio \(summary.audioFrames)), clusters \(summary.clusters), cues \(summary.cuePoints), \(summary.bytes) bytes")
    print("mux CPU (user+sys): \(fixed(cpu, 3)) s, wall \(fixed(wall, 3)) s")
    print("CPU per media time: \(fixed(percent, 4)) % of one core")
    print("CPU per frame: \(fixed(cpu / Double(frames) * 1e6, 2)) µs")
} catch {
    print("capstan-bench-write: \(error)")
    exit(1)
}
