#if !CAPSTAN_LIBFUZZER
import Codecs
import Foundation
import FuzzTargets
import MediaPipeline
import RTP
import STUN

/// Seed corpora from the project's own encoders, packetizers and writers
/// (`capstan-fuzz seeds DIR` writes DIR/<target>/…). SDP, sdpfrag, signalling
/// and the RFC 5769 STUN vectors are kept as files in Tests/FuzzCorpus.
enum Seeds {
    static func write(to root: String) throws {
        let media = try Media()
        var seeds: [String: [(String, [UInt8])]] = [:]
        func add(_ target: String, _ name: String, _ bytes: [UInt8]) { seeds[target, default: []].append((name, bytes)) }

        // STUN: what the ICE agents send and answer.
        let tid = STUNTransactionID(bytes: Array(0..<12))!
        let request = STUNMessage(type: .bindingRequest, transactionID: tid, attributes: [
            .username("CapS:peer"), .priority(0x6E00_01FF), .iceControlling(0x1234_5678_9ABC_DEF0), .useCandidate,
        ])
        add("stun", "binding-request-signed", request.serialize(integrityKey: Array("capstanPasswordOf24Chars".utf8), fingerprint: true))
        add("stun", "binding-request-plain", request.serialize(integrityKey: nil, fingerprint: false))
        let success = STUNMessage(type: .bindingSuccess, transactionID: tid, attributes: [
            .xorMappedAddress(IPEndpoint(ipv4: 0xC000_0201, port: 40000)), .software("capstan"),
        ])
        add("stun", "binding-success-v4", success.serialize(integrityKey: Array("capstanPasswordOf24Chars".utf8), fingerprint: true))
        let success6 = STUNMessage(type: .bindingSuccess, transactionID: tid, attributes: [
            .xorMappedAddress(IPEndpoint(ipv6High: 0x2001_0DB8_0000_0000, low: 1, port: 40000)),
            .mappedAddress(IPEndpoint(ipv4: 0x7F00_0001, port: 9)),
        ])
        add("stun", "binding-success-v6", success6.serialize(integrityKey: nil, fingerprint: true))
        let failure = STUNMessage(type: .bindingError, transactionID: tid, attributes: [
            .errorCode(STUNErrorCode(code: 487, reason: "Role Conflict")), .unknownAttributes([0x0024, 0x8029]),
            .iceControlled(42),
        ])
        add("stun", "binding-error", failure.serialize(integrityKey: nil, fingerprint: true))

        // RTP: real VP8 and Opus packets, and header extensions.
        for (i, packet) in media.videoPackets.prefix(6).enumerated() { add("rtp", "vp8-\(i)", packet) }
        for (i, packet) in media.audioPackets.prefix(3).enumerated() { add("rtp", "opus-\(i)", packet) }
        let oneByte: [UInt8] = [0x90, 0x6F, 0x00, 0x07, 0, 0, 0x03, 0xC0, 0x22, 0x22, 0x22, 0x22,
                                0xBE, 0xDE, 0x00, 0x02, 0x10, 0xFF, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00] + media.opus[0]
        add("rtp", "opus-one-byte-extension", oneByte)
        let twoByte: [UInt8] = [0xB2, 0xE0, 0x00, 0x08, 0, 0, 0x07, 0x80, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 1, 0, 0, 0, 2,
                                0x10, 0x00, 0x00, 0x02, 0x03, 0x02, 0xAA, 0xBB, 0x00, 0x00, 0x00, 0x00,
                                0x90, 0xE0, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x04]
        add("rtp", "two-byte-extension-csrc-padding", twoByte)

        // RTCP: a sender report, and whatever the pipeline sends back (RR + SDES, PLI, FIR, NACK).
        add("rtcp", "sender-report", media.senderReport(ssrc: PipelineSSRC.video, rtp: 0, ntpSeconds: 3_900_000_000))
        for (i, packet) in media.feedback.prefix(8).enumerated() { add("rtcp", "feedback-\(i)", packet) }

        // VP8: [flags][timestamp step][length − 1] payload records of real small-MTU payloads.
        for (name, frames) in [("keyframe", 0..<1), ("frames-0-3", 0..<4), ("frames-2-5", 2..<6)] {
            var input: [UInt8] = []
            for f in frames {
                let payloads = media.smallPayloads[f]
                for (j, payload) in payloads.enumerated() {
                    input += [j == payloads.count - 1 ? 1 : 0, j == 0 ? 4 : 0, UInt8(payload.count - 1)] + payload
                }
            }
            add("vp8", name, input)
        }
        add("vp8", "descriptor-full", [0x90, 0xE0, 0x81, 0x23, 0x45, 0xF7] + media.smallPayloads[0][0].dropFirst(4))

        // Opus: libopus packets of several durations and channel counts, and loss packets.
        for (name, packet) in media.opusVariants { add("opus", name, packet) }
        for duration in [OpusFrameDuration.ms20, .ms60] {
            add("opus", "loss-\(duration.samples)", try OpusPacketInfo.lostFramePacket(frameDuration: duration, frameCount: 2))
        }

        // Pipeline inputs, and the files they record become WebM / Ogg seeds.
        for (name, input) in media.pipelineInputs {
            add("pipeline", name, input)
            if let (ext, file) = try media.recording(of: input) { add(ext, name, file) }
        }

        for (target, files) in seeds {
            let directory = "\(root)/\(target)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, bytes) in files {
                try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            }
            print("\(target): \(files.count) seeds")
        }
    }
}

