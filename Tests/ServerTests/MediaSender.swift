import Codecs
import Foundation
import MediaPipeline
import NIOCore
import RTP
import SamplePeer
import Transport

/// Sends real media from a `PublisherSession` for end-to-end tests: a test
/// pattern encoded with libvpx (VP8) or libopenh264 (H.264, when the answer
/// chose it) and a tone encoded with libopus, packetized (RFC 7741 or
/// RFC 6184 mode 1, RFC 7587), with sender reports every second, keyframes on
/// PLI/FIR and retransmissions on NACK from a one-second send history.
///
/// Everything runs on the peer's event loop (a 5 ms timer); counters are
/// read after `stop()`. Hence `@unchecked Sendable`.
final class MediaSender: TransportMediaReceiver, @unchecked Sendable {
    struct Counts: Sendable {
        var videoFramesSent = 0
        var keyframesSent = 0
        var audioPacketsSent = 0
        var plisReceived = 0
        var firsReceived = 0
        var nacksReceived = 0
        var retransmissions = 0
        var firstSendNs: UInt64 = 0
        var lastSendNs: UInt64 = 0
        var sendSeconds: Double { Double(lastSendNs - firstSendNs) / 1e9 }
    }

    let peer: PublisherSession
    private var encoder: VP8Encoder?
    private var h264: H264Encoder?
    private let h264Packetizer = try! H264Packetizer(maxPayloadSize: 1100)
    private let bitrateKbps: Int
    private var pattern: TestPattern
    private var image: I420Image
    private let fps: Int
    private var packetizer = try! VP8Packetizer(maxPayloadSize: 1100)
    private var videoSequencer: RTPSequencer?
    private var opus: OpusPacketizer?
    private let audioEncoder: OpusEncoder?
    private var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
    private var history: [UInt16: (bytes: [UInt8], sentAt: UInt64)] = [:]
    private var forceKeyframe = true
    private let keyframeEvery: Int?
    private var task: RepeatedTask?
    private var startNs: UInt64 = 0
    private var nextFrame = 0
    private var nextAudio = 0
    private var nextSRNs: UInt64 = 0
    private var resize: (afterNs: UInt64, width: Int, height: Int)?
    private let videoRTPBase = UInt32.random(in: 0...UInt32.max)
    private let audioRTPBase = UInt32.random(in: 0...UInt32.max)
    private(set) var counts = Counts()

    init(peer: PublisherSession, width: Int = 320, height: Int = 240, fps: Int = 30, bitrateKbps: Int = 600,
         keyframeEvery: Int? = nil, resize: (afterSeconds: Double, width: Int, height: Int)? = nil) throws {
        self.peer = peer
        self.fps = fps
        self.keyframeEvery = keyframeEvery
        self.bitrateKbps = bitrateKbps
        pattern = TestPattern(width: width, height: height)
        image = I420Image(width: width, height: height)
        if let video = peer.negotiated.video {
            if video.codecName.uppercased() == "H264" {
                h264 = try H264Encoder(configuration: .init(width: width, height: height, fps: fps,
                                                            bitrateKbps: bitrateKbps, keyframeInterval: 0))
            } else {
                encoder = try VP8Encoder(configuration: .init(width: width, height: height, fps: fps,
                                                              bitrateKbps: bitrateKbps, keyframeInterval: 100_000))
            }
            videoSequencer = RTPSequencer(ssrc: peer.videoSSRC, payloadType: video.payloadType,
                                          initialSequenceNumber: UInt16.random(in: 0...UInt16.max))
        }
        if let audio = peer.negotiated.audio {
            audioEncoder = try OpusEncoder(channels: 1, bitrate: 32_000)
            opus = OpusPacketizer(sequencer: RTPSequencer(ssrc: peer.audioSSRC, payloadType: audio.payloadType,
                                                          initialSequenceNumber: UInt16.random(in: 0...UInt16.max)),
                                  initialTimestamp: audioRTPBase)
        } else {
            audioEncoder = nil
        }
        self.resize = resize.map { (UInt64($0.afterSeconds * 1e9), $0.width, $0.height) }
    }

    func start() async throws {
        try await peer.eventLoop.submit { [self] in
            peer.transport.mediaReceiver = self
            startNs = NIODeadline.now().uptimeNanoseconds
            counts.firstSendNs = startNs
            task = peer.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { [self] _ in
                tick(now: NIODeadline.now().uptimeNanoseconds)
            }
        }.get()
    }

    /// Stops sending; returns what was sent.
    func stop() async throws -> Counts {
        try await peer.eventLoop.submit { [self] in
            task?.cancel()
            task = nil
            peer.transport.mediaReceiver = nil
            return counts
        }.get()
    }

    private func tick(now: UInt64) {
        let elapsed = now - startNs
        if now >= nextSRNs {
            sendSenderReports(elapsed: elapsed)
            nextSRNs = now + 1_000_000_000
        }
        while opus != nil, UInt64(nextAudio) * 20_000_000 <= elapsed {
            sendAudio()
            nextAudio += 1
        }
        while encoder != nil || h264 != nil, UInt64(nextFrame) * 1_000_000_000 / UInt64(fps) <= elapsed {
            sendVideo(elapsed: elapsed)
            nextFrame += 1
        }
        if history.count > 3000 {  // keep about the last second
            history = history.filter { $0.value.sentAt &+ 1_000_000_000 > now }
        }
    }

    private func send(_ packet: RTPPacket) {
        let bytes = packet.bytes
        bytes.withUnsafeBytes { _ = peer.transport.sendRTP($0) }
        counts.lastSendNs = NIODeadline.now().uptimeNanoseconds
        sentTotals[packet.ssrc, default: (0, 0)].packets &+= 1
        sentTotals[packet.ssrc, default: (0, 0)].octets &+= UInt32(truncatingIfNeeded: packet.payload.count)
    }

