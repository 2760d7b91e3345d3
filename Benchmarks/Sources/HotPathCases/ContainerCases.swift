#if canImport(Glibc)
import Glibc
#endif
import Codecs
import Ogg
import WebM

/// The WebM muxer appending one block: real VP8 frames (30 fps, a keyframe
/// every second, which starts a cluster) interleaved with 20 ms Opus packets
/// as they arrive, clusters written out whole at each keyframe. The file is
/// /dev/null: the figure is the muxer's own work, not the disk's.
final class WebMBlockWrite: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "webm-block-write", unit: "block",
        summary: "WebMWriter.writeFrame, VP8 640x480 + Opus interleaved (80 blocks/s), clusters flushed at keyframes",
        expectsZeroAllocations: true, make: { try WebMBlockWrite() })

    private let writer: WebMWriter
    /// One second of blocks in arrival order: (is video, index, time in ns within the second).
    private let schedule: [(video: Bool, index: Int, atNs: Int64)]
    private var next = 0
    private var failures = 0

    init() throws {
        let media = MediaFixtures.shared
        let head = OpusHead(channels: 1, preSkip: 312)
        writer = try WebMWriter(path: "/dev/null", video: WebMVideoTrack(width: 640, height: 480),
                                audio: .opus(opusHead: head.serialize()), muxingApp: "bench", writingApp: "bench")
        var schedule: [(video: Bool, index: Int, atNs: Int64)] = []
        for i in media.videoFrames.indices { schedule.append((true, i, Int64(i) * 1_000_000_000 / 30)) }
        for i in media.opusPackets.indices { schedule.append((false, i, Int64(i) * 20_000_000)) }
        schedule.sort { $0.atNs < $1.atNs }
        self.schedule = schedule
    }

    func prepare(count: Int) {}

    func run(count: Int) {
        let media = MediaFixtures.shared
        for _ in 0..<count {
            let loop = Int64(next / schedule.count)
            let block = schedule[next % schedule.count]
            let timestamp = loop * 1_000_000_000 + block.atNs
            do {
                if block.video {
                    try writer.writeFrame(track: .video, timestampNs: timestamp,
                                          keyframe: media.videoKeyframes[block.index], data: media.videoFrames[block.index])
                } else {
                    try writer.writeFrame(track: .audio, timestampNs: timestamp, keyframe: true,
                                          data: media.opusPackets[block.index])
                }
            } catch {
                failures += 1
            }
            next += 1
        }
    }

    func verify() -> String? { failures == 0 ? nil : "\(failures) blocks failed to write" }
}

/// The Ogg Opus writer appending one 20 ms packet: libogg paging, a page
/// flushed every second (50 packets), written to /dev/null.
final class OggPacketWrite: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "ogg-packet-write", unit: "packet",
        summary: "OggOpusWriter.write of a 20 ms Opus packet (libogg paging, a page per second)",
        expectsZeroAllocations: true, make: { try OggPacketWrite() })

    private let writer: OggOpusWriter
    private var next = 0
    private var failures = 0

    init() throws {
        let fd = open("/dev/null", O_WRONLY | O_CLOEXEC)
        writer = try OggOpusWriter(fileDescriptor: fd, head: OpusHead(channels: 1, preSkip: 312), vendor: "bench")
    }

    func prepare(count: Int) {}

    func run(count: Int) {
        let packets = MediaFixtures.shared.opusPackets
        for _ in 0..<count {
            do { try writer.write(packet: packets[next % packets.count]) } catch { failures += 1 }
            next += 1
        }
    }

    func verify() -> String? { failures == 0 ? nil : "\(failures) packets failed to write" }
}
