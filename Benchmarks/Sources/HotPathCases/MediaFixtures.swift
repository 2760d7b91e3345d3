import Codecs
import MediaPipeline
import RTP

/// Real media for the cases: one second of 640x480 VP8 from libvpx (30 fps,
/// ~500 kbit/s, a keyframe at frame 0) and one second of 20 ms Opus packets
/// from libopus (48 kHz mono, 32 kbit/s), encoded once per process.
public struct MediaFixtures: Sendable {
    public static let fps = 30
    public let videoFrames: [[UInt8]]
    public let videoKeyframes: [Bool]
    public let opusPackets: [[UInt8]]
    /// The VP8 RTP payloads (descriptor + data) of `videoFrames`, one array per frame.
    public let vp8Payloads: [[[UInt8]]]
    /// One second of 640x480 H.264 from libopenh264 (Constrained Baseline, an
    /// IDR at frame 0 with SPS/PPS), as RFC 6184 mode 1 payloads (STAP-A for
    /// SPS+PPS, FU-A for larger slices), one array per frame; empty when the
    /// build has no H.264 encoder.
    public let h264Payloads: [[[UInt8]]]
    /// One second of 640x480 VP9 from libvpx (real time, a keyframe at frame 0)
    /// as RFC 9628 non-flexible payloads (SS on the keyframe), one array per frame.
    public let vp9Payloads: [[[UInt8]]]
    /// One second of 640x480 AV1 from libaom (real time, a keyframe at frame 0)
    /// as AV1 RTP payloads (OBU elements, fragments across packets); empty
    /// when the build has no AV1 encoder.
    public let av1Payloads: [[[UInt8]]]

    public static let shared: MediaFixtures = {
        do { return try MediaFixtures() } catch { fatalError("cannot encode the benchmark media: \(error)") }
    }()

    private init() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 640, height: 480, fps: Self.fps, bitrateKbps: 500,
                                                          keyframeInterval: Self.fps))
        let pattern = TestPattern(width: 640, height: 480)
        var image = I420Image(width: 640, height: 480)
        var frames: [[UInt8]] = []
        var keys: [Bool] = []
        for i in 0..<Self.fps {
            pattern.render(i, into: &image)
            for f in try encoder.encode(image, pts: Int64(i) * 90_000 / Int64(Self.fps), forceKeyframe: i == 0) {
                frames.append(f.data)
                keys.append(f.isKeyframe)
            }
        }
        guard frames.count == Self.fps, keys[0] else { throw FixtureError.unexpectedEncoderOutput(frames.count) }
        videoFrames = frames
        videoKeyframes = keys
        let opus = try OpusEncoder(channels: 1, bitrate: 32_000)
        var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
        opusPackets = try (0..<50).map { _ in try opus.encode(tone.nextFrame()) }
        var packetizer = try VP8Packetizer(maxPayloadSize: 1200)
        vp8Payloads = frames.map { packetizer.payloads(for: $0) }
        var h264: [[[UInt8]]] = []
        if H264Encoder.isAvailable {
            let encoder = try H264Encoder(configuration: .init(width: 640, height: 480, fps: Self.fps, bitrateKbps: 500,
                                                               keyframeInterval: Self.fps))
            let packetizer = try H264Packetizer(maxPayloadSize: 1200)
            for i in 0..<Self.fps {
                pattern.render(i, into: &image)
                if let frame = try encoder.encode(image, timestampMs: Int64(i * 33), forceKeyframe: i == 0) {
                    h264.append(packetizer.payloads(forAnnexB: frame.data))
                }
            }
        }
        h264Payloads = h264
        let vp9Encoder = try VP8Encoder(configuration: .init(width: 640, height: 480, fps: Self.fps, bitrateKbps: 500,
                                                             keyframeInterval: Self.fps, codec: .vp9))
        var vp9Packetizer = try VP9Packetizer(maxPayloadSize: 1200)
        var vp9: [[[UInt8]]] = []
        for i in 0..<Self.fps {
            pattern.render(i, into: &image)
            for f in try vp9Encoder.encode(image, pts: Int64(i) * 3000, forceKeyframe: i == 0) {
                vp9.append(vp9Packetizer.payloads(for: f.data, isKeyframe: f.isKeyframe, width: 640, height: 480))
            }
        }
        vp9Payloads = vp9
        var av1: [[[UInt8]]] = []
        if AV1Encoder.isAvailable {
            let encoder = try AV1Encoder(configuration: .init(width: 640, height: 480, fps: Self.fps, bitrateKbps: 500,
                                                              keyframeInterval: Self.fps))
            let packetizer = try AV1Packetizer(maxPayloadSize: 1200)
            for i in 0..<Self.fps {
                pattern.render(i, into: &image)
                if let f = try encoder.encode(image, pts: Int64(i) * 3000, forceKeyframe: i == 0) {
                    av1.append(packetizer.payloads(forTemporalUnit: f.data, isKeyframe: f.isKeyframe))
                }
            }
        }
        av1Payloads = av1
    }
}

/// A looping RTP stream with continuous sequence numbers, timestamps and
/// arrival times: one second of A/V (or one track) repeated, materialised
/// `count` packets at a time into one flat buffer.
struct RTPStreamLoop {
    struct Packet {
        var bytes: [UInt8]
        var sequenceNumber: UInt16
        var timestamp: UInt32
        var offsetNs: UInt64
        /// Which stream (0 video, 1 audio), for the per-stream counters.
        var stream: Int
        var timestampStep: UInt32
        /// RTX (stream 2): the original sequence number in the payload's first two octets.
        var originalSequenceNumber: UInt16? = nil
    }
    private let packets: [Packet]
    private let perLoopCount: [Int]
    private var next = 0
    /// The materialised packets of the last `prepare`.
    private(set) var buffer: [UInt8] = []
    private(set) var ranges: [Range<Int>] = []
    private(set) var arrivals: [UInt64] = []