    /// The sender's packet and payload-octet counts per SSRC, for its sender
    /// reports (RFC 3550 §6.4.1: RTP data packets and payload octets sent).
    private var sentTotals: [UInt32: (packets: UInt32, octets: UInt32)] = [:]

    private func sendAudio() {
        guard let audioEncoder, var opus else { return }
        guard let data = try? audioEncoder.encode(tone.nextFrame()), let packet = try? opus.packetize(data) else { return }
        self.opus = opus
        send(packet)
        counts.audioPacketsSent += 1
    }

    private func sendVideo(elapsed: UInt64) {
        if h264 != nil { return sendH264(elapsed: elapsed) }
        guard let encoder, var sequencer = videoSequencer else { return }
        if let resize, elapsed >= resize.afterNs {
            self.resize = nil
            try? encoder.reconfigure(width: resize.width, height: resize.height)
            pattern = TestPattern(width: resize.width, height: resize.height)
            image = I420Image(width: resize.width, height: resize.height)
        }
        pattern.render(nextFrame, into: &image)
        let force = forceKeyframe || keyframeEvery.map { nextFrame % $0 == 0 } ?? false
        forceKeyframe = false
        guard let frames = try? encoder.encode(image, pts: Int64(nextFrame) * 90_000 / Int64(fps), forceKeyframe: force)
        else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        for frame in frames {
            let timestamp = videoRTPBase &+ UInt32(truncatingIfNeeded: nextFrame * 90_000 / fps)
            for packet in packetizer.packets(for: frame.data, timestamp: timestamp, sequencer: &sequencer) {
                history[packet.sequenceNumber] = (packet.bytes, now)
                send(packet)
            }
            counts.videoFramesSent += 1
            if frame.isKeyframe { counts.keyframesSent += 1 }
        }
        videoSequencer = sequencer
    }

    /// One H.264 access unit (RFC 6184 mode 1: single NAL, STAP-A, FU-A),
    /// the marker bit on its last packet.
    private func sendH264(elapsed: UInt64) {
        guard var sequencer = videoSequencer else { return }
        if let resize, elapsed >= resize.afterNs {
            self.resize = nil
            h264 = try? H264Encoder(configuration: .init(width: resize.width, height: resize.height, fps: fps,
                                                         bitrateKbps: bitrateKbps, keyframeInterval: 0))
            pattern = TestPattern(width: resize.width, height: resize.height)
            image = I420Image(width: resize.width, height: resize.height)
            forceKeyframe = true
        }
        guard let h264 else { return }
        pattern.render(nextFrame, into: &image)
        let force = forceKeyframe || keyframeEvery.map { nextFrame % $0 == 0 } ?? false
        forceKeyframe = false
        guard let frame = try? h264.encode(image, timestampMs: Int64(nextFrame) * 1000 / Int64(fps), forceKeyframe: force)
        else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let timestamp = videoRTPBase &+ UInt32(truncatingIfNeeded: nextFrame * 90_000 / fps)
        let payloads = h264Packetizer.payloads(forAnnexB: frame.data)
        for (index, payload) in payloads.enumerated() {
            let packet = sequencer.makePacket(payload: payload, timestamp: timestamp, marker: index == payloads.count - 1)
            history[packet.sequenceNumber] = (packet.bytes, now)
            send(packet)
        }
        counts.videoFramesSent += 1
        if frame.isKeyframe { counts.keyframesSent += 1 }
        videoSequencer = sequencer
    }

    private func sendSenderReports(elapsed: UInt64) {
        let ntp = NTPTimestamp(unixNanoseconds: UInt64(Date().timeIntervalSince1970 * 1e9))
        var packets: [RTCPPacket] = []
        if encoder != nil || h264 != nil {
            packets.append(.senderReport(SenderReport(
                ssrc: peer.videoSSRC, ntpTimestamp: ntp,
                rtpTimestamp: videoRTPBase &+ UInt32(truncatingIfNeeded: elapsed * 90_000 / 1_000_000_000),
                packetCount: sentTotals[peer.videoSSRC]?.packets ?? 0, octetCount: sentTotals[peer.videoSSRC]?.octets ?? 0,
                reportBlocks: [])))
        }
        if opus != nil {
            packets.append(.senderReport(SenderReport(
                ssrc: peer.audioSSRC, ntpTimestamp: ntp,
                rtpTimestamp: audioRTPBase &+ UInt32(truncatingIfNeeded: elapsed * 48_000 / 1_000_000_000),
                packetCount: sentTotals[peer.audioSSRC]?.packets ?? 0, octetCount: sentTotals[peer.audioSSRC]?.octets ?? 0,
                reportBlocks: [])))
        }
        for packet in packets {
            let bytes = RTCPCompoundPacket.serialize([packet])
            bytes.withUnsafeBytes { _ = peer.transport.sendRTCP($0) }
        }
    }

    // MARK: - TransportMediaReceiver (the daemon's RTCP)

    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {}

    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let packets = try? RTCPCompoundPacket.parse(packet) else { return }
        for packet in packets {
            switch packet {
            case .pictureLossIndication: counts.plisReceived += 1; forceKeyframe = true
            case .fullIntraRequest: counts.firsReceived += 1; forceKeyframe = true
            case .genericNACK(let nack):
                counts.nacksReceived += 1
                for sequence in nack.lostSequenceNumbers {
                    guard let entry = history[sequence] else { continue }
                    entry.bytes.withUnsafeBytes { _ = peer.transport.sendRTP($0) }
                    counts.retransmissions += 1
                }
            default: break
            }
        }
    }

    func transportTick(now: UInt64) {}
    func nextTickDeadline(now: UInt64) -> UInt64? { nil }
}
