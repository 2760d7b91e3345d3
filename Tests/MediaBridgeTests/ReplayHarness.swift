import Codecs
import Logging
import MediaBridge
import MediaPipeline
import RTP

/// A deterministic sender, network and clock around one `MediaBridge`, no
/// sockets: a live VP8 encoder (keyframes on PLI/FIR) and pre-encoded Opus,
/// packetized with VP8Packetizer/OpusPacketizer; sender reports every
/// second; a link with random loss, reordering, duplicates and an outage;
/// a send history that answers NACKs. Time advances in 1 ms steps.
final class ReplayHarness {
    struct Settings {
        var seed: UInt64
        var seconds = 10
        var loss = 0.0
        var duplicates = 0.0
        var reorderNs: UInt64 = 0
        var audioDelayNs: UInt64 = 20 * ms
        var videoDelayNs: UInt64 = 20 * ms
        var feedbackDelayNs: UInt64 = 20 * ms
        /// Send times during which nothing gets through.
        var outage: Range<UInt64>?
        /// Nothing is lost or reordered before this (the first packets of both
        /// tracks arrive, so file time 0 is audio packet 0).
        var cleanStartNs: UInt64 = 300 * ms
        var video = true
        var audio = true
        var width = 320
        var height = 240
        /// (send time, width, height): the encoder is reconfigured then.
        var resize: (at: UInt64, width: Int, height: Int)?
        var sendSenderReports = true
        /// Each report's NTP time is off by a uniform random amount within
        /// ±this, independently per track (aiortc stamps reports from its
        /// wall clock, not its RTP clock).
        var senderReportJitterNs: Int64 = 0
        /// The sender's NTP clock gains this much per second on its RTP clocks.
        var senderReportDriftNsPerSecond: Int64 = 0
        var writeLimitBytes: UInt64?
        /// Send H.264 (libopenh264, RFC 6184 mode 1) instead of VP8.
        var h264 = false
        /// Send VP9 (libvpx, RFC 9628 non-flexible) or AV1 (libaom real time) instead of VP8: "VP9", "AV1".
        var codec: String?
        /// Answer NACKs on an RTX stream (RFC 4588: payload type 97, SSRC
        /// `rtxSSRC`, OSN first) instead of resending on the media SSRC.
        var rtx = false
        /// The RTX SSRC is given to the bridge (an SDP FID group); else it
        /// learns it from the first RTX packet.
        var rtxAnnounced = true
        /// Padding-only RTX packets (bandwidth probes) every this often; 0: none.
        var rtxPaddingIntervalNs: UInt64 = 0
        /// RTX packets from another SSRC (a stream not negotiated) every this often; 0: none.
        var foreignRTXIntervalNs: UInt64 = 0
        /// Audio as RED (RFC 2198, payload type 63): each packet carries this
        /// many previous Opus packets as redundant blocks; 0: plain Opus.
        var redDistance = 0
        /// Every this many audio packets one is sent as a malformed RED
        /// packet (a block length past its end) instead; 0: never.
        var hostileREDEvery = 0
    }

    enum Event {
        case rtp(bytes: [UInt8], isVideo: Bool, index: Int)
        case rtcp([UInt8])
        case feedback([UInt8])
    }

    static let fps = 30
    static let frameIntervalNs: UInt64 = 1_000_000_000 / 30
    static let videoSSRC: UInt32 = 0x1111_2222
    static let audioSSRC: UInt32 = 0x3333_4444
    static let rtxSSRC: UInt32 = 0x5555_6666
    static let foreignSSRC: UInt32 = 0x7777_8888
    static let rtxPayloadType: UInt8 = 97
    static let redPayloadType: UInt8 = 63
    static let videoRTPBase: UInt32 = 0xFFFF_0000  // wraps during the run
    static let audioRTPBase: UInt32 = 0x7000_0000
    static let senderUnixBase: Int64 = 1_750_000_000_000_000_000

    let settings: Settings
    var rng: SeededGenerator
    var events: [(at: UInt64, order: Int, event: Event)] = []
    var order = 0
    var bridge: MediaBridge!
    let directory: String