enum PipelineSSRC {
    static let video: UInt32 = 0x1111_1111
    static let audio: UInt32 = 0x2222_2222
}

final class Box: @unchecked Sendable { var packets: [[UInt8]] = [] }

/// Two seconds of 160x120 VP8 at 10 fps and 20 ms Opus from libvpx/libopus.
struct Media {
    var videoPackets: [[UInt8]] = []
    var videoTimes: [Int] = []
    var audioPackets: [[UInt8]] = []
    var opus: [[UInt8]] = []
    var smallPayloads: [[[UInt8]]] = []
    var opusVariants: [(String, [UInt8])] = []
    var feedback: [[UInt8]] = []
    var pipelineInputs: [(String, [UInt8])] = []

    init() throws {
        let encoder = try VP8Encoder(configuration: .init(width: 160, height: 120, fps: 10, bitrateKbps: 100,
                                                          keyframeInterval: 10))
        let pattern = TestPattern(width: 160, height: 120)
        var image = I420Image(width: 160, height: 120)
        var frames: [[UInt8]] = []
        for i in 0..<20 {
            pattern.render(i, into: &image)
            for f in try encoder.encode(image, pts: Int64(i) * 9000, forceKeyframe: i == 0) { frames.append(f.data) }
        }
        var packetizer = try VP8Packetizer(maxPayloadSize: 600)
        var small = try VP8Packetizer(maxPayloadSize: 200)
        var video = RTPSequencer(ssrc: PipelineSSRC.video, payloadType: 96, initialSequenceNumber: 1000)
        for (i, frame) in frames.enumerated() {
            let payloads = packetizer.payloads(for: frame)
            smallPayloads.append(small.payloads(for: frame))
            for (j, payload) in payloads.enumerated() {
                videoPackets.append(video.makePacket(payload: payload, timestamp: UInt32(i * 9000),
                                                     marker: j == payloads.count - 1).bytes)
                videoTimes.append(i * 100 + j)
            }
        }
        let mono = try OpusEncoder(channels: 1, bitrate: 24_000)
        var tone = ToneGenerator(frequency: 440, amplitude: 0.3, channels: 1, frameSamples: 960)
        opus = try (0..<100).map { _ in try mono.encode(tone.nextFrame()) }
        var audio = RTPSequencer(ssrc: PipelineSSRC.audio, payloadType: 111, initialSequenceNumber: 7)
        for (i, packet) in opus.enumerated() {
            audioPackets.append(audio.makePacket(payload: packet, timestamp: UInt32(i * 960), marker: i == 0).bytes)
        }
        opusVariants.append(("mono-20ms", opus[0]))
        opusVariants.append(("mono-20ms-later", opus[10]))
        let stereo = try OpusEncoder(channels: 2, bitrate: 64_000)
        var tone2 = ToneGenerator(frequency: 330, amplitude: 0.3, channels: 2, frameSamples: 960)
        opusVariants.append(("stereo-20ms", try stereo.encode(tone2.nextFrame())))
        // Other TOC configurations and frame-count codes around a real frame (the parser reads framing only).
        let body = Array(opus[0].dropFirst())
        for (name, config) in [("silk-nb-10ms", 0), ("silk-wb-60ms", 11), ("hybrid-swb-10ms", 12), ("celt-fb-2.5ms", 28)] {
            opusVariants.append((name, [UInt8(config << 3)] + body))
        }
        opusVariants.append(("code1-two-equal", [opus[0][0] | 1] + body + body))
        opusVariants.append(("code2-two-sizes", [opus[0][0] | 2, UInt8(body.count)] + body + body.prefix(5)))
        // Code 3 VBR with padding, by hand: 2 frames of 3 and 2 bytes, 1 byte of padding.
        opusVariants.append(("code3-vbr-padding", [0x7B, 0xC2, 0x01, 0x03, 1, 2, 3, 4, 5, 0]))

        // Pipeline inputs.
        func sr(_ ssrc: UInt32, _ rtp: UInt32, _ ntp: UInt32) -> [UInt8] { senderReport(ssrc: ssrc, rtp: rtp, ntpSeconds: ntp) }
        var events: [(at: Int, record: PipelineTarget.Record)] = []
        for (i, packet) in videoPackets.enumerated() { events.append((videoTimes[i], .rtp(packet, deltaMs: 0))) }
        for (i, packet) in audioPackets.enumerated() { events.append((i * 20 + 1, .rtp(packet, deltaMs: 0))) }
        events.append((50, .rtcp(sr(PipelineSSRC.video, 4500, 3_900_000_000), deltaMs: 0)))
        events.append((60, .rtcp(sr(PipelineSSRC.audio, 2880, 3_900_000_000), deltaMs: 0)))
        events.append((1050, .rtcp(sr(PipelineSSRC.video, 94500, 3_900_000_001), deltaMs: 0)))
        events.sort { $0.at < $1.at }
        func encode(_ mode: UInt8, _ list: [(at: Int, record: PipelineTarget.Record)]) -> [UInt8] {
            var out: [UInt8] = [mode]
            var last = 0
            for (at, record) in list {
                let delta = at - last
                last = at
                switch record {
                case .rtp(let b, _): PipelineTarget.Record.rtp(b, deltaMs: delta).write(to: &out)
                case .rtcp(let b, _): PipelineTarget.Record.rtcp(b, deltaMs: delta).write(to: &out)
                }
            }
            return out
        }
        func isVideo(_ r: PipelineTarget.Record) -> Bool {
            if case .rtp(let b, _) = r { return b[1] & 0x7F == 96 }
            if case .rtcp(let b, _) = r { return b[4...7] == [0x11, 0x11, 0x11, 0x11] }
            return false
        }
        let firstSecond = events.filter { $0.at < 1000 }
        pipelineInputs.append(("av-1s", encode(0, firstSecond)))
        pipelineInputs.append(("av-1s-known-ssrc-nack", encode(4 | 8, firstSecond)))
        pipelineInputs.append(("audio-only-2s", encode(1, events.filter { !isVideo($0.record) })))
        let audioOnly = events.filter { !isVideo($0.record) && $0.at < 1000 }
        pipelineInputs.append(("audio-only-1s-loss", encode(1 | 4, audioOnly.enumerated().filter { $0.offset % 5 != 2 }.map(\.element))))
        // A sender that stops for 1.5 s (DTX or a network stall) and resumes with later timestamps.
        var stalled = audioOnly.filter { $0.at < 500 }
        var resumed = PipelineTarget.Record.rtp([], deltaMs: 0)
        for (i, packet) in audioPackets.enumerated().dropFirst(25).prefix(20) {
            var bytes = packet
            let ts = UInt32(i * 960 + 72_000)
            bytes[4] = UInt8(ts >> 24); bytes[5] = UInt8(truncatingIfNeeded: ts >> 16)
            bytes[6] = UInt8(truncatingIfNeeded: ts >> 8); bytes[7] = UInt8(truncatingIfNeeded: ts)
            resumed = .rtp(bytes, deltaMs: 0)
            stalled.append((2000 + i * 20, resumed))
        }
        pipelineInputs.append(("audio-only-stall", encode(1, stalled)))
        pipelineInputs.append(("video-only-1s", encode(2 | 8, firstSecond.filter { isVideo($0.record) })))
        // Loss and reordering: drop every 7th packet, swap neighbours every 5th.
        var lossy = firstSecond.enumerated().filter { $0.offset % 7 != 3 }.map(\.element)
        for i in stride(from: 4, to: lossy.count - 1, by: 5) { lossy.swapAt(i, i + 1); lossy[i].at = lossy[i + 1].at }
        pipelineInputs.append(("av-1s-loss-reorder", encode(8, lossy)))

        // RTCP feedback the pipeline sends for those inputs.
        for (_, input) in pipelineInputs { feedback += Self.feedback(of: input) }
    }

