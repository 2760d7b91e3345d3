// capstan-bench-record: the cost of the receive pipeline per RTP packet,
// from an unprotected RTP packet to bytes written (MediaBridge: demux,
// jitter buffer, depacketizer, keyframe gate, gap filler, timeline, WebM
// muxer, RTCP receiver reports), and the memory of one recording session.
//
// Pre-encodes 10 s of 640x480 VP8 (30 fps, ~1 Mbit/s, keyframe every 2 s)
// and 20 ms Opus packets, packetizes them into RTP (RFC 7741, RFC 7587), then
// feeds `--seconds` of packets (looping the media with advancing sequence
// numbers and timestamps) to one MediaBridge with a simulated clock, in a
// function named `measuredPipeline` for callgrind. Then `--sessions` bridges
// run side by side for memory: RSS growth per session.
// Run through scripts/bench-record.
#if canImport(Glibc)
import Glibc
#endif
import Codecs
import Logging
import MediaBridge
import MediaPipeline
import RTP

var seconds = 60
var sessions = 20
var directory = "/tmp/capstan-bench-record-\(getpid())"
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--seconds": seconds = Int(args.next() ?? "") ?? seconds
    case "--sessions": sessions = Int(args.next() ?? "") ?? sessions
    case "--directory": directory = args.next() ?? directory
    default:
        print("usage: capstan-bench-record [--seconds N] [--sessions N] [--directory DIR]")
        exit(2)
    }
}
mkdir(directory, 0o755)

let fps = 30
struct TimedPacket {
    var atNs: UInt64
    var bytes: [UInt8]
}

/// `seconds` of RTP in arrival order.
func makePackets(seconds: Int) throws -> [TimedPacket] {
    let encoder = try VP8Encoder(configuration: .init(width: 640, height: 480, fps: fps, bitrateKbps: 1000,
                                                      keyframeInterval: 2 * fps))
    let pattern = TestPattern(width: 640, height: 480)
    var image = I420Image(width: 640, height: 480)
    var frames: [[UInt8]] = []
    for i in 0..<(10 * fps) {
        pattern.render(i, into: &image)
        for f in try encoder.encode(image, pts: Int64(i) * 90_000 / Int64(fps)) { frames.append(f.data) }
    }
    let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
    var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
    let audio = try (0..<500).map { _ in try opus.encode(tone.nextFrame()) }

    var packetizer = try VP8Packetizer(maxPayloadSize: 1200)
    var videoSequencer = RTPSequencer(ssrc: 0x1111, payloadType: 96, initialSequenceNumber: 1000)
    var audioPacketizer = OpusPacketizer(sequencer: RTPSequencer(ssrc: 0x2222, payloadType: 111, initialSequenceNumber: 7),
                                         initialTimestamp: 12345)
    var out: [TimedPacket] = []
    for i in 0..<(seconds * fps) {
        let t = UInt64(i) * 1_000_000_000 / UInt64(fps)
        for p in packetizer.packets(for: frames[i % frames.count], timestamp: UInt32(truncatingIfNeeded: i * 3000),
                                    sequencer: &videoSequencer) {
            out.append(TimedPacket(atNs: t + 20_000_000, bytes: p.bytes))
        }
    }
    for j in 0..<(seconds * 50) {
        let p = try audioPacketizer.packetize(audio[j % audio.count])
        out.append(TimedPacket(atNs: UInt64(j) * 20_000_000 + 20_000_000, bytes: p.bytes))
    }
    out.sort { $0.atNs < $1.atNs }
    return out
}

func makeBridge(_ id: String, directory: String) -> MediaBridge {
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let configuration = MediaBridgeConfiguration(
        sessionID: id, directory: directory,
        audio: .init(payloadType: 111, clockRate: 48_000, channels: 1, codec: "opus"),
        video: .init(payloadType: 96, clockRate: 90_000, nack: true, codec: "VP8"))
    return MediaBridge(configuration: configuration, now: 0, unixNs: 1_750_000_000_000_000_000, logger: logger,
                       sendRTCP: { _ in }, onStop: { print("recording stopped: \($0.detail)") })
}

/// Named so callgrind can collect exactly this (`--toggle-collect=*measuredPipeline*`).
@inline(never)
func measuredPipeline(_ bridge: MediaBridge, _ packets: [TimedPacket]) -> RecordingSidecar {
    var nextTick: UInt64 = 0
    for packet in packets {
        while nextTick <= packet.atNs {
            bridge.transportTick(now: nextTick)
            nextTick += 10_000_000
        }
        packet.bytes.withUnsafeBytes { bridge.transportDidReceiveRTP($0, now: packet.atNs) }
    }
    return bridge.finalize(now: nextTick + 1_000_000_000, endReason: "local-hangup", endDetail: nil)
}

func residentKiB() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    _ = withUnsafeMutablePointer(to: &size) { s in
        withUnsafeMutablePointer(to: &resident) { r in
            withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

let packets = try makePackets(seconds: seconds)
let bytes = packets.reduce(0) { $0 + $1.bytes.count }
let cpuBefore = clock()
let sidecar = measuredPipeline(makeBridge("bench", directory: directory), packets)
let cpu = Double(clock() - cpuBefore) / Double(CLOCKS_PER_SEC)
print("packets fed: \(packets.count) (\(bytes) bytes of RTP, \(seconds) s of media)")
print("written: \(sidecar.tracks.map { "\($0.kind) \($0.frames) frames" }.joined(separator: ", ")), \(sidecar.bytes) bytes")
print("cpu: \(String(format: "%.3f", cpu)) s, \(String(format: "%.2f", cpu * 1e9 / Double(packets.count))) ns per packet")

// Memory: sessions side by side, each fed the same 10 s, all open at once.
let memoryPackets = Array(packets.prefix { $0.atNs < 10_000_000_000 })
let before = residentKiB()
var bridges: [MediaBridge] = []
for s in 0..<sessions {
    let bridge = makeBridge("mem-\(s)", directory: directory)
    var nextTick: UInt64 = 0
    for packet in memoryPackets {
        while nextTick <= packet.atNs { bridge.transportTick(now: nextTick); nextTick += 10_000_000 }
        packet.bytes.withUnsafeBytes { bridge.transportDidReceiveRTP($0, now: packet.atNs) }
    }
    bridges.append(bridge)
}
let after = residentKiB()
print("memory per recording session: \((after - before) / max(1, sessions)) KiB (RSS growth over \(sessions) live sessions)")
for (i, bridge) in bridges.enumerated() { bridge.finalize(now: 11_000_000_000, endReason: "local-hangup", endDetail: nil); _ = i }
for name in ["bench"] + (0..<sessions).map({ "mem-\($0)" }) {
    unlink("\(directory)/\(name).webm")
    unlink("\(directory)/\(name).json")
}
rmdir(directory)