    // Sender state.
    var encoder: VP8Encoder?
    var h264Encoder: H264Encoder?
    var av1Encoder: AV1Encoder?
    let av1Packetizer = try! AV1Packetizer(maxPayloadSize: 1100)
    var vp9Packetizer = try! VP9Packetizer(maxPayloadSize: 1100, initialPictureID: 100)
    let h264Packetizer = try! H264Packetizer(maxPayloadSize: 1100)
    var pattern: TestPattern
    var image: I420Image
    var packetizer = try! VP8Packetizer(maxPayloadSize: 1100, initialPictureID: 100)
    var videoSequencer = RTPSequencer(ssrc: ReplayHarness.videoSSRC, payloadType: 96, initialSequenceNumber: 65_000)
    var opus = OpusPacketizer(sequencer: RTPSequencer(ssrc: ReplayHarness.audioSSRC, payloadType: 111,
                                                      initialSequenceNumber: 40_000),
                              initialTimestamp: ReplayHarness.audioRTPBase)
    var forceKeyframe = true
    /// Video packets sent: bytes, send time, frame index.
    var videoHistory: [UInt16: (bytes: [UInt8], sentAt: UInt64, frame: Int)] = [:]
    var framePackets: [[UInt16]] = []
    var frameIsKey: [Bool] = []
    var frameSize: [(Int, Int)] = []
    var deliveredVideo: Set<UInt16> = []
    var deliveredAudio: Set<Int> = []
    var plis = 0, firs = 0, nacks = 0, retransmissions = 0
    var rtxSequencer = RTPSequencer(ssrc: ReplayHarness.rtxSSRC, payloadType: ReplayHarness.rtxPayloadType,
                                    initialSequenceNumber: 7_000)
    var foreignSequencer = RTPSequencer(ssrc: ReplayHarness.foreignSSRC, payloadType: ReplayHarness.rtxPayloadType,
                                        initialSequenceNumber: 100)
    var redSequencer = RTPSequencer(ssrc: ReplayHarness.audioSSRC, payloadType: ReplayHarness.redPayloadType,
                                    initialSequenceNumber: 40_000)
    var rtxPaddingSent = 0, foreignRTXSent = 0, hostileREDSent = 0
    var deliveredRTXPadding = 0, deliveredForeignRTX = 0
    /// Audio packet indices sent as malformed RED.
    var hostileRED: Set<Int> = []
    var audioPacketsSent = 0

    /// - Parameter negotiateRTX: false: the sender uses RTX although the bridge was not told of it.
    init(settings: Settings, directory: String, sessionID: String = "replay", negotiateRTX: Bool = true) throws {
        self.settings = settings
        self.directory = directory
        rng = SeededGenerator(seed: settings.seed)
        pattern = TestPattern(width: settings.width, height: settings.height)
        image = I420Image(width: settings.width, height: settings.height)
        if settings.video && settings.codec == "AV1" {
            av1Encoder = try AV1Encoder(configuration: .init(width: settings.width, height: settings.height, fps: Self.fps,
                                                             bitrateKbps: 400, keyframeInterval: 0))
        } else if settings.video && settings.codec == "VP9" {
            encoder = try VP8Encoder(configuration: .init(width: settings.width, height: settings.height, fps: Self.fps,
                                                          bitrateKbps: 400, keyframeInterval: 100_000, codec: .vp9))
        } else if settings.video && settings.h264 {
            h264Encoder = try H264Encoder(configuration: .init(width: settings.width, height: settings.height, fps: Self.fps,
                                                               bitrateKbps: 400, keyframeInterval: 0))
        } else if settings.video {
            encoder = try VP8Encoder(configuration: .init(width: settings.width, height: settings.height, fps: Self.fps,
                                                          bitrateKbps: 400, keyframeInterval: 100_000))
        }
        var configuration = MediaBridgeConfiguration(
            sessionID: sessionID, directory: directory,
            audio: settings.audio ? .init(payloadType: 111, clockRate: 48_000, channels: 1, codec: "opus",
                                          redPayloadType: settings.redDistance > 0 || settings.hostileREDEvery > 0 ? Self.redPayloadType : nil) : nil,
            video: settings.video ? .init(payloadType: 96, clockRate: 90_000, nack: true, codec: settings.codec ?? (settings.h264 ? "H264" : "VP8"),
                                          rtxPayloadType: settings.rtx && negotiateRTX ? Self.rtxPayloadType : nil,
                                          rtxSSRCs: settings.rtx && negotiateRTX && settings.rtxAnnounced ? [Self.rtxSSRC] : []) : nil)
        configuration.signaller = "replay"
        bridge = MediaBridge(configuration: configuration, now: 0, unixNs: Self.senderUnixBase + 5_000_000, logger: Logger(label: "replay"),
                             sendRTCP: { [unowned self] bytes in self.schedule(at: self.now + settings.feedbackDelayNs, .feedback(bytes)) },
                             onStop: { [unowned self] stop in self.storageFailure = stop.detail })
    }