    func senderReport(ssrc: UInt32, rtp: UInt32, ntpSeconds: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        SenderReport(ssrc: ssrc, ntpTimestamp: NTPTimestamp(seconds: ntpSeconds, fraction: 0x8000_0000),
                     rtpTimestamp: rtp, packetCount: 10, octetCount: 1000).write(to: &bytes)
        return bytes
    }

    /// The RTCP packets MediaBridge sends while recording `input` (distinct first bytes).
    static func feedback(of input: [UInt8]) -> [[UInt8]] {
        var seen: Set<[UInt8]> = []
        var out: [[UInt8]] = []
        var sent: [[UInt8]] = []
        let box = Box()
        PipelineTarget.record(input, sendRTCP: { box.packets.append($0) }, recorded: { _ in })
        sent = box.packets
        for packet in sent where seen.insert(Array(packet.prefix(2))).inserted { out.append(packet) }
        return out
    }

    /// The file MediaBridge records from `input`, with its extension.
    func recording(of input: [UInt8]) throws -> (String, [UInt8])? {
        var file: (String, [UInt8])?
        PipelineTarget.record(input, sendRTCP: { _ in }) { path in
            if let data = FileManager.default.contents(atPath: path) {
                file = (URL(fileURLWithPath: path).pathExtension, [UInt8](data))
            }
        }
        return file
    }
}
#endif