    static let videoSSRC: UInt32 = 0x1111_1111
    static let audioSSRC: UInt32 = 0x2222_2222
    static let rtxSSRC: UInt32 = 0x3333_3333

    /// - Parameters:
    ///   - rtxEvery: about every this many video packets (in the first 0.9 s
    ///     of each loop, never a frame's last) one is lost and arrives 5 ms later on the RTX stream
    ///     (RFC 4588, payload type 97, `rtxSSRC`); 0: none. 5 ms: before the
    ///     jitter buffer's first NACK (10 ms), whose list and RTCP packet
    ///     allocate (the loss path, as without RTX): this measures the
    ///     unwrapping alone.
    ///   - red: audio as RED (RFC 2198, payload type 63) with the previous
    ///     packet as a redundant block; `audioLossEvery`-th packets lost
    ///     (recovered from the next one's redundancy).
    init(video: Bool, audio: Bool, rtxEvery: Int = 0, red: Bool = false, audioLossEvery: Int = 0) {
        let media = MediaFixtures.shared
        var packets: [Packet] = []
        var counts = [0, 0, 0]
        if video {
            var sequencer = RTPSequencer(ssrc: Self.videoSSRC, payloadType: 96, initialSequenceNumber: 1000)
            var rtx = RTPSequencer(ssrc: Self.rtxSSRC, payloadType: 97, initialSequenceNumber: 500)
            for (i, payloads) in media.vp8Payloads.enumerated() {
                let at = UInt64(i) * 1_000_000_000 / UInt64(MediaFixtures.fps) + 5_000_000
                for (j, payload) in payloads.enumerated() {
                    let packet = sequencer.makePacket(payload: payload, timestamp: UInt32(i * 3000),
                                                      marker: j == payloads.count - 1)
                    let offset = at + UInt64(j) * 100_000
                    // Not a frame's last packet: the next one, 0.1 ms later, shows the hole before the RTX comes.
                    if rtxEvery > 0, counts[0] % rtxEvery == rtxEvery / 2, offset < 900_000_000, j < payloads.count - 1 {
                        let osn = packet.sequenceNumber
                        let resent = rtx.makePacket(payload: [UInt8(osn >> 8), UInt8(osn & 0xFF)] + payload,
                                                    timestamp: packet.timestamp, marker: packet.marker)
                        packets.append(Packet(bytes: resent.bytes, sequenceNumber: resent.sequenceNumber,
                                              timestamp: resent.timestamp, offsetNs: offset + 5_000_000, stream: 2,
                                              timestampStep: 90_000, originalSequenceNumber: osn))
                        counts[2] += 1
                    } else {
                        packets.append(Packet(bytes: packet.bytes, sequenceNumber: packet.sequenceNumber,
                                              timestamp: packet.timestamp, offsetNs: offset, stream: 0,
                                              timestampStep: 90_000))
                    }
                    counts[0] += 1
                }
            }
        }
        if audio {
            var sequencer = RTPSequencer(ssrc: Self.audioSSRC, payloadType: red ? 63 : 111, initialSequenceNumber: 7)
            for (i, opus) in media.opusPackets.enumerated() {
                let payload = red ? REDPayload.make(redundant: i == 0 ? [] : [(111, 960, media.opusPackets[i - 1])],
                                                    primaryPayloadType: 111, primary: opus) : opus
                let packet = sequencer.makePacket(payload: payload, timestamp: UInt32(i * 960), marker: i == 0)
                if audioLossEvery > 0 && i % audioLossEvery == audioLossEvery / 2 {
                    counts[1] += 1
                    continue
                }
                packets.append(Packet(bytes: packet.bytes, sequenceNumber: packet.sequenceNumber,
                                      timestamp: packet.timestamp, offsetNs: UInt64(i) * 20_000_000 + 1_000_000,
                                      stream: 1, timestampStep: 48_000))
                counts[1] += 1
            }
        }
        packets.sort { $0.offsetNs < $1.offsetNs }
        self.packets = packets
        perLoopCount = counts
    }

    /// Packets in one loop (one second of media).
    var packetsPerSecond: Int { packets.count }

    /// Materialises the next `count` packets.
    mutating func prepare(count: Int) {
        buffer.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        arrivals.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            let loop = next / packets.count
            let packet = packets[next % packets.count]
            next += 1
            let start = buffer.count
            buffer.append(contentsOf: packet.bytes)
            // Sequence number and timestamp advance by one loop each time round.
            let end = buffer.count
            buffer.withUnsafeMutableBytes { all in
                RTPHeader.rewrite(
                    UnsafeMutableRawBufferPointer(rebasing: all[start..<end]),
                    sequenceNumber: packet.sequenceNumber &+ UInt16(truncatingIfNeeded: loop * perLoopCount[packet.stream]),
                    timestamp: packet.timestamp &+ UInt32(truncatingIfNeeded: loop) &* packet.timestampStep)
                if let osn = packet.originalSequenceNumber {  // RTX: the OSN follows the 12-octet header
                    let moved = osn &+ UInt16(truncatingIfNeeded: loop * perLoopCount[0])
                    all[start + 12] = UInt8(moved >> 8)
                    all[start + 13] = UInt8(moved & 0xFF)
                }
            }
            ranges.append(start..<buffer.count)
            arrivals.append(UInt64(loop) * 1_000_000_000 + packet.offsetNs)
        }
    }
}

enum FixtureError: Error { case unexpectedEncoderOutput(Int) }