    var now: UInt64 = 0
    var storageFailure: String?
    var sidecar: RecordingSidecar?

    func schedule(at time: UInt64, _ event: Event) {
        order += 1
        let entry = (at: time, order: order, event: event)
        // Binary search insertion keeps (time, order) sorted.
        var low = 0, high = events.count
        while low < high {
            let mid = (low + high) / 2
            if events[mid].at < time || (events[mid].at == time && events[mid].order < order) { low = mid + 1 } else { high = mid }
        }
        events.insert(entry, at: low)
    }

    func inOutage(_ t: UInt64) -> Bool { settings.outage?.contains(t) ?? false }

    /// Sends over the lossy link (media): loss, duplicates, reordering.
    func transmit(_ bytes: [UInt8], isVideo: Bool, index: Int, at t: UInt64) {
        let clean = t < settings.cleanStartNs
        if inOutage(t) || (!clean && rng.unit() < settings.loss) { return }
        let copies = !clean && rng.unit() < settings.duplicates ? 2 : 1
        for _ in 0..<copies {
            var delay = isVideo ? settings.videoDelayNs : settings.audioDelayNs
            if !clean && settings.reorderNs > 0 { delay += (rng.next() % (settings.reorderNs / 1_000)) * 1_000 }
            schedule(at: t + delay, .rtp(bytes: bytes, isVideo: isVideo, index: index))
        }
    }

    func senderUnix(_ t: UInt64) -> Int64 { Self.senderUnixBase + Int64(t) }

    /// The NTP time a report sent at `t` carries: drift and jitter included.
    func reportedNTP(at t: UInt64) -> NTPTimestamp {
        var unix = senderUnix(t) + Int64(t / 1_000_000) * settings.senderReportDriftNsPerSecond / 1_000
        if settings.senderReportJitterNs > 0 {
            let span = UInt64(2 * settings.senderReportJitterNs + 1)
            unix += Int64(rng.next() % span) - settings.senderReportJitterNs
        }
        return NTPTimestamp(unixNanoseconds: UInt64(unix))
    }

    func sendSenderReports(at t: UInt64) {
        guard settings.sendSenderReports, !inOutage(t) else { return }
        var ntp = reportedNTP(at: t)
        if settings.video {
            let rtp = Self.videoRTPBase &+ UInt32(truncatingIfNeeded: t * 90_000 / 1_000_000_000)
            let sr = RTCPPacket.senderReport(SenderReport(ssrc: Self.videoSSRC, ntpTimestamp: ntp, rtpTimestamp: rtp,
                                                          packetCount: 0, octetCount: 0, reportBlocks: []))
            schedule(at: t + settings.videoDelayNs, .rtcp(RTCPCompoundPacket.serialize([sr])))
        }
        ntp = reportedNTP(at: t)
        if settings.audio {
            let rtp = Self.audioRTPBase &+ UInt32(truncatingIfNeeded: t * 48_000 / 1_000_000_000)
            let sr = RTCPPacket.senderReport(SenderReport(ssrc: Self.audioSSRC, ntpTimestamp: ntp, rtpTimestamp: rtp,
                                                          packetCount: 0, octetCount: 0, reportBlocks: []))
            schedule(at: t + settings.audioDelayNs, .rtcp(RTCPCompoundPacket.serialize([sr])))
        }
    }

    func sendVideoFrame(_ index: Int, at t: UInt64) throws {
        if h264Encoder != nil { return try sendH264Frame(index, at: t) }
        if av1Encoder != nil { return try sendAV1Frame(index, at: t) }
        guard let encoder else { return }
        if let resize = settings.resize, t >= resize.at, encoder.configuration.width != resize.width {
            try encoder.reconfigure(width: resize.width, height: resize.height)
            pattern = TestPattern(width: resize.width, height: resize.height)
            image = I420Image(width: resize.width, height: resize.height)
        }
        pattern.render(index, into: &image)
        let frames = try encoder.encode(image, pts: Int64(index) * 3000, forceKeyframe: forceKeyframe)
        forceKeyframe = false
        for frame in frames {
            let timestamp = Self.videoRTPBase &+ UInt32(truncatingIfNeeded: index * 3000)
            let packets: [RTPPacket]
            if settings.codec == "VP9" {
                let payloads = vp9Packetizer.payloads(for: frame.data, isKeyframe: frame.isKeyframe,
                                                      width: encoder.configuration.width, height: encoder.configuration.height)
                packets = payloads.enumerated().map { i, payload in
                    videoSequencer.makePacket(payload: payload, timestamp: timestamp, marker: i == payloads.count - 1)
                }
            } else {
                packets = packetizer.packets(for: frame.data, timestamp: timestamp, sequencer: &videoSequencer)
            }
            var numbers: [UInt16] = []
            for packet in packets {
                let bytes = packet.bytes
                videoHistory[packet.sequenceNumber] = (bytes, t, index)
                numbers.append(packet.sequenceNumber)
                transmit(bytes, isVideo: true, index: index, at: t)
            }
            while framePackets.count < index { framePackets.append([]); frameIsKey.append(false); frameSize.append((0, 0)) }
            framePackets.append(numbers)
            frameIsKey.append(frame.isKeyframe)
            frameSize.append((encoder.configuration.width, encoder.configuration.height))
        }
    }

    /// One H.264 access unit (SPS/PPS before every IDR, STAP-A/FU-A), the
    /// encoder rebuilt at a resize (a new SPS with the IDR that follows).
    func sendH264Frame(_ index: Int, at t: UInt64) throws {
        guard var h264 = h264Encoder else { return }
        if let resize = settings.resize, t >= resize.at, h264.configuration.width != resize.width {
            h264 = try H264Encoder(configuration: .init(width: resize.width, height: resize.height, fps: Self.fps,
                                                        bitrateKbps: 400, keyframeInterval: 0))
            h264Encoder = h264
            pattern = TestPattern(width: resize.width, height: resize.height)
            image = I420Image(width: resize.width, height: resize.height)
        }
        pattern.render(index, into: &image)
        guard let frame = try h264.encode(image, timestampMs: Int64(index) * 33, forceKeyframe: forceKeyframe) else { return }
        forceKeyframe = false
        let timestamp = Self.videoRTPBase &+ UInt32(truncatingIfNeeded: index * 3000)
        let payloads = h264Packetizer.payloads(forAnnexB: frame.data)
        var numbers: [UInt16] = []
        for (i, payload) in payloads.enumerated() {
            let packet = videoSequencer.makePacket(payload: payload, timestamp: timestamp, marker: i == payloads.count - 1)
            let bytes = packet.bytes
            videoHistory[packet.sequenceNumber] = (bytes, t, index)
            numbers.append(packet.sequenceNumber)
            transmit(bytes, isVideo: true, index: index, at: t)
        }
        while framePackets.count < index { framePackets.append([]); frameIsKey.append(false); frameSize.append((0, 0)) }
        framePackets.append(numbers)
        frameIsKey.append(frame.isKeyframe)
        frameSize.append((h264.configuration.width, h264.configuration.height))
    }

    /// One AV1 temporal unit (libaom real time), the encoder rebuilt at a
    /// resize (a new sequence header with the keyframe that follows).
    func sendAV1Frame(_ index: Int, at t: UInt64) throws {
        guard var av1 = av1Encoder else { return }
        if let resize = settings.resize, t >= resize.at, av1.configuration.width != resize.width {
            av1 = try AV1Encoder(configuration: .init(width: resize.width, height: resize.height, fps: Self.fps,
                                                      bitrateKbps: 400, keyframeInterval: 0))
            av1Encoder = av1
            pattern = TestPattern(width: resize.width, height: resize.height)
            image = I420Image(width: resize.width, height: resize.height)
        }
        pattern.render(index, into: &image)
        guard let frame = try av1.encode(image, pts: Int64(index) * 3000, forceKeyframe: forceKeyframe) else { return }
        forceKeyframe = false
        let timestamp = Self.videoRTPBase &+ UInt32(truncatingIfNeeded: index * 3000)
        let payloads = av1Packetizer.payloads(forTemporalUnit: frame.data, isKeyframe: frame.isKeyframe)
        var numbers: [UInt16] = []
        for (i, payload) in payloads.enumerated() {
            let packet = videoSequencer.makePacket(payload: payload, timestamp: timestamp, marker: i == payloads.count - 1)
            let bytes = packet.bytes
            videoHistory[packet.sequenceNumber] = (bytes, t, index)
            numbers.append(packet.sequenceNumber)
            transmit(bytes, isVideo: true, index: index, at: t)
        }
        while framePackets.count < index { framePackets.append([]); frameIsKey.append(false); frameSize.append((0, 0)) }
        framePackets.append(numbers)
        frameIsKey.append(frame.isKeyframe)
        frameSize.append((av1.configuration.width, av1.configuration.height))
    }

    func sendAudioPacket(_ index: Int, at t: UInt64) throws {
        if settings.redDistance > 0 || settings.hostileREDEvery > 0 { return sendREDPacket(index, at: t) }
        let packet = try opus.packetize(TestAudio.packets[index % TestAudio.packets.count])
        audioPacketsSent += 1
        transmit(packet.bytes, isVideo: false, index: index, at: t)
    }

    /// Audio packet `index` as RED (RFC 2198): the previous `redDistance`
    /// packets (oldest first) as redundant blocks, then the packet itself.
    func sendREDPacket(_ index: Int, at t: UInt64) {
        let count = TestAudio.packets.count
        let timestamp = Self.audioRTPBase &+ UInt32(truncatingIfNeeded: index * 960)
        var payload: [UInt8]
        if settings.hostileREDEvery > 0 && index > 0 && index % settings.hostileREDEvery == 0 {
            // One redundant block header whose length (1023) runs past the end.
            payload = [0x80 | 111, 0x0F, 0x03, 0xFF, 111] + TestAudio.packets[index % count]
            hostileRED.insert(index)
            hostileREDSent += 1
        } else {
            var redundant: [(payloadType: UInt8, timestampOffset: UInt32, data: [UInt8])] = []
            for k in stride(from: settings.redDistance, through: 1, by: -1) where index - k >= 0 {
                redundant.append((111, UInt32(k * 960), TestAudio.packets[(index - k) % count]))
            }
            payload = REDPayload.make(redundant: redundant, primaryPayloadType: 111, primary: TestAudio.packets[index % count])
        }
        let packet = redSequencer.makePacket(payload: payload, timestamp: timestamp, marker: index == 0)
        audioPacketsSent += 1
        transmit(packet.bytes, isVideo: false, index: index, at: t)
    }

    /// The original packet `bytes` as an RTX packet (RFC 4588 §4): its
    /// timestamp and marker, the OSN before its payload, the RTX SSRC's own
    /// sequence number.
    func rtxPacket(for bytes: [UInt8], sequencer: inout RTPSequencer) -> [UInt8] {
        let header = try! RTPHeader(parsing: bytes)
        let payload = [UInt8(header.sequenceNumber >> 8), UInt8(header.sequenceNumber & 0xFF)] + bytes[header.payloadRange]
        return sequencer.makePacket(payload: payload, timestamp: header.timestamp, marker: header.marker).bytes
    }

    /// A padding-only RTX packet (P bit, 224 octets of padding, no OSN): a
    /// WebRTC pacer's bandwidth probe.
    func rtxPaddingPacket(at t: UInt64) -> [UInt8] {
        var bytes = rtxSequencer.makePacket(payload: [], timestamp: Self.videoRTPBase &+ UInt32(truncatingIfNeeded: t / 11_111),
                                            marker: false).bytes
        bytes[0] |= 0x20
        bytes += [UInt8](repeating: 0, count: 223) + [224]
        return bytes
    }

    /// The media sequence number a video packet carries: its own, or an RTX packet's OSN; nil for padding.
    static func mediaSequenceNumber(_ bytes: [UInt8]) -> UInt16? {
        guard bytes[1] & 0x7F == rtxPayloadType else { return UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }
        guard let header = try? RTPHeader(parsing: bytes), header.ssrc == rtxSSRC, header.payloadLength > 2 else { return nil }
        return UInt16(bytes[header.payloadOffset]) << 8 | UInt16(bytes[header.payloadOffset + 1])
    }

    /// The receiver's RTCP reaches the sender: NACK → retransmit from history
    /// (packets sent in the last second), PLI/FIR → next frame is a keyframe.
    func handleFeedback(_ bytes: [UInt8], at t: UInt64) {
        guard let packets = try? RTCPCompoundPacket.parse(bytes) else { return }
        for packet in packets {
            switch packet {
            case .genericNACK(let nack):
                nacks += 1
                for sequence in nack.lostSequenceNumbers {
                    guard let entry = videoHistory[sequence], t - entry.sentAt <= 1_000 * ms else { continue }
                    retransmissions += 1
                    let bytes = settings.rtx ? rtxPacket(for: entry.bytes, sequencer: &rtxSequencer) : entry.bytes
                    transmit(bytes, isVideo: true, index: entry.frame, at: t)
                }
            case .pictureLossIndication:
                plis += 1
                forceKeyframe = true
            case .fullIntraRequest:
                firs += 1
                forceKeyframe = true
            default: break
            }
        }
    }

    /// Runs the call, then finalizes the recording.
    func run(endReason: String = "remote-hangup") throws {
        bridge.start(now: 0)
        let end = UInt64(settings.seconds) * 1_000 * ms
        var nextVideo = 0, nextAudio = 0
        var nextSR: UInt64 = 0
        var t: UInt64 = 0
        while t < end + 600 * ms {
            now = t
            if t < end {
                if t >= nextSR {
                    sendSenderReports(at: t)
                    nextSR += 1_000 * ms
                }
                if settings.audio && UInt64(nextAudio) * 20 * ms <= t {
                    try sendAudioPacket(nextAudio, at: t)
                    nextAudio += 1
                }
                if settings.video && UInt64(nextVideo) * Self.frameIntervalNs <= t {
                    try sendVideoFrame(nextVideo, at: t)
                    nextVideo += 1
                }
                if settings.rtxPaddingIntervalNs > 0 && t % settings.rtxPaddingIntervalNs == 0 {
                    rtxPaddingSent += 1
                    transmit(rtxPaddingPacket(at: t), isVideo: true, index: -1, at: t)
                }
                if settings.foreignRTXIntervalNs > 0 && t % settings.foreignRTXIntervalNs == 0,
                   // Ties (a frame's packets share a send time) broken by sequence number:
                   // a dictionary's order changes from process to process, and the test
                   // must replay the same call every time.
                   let recent = videoHistory.max(by: { ($0.value.sentAt, $0.key) < ($1.value.sentAt, $1.key) })?.value {
                    foreignRTXSent += 1
                    transmit(rtxPacket(for: recent.bytes, sequencer: &foreignSequencer), isVideo: true, index: -1, at: t)
                }
            }
            while let head = events.first, head.at <= t {
                events.removeFirst()
                switch head.event {
                case .rtp(let bytes, let isVideo, let index):
                    if isVideo {
                        if let sequence = Self.mediaSequenceNumber(bytes) {
                            deliveredVideo.insert(sequence)
                        } else if bytes[8...11].elementsEqual(Self.foreignSSRC.bigEndianBytes) {
                            deliveredForeignRTX += 1
                        } else {
                            deliveredRTXPadding += 1
                        }
                    } else {
                        deliveredAudio.insert(index)
                    }
                    bytes.withUnsafeBytes { bridge.transportDidReceiveRTP($0, now: head.at) }
                case .rtcp(let bytes):
                    bytes.withUnsafeBytes { bridge.transportDidReceiveRTCP($0, now: head.at) }
                case .feedback(let bytes):
                    handleFeedback(bytes, at: head.at)
                }
            }
            if t % (10 * ms) == 0 { bridge.transportTick(now: t) }
            t += ms
        }
        now = t
        sidecar = bridge.finalize(now: t, endReason: endReason, endDetail: nil)
    }

    // MARK: - What the file should hold

    /// Frames a decoder can decode from what arrived: every frame from a
    /// keyframe on whose packets (and all packets since that keyframe) arrived.
    var decodableFrames: Set<Int> {
        var result: Set<Int> = []
        var chainIntact = false
        for (index, packets) in framePackets.enumerated() {
            let complete = !packets.isEmpty && packets.allSatisfy { deliveredVideo.contains($0) }
            if complete && frameIsKey[index] { chainIntact = true }
            if !complete { chainIntact = false }
            if chainIntact { result.insert(index) }
        }
        return result
    }

    var path: String { directory + "/" + bridge.configuration.fileName }
    var sidecarPath: String { bridge.configuration.sidecarPath }
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xFF), UInt8(self >> 8 & 0xFF), UInt8(self & 0xFF)] }
}
