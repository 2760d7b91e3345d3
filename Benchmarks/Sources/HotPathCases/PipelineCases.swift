import MediaPipeline
import RTP

/// The video jitter buffer (NACK on, the recording configuration) taking one
/// packet and handing out what is ready, the payload read back through
/// `withPayload` as the depacketizer does. `reordered`: every tenth packet
/// swaps with the next one, so holes open, are NACK-scheduled and fill.
final class JitterBufferInOrder: HotPathCase {
    static func descriptor(reordered: Bool) -> HotPathDescriptor {
        HotPathDescriptor(
            name: reordered ? "jitter-buffer-reordered" : "jitter-buffer-in-order", unit: "packet",
            summary: reordered
                ? "JitterBuffer insert + pop, 1 packet in 10 swapped with the next (hole, then filled)"
                : "JitterBuffer insert + pop, packets in order",
            expectsZeroAllocations: true, make: { JitterBufferInOrder(reordered: reordered) })
    }

    private let reordered: Bool
    private var buffer = JitterBuffer(configuration: .video)
    private var stream = RTPStreamLoop(video: true, audio: false)
    private var order: [Int] = []
    private var actions: [JitterBufferAction] = []
    private var received = 0
    private var handedOut = 0
    private var checksum = 0

    init(reordered: Bool) {
        self.reordered = reordered
        actions.reserveCapacity(64)
    }

    func prepare(count: Int) {
        stream.prepare(count: count)
        order = Array(0..<count)
        if reordered {
            var i = 5
            while i + 1 < count {
                order.swapAt(i, i + 1)
                i += 10
            }
        }
    }

    func run(count: Int) {
        stream.buffer.withUnsafeBytes { all in
            for i in order.prefix(count) {
                let raw = UnsafeRawBufferPointer(rebasing: all[stream.ranges[i]])
                guard let header = try? RTPHeader(parsing: raw) else { continue }
                actions.removeAll(keepingCapacity: true)
                buffer.insert(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                              marker: header.marker, payloadType: header.payloadType,
                              payload: UnsafeRawBufferPointer(rebasing: raw[header.payloadRange]),
                              now: stream.arrivals[i], into: &actions)
                received += 1
                for action in actions {
                    if case .packet(let packet) = action {
                        handedOut += 1
                        checksum &+= buffer.withPayload(of: packet) { Int($0.first ?? 0) }
                    }
                }
            }
        }
    }

    func verify() -> String? {
        // All but the packets still held for the start-up delay or a hole at the end come out.
        handedOut + 40 >= received ? nil : "only \(handedOut) of \(received) packets handed out"
    }
}

/// The VP8 depacketizer taking the packets of real libvpx frames in order
/// (~2.4 packets per frame at 500 kbit/s, the keyframe 12) and emitting each
/// frame whole.
final class VP8Depacketize: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "vp8-depacketize", unit: "packet",
        summary: "VP8Depacketizer.push(into:) of real 640x480 VP8 RTP payloads, frames assembled and handed on",
        expectsZeroAllocations: true, make: { VP8Depacketize() })

    private var depacketizer = VP8Depacketizer()
    private var events: [VP8DepacketizerEvent] = []
    private let payloads: [(payload: [UInt8], frame: Int, marker: Bool)]
    private let framesPerLoop: Int
    private var next = 0
    private var frames = 0
    private var bytes = 0

    init() {
        let media = MediaFixtures.shared
        var all: [(payload: [UInt8], frame: Int, marker: Bool)] = []
        for (f, packets) in media.vp8Payloads.enumerated() {
            for (j, payload) in packets.enumerated() { all.append((payload, f, j == packets.count - 1)) }
        }
        payloads = all
        framesPerLoop = media.vp8Payloads.count
        events.reserveCapacity(8)
    }

    func prepare(count: Int) {}

    func run(count: Int) {
        for _ in 0..<count {
            let loop = next / payloads.count
            let p = payloads[next % payloads.count]
            let timestamp = UInt32(truncatingIfNeeded: (loop * framesPerLoop + p.frame) * 3000)
            p.payload.withUnsafeBytes { raw in
                depacketizer.push(sequenceNumber: UInt16(truncatingIfNeeded: next), timestamp: timestamp,
                                  marker: p.marker, payload: raw, into: &events)
                for event in events {
                    if case .frame(let frame) = event {
                        frames += 1
                        bytes &+= frame.data.count
                    }
                }
                // As MediaBridge's video receiver does: let go of the frame so
                // its buffer goes back to the depacketizer.
                events.removeAll(keepingCapacity: true)
            }
            next += 1
        }
    }

    func verify() -> String? {
        let expected = (next / payloads.count) * framesPerLoop
        return frames >= expected && depacketizer.framesDropped == 0
            ? nil : "\(frames) frames assembled, \(depacketizer.framesDropped) dropped, expected ≥ \(expected)"
    }
}

/// The H.264 depacketizer, through `VideoDepacketizer` as MediaBridge uses it,
/// taking the RFC 6184 packets of real libopenh264 frames in order (STAP-A
/// SPS+PPS and FU-A on the IDR, single NAL units or FU-A after) and emitting
/// each access unit whole, length-prefixed.
final class H264Depacketize: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "h264-depacketize", unit: "packet",
        summary: "VideoDepacketizer(.h264).push(into:) of real 640x480 H.264 RTP payloads (STAP-A, FU-A), access units handed on",
        expectsZeroAllocations: true, make: { H264Depacketize() })

    private var depacketizer = VideoDepacketizer(codec: .h264)
    private var events: [VideoDepacketizerEvent] = []
    private let payloads: [(payload: [UInt8], frame: Int, marker: Bool)]
    private let framesPerLoop: Int
    private var next = 0
    private var frames = 0
    private var bytes = 0

    init() {
        let media = MediaFixtures.shared
        var all: [(payload: [UInt8], frame: Int, marker: Bool)] = []
        for (f, packets) in media.h264Payloads.enumerated() {
            for (j, payload) in packets.enumerated() { all.append((payload, f, j == packets.count - 1)) }
        }
        payloads = all
        framesPerLoop = media.h264Payloads.count
        events.reserveCapacity(8)
    }

    func prepare(count: Int) {}

    func run(count: Int) {
        guard !payloads.isEmpty else { return }
        for _ in 0..<count {
            let loop = next / payloads.count
            let p = payloads[next % payloads.count]
            let timestamp = UInt32(truncatingIfNeeded: (loop * framesPerLoop + p.frame) * 3000)
            p.payload.withUnsafeBytes { raw in
                depacketizer.push(sequenceNumber: UInt16(truncatingIfNeeded: next), timestamp: timestamp,
                                  marker: p.marker, payload: raw, into: &events)
                for event in events {
                    if case .frame(let frame) = event {
                        frames += 1
                        bytes &+= frame.data.count
                    }
                }
                events.removeAll(keepingCapacity: true)
            }
            next += 1
        }
    }

    func verify() -> String? {
        guard !payloads.isEmpty else { return "built without an H.264 encoder (libopenh264-dev)" }
        let expected = (next / payloads.count) * framesPerLoop
        return frames >= expected && depacketizer.framesDropped == 0
            ? nil : "\(frames) access units assembled, \(depacketizer.framesDropped) dropped, expected ≥ \(expected)"
    }
}

/// A video depacketizer through `VideoDepacketizer`, as MediaBridge uses it,
/// over one second of real RTP payloads looped with continuous sequence
/// numbers and timestamps; every frame handed on.
class LoopedDepacketize: HotPathCase {
    private var depacketizer: VideoDepacketizer
    private var events: [VideoDepacketizerEvent] = []
    private let payloads: [(payload: [UInt8], frame: Int, marker: Bool)]
    private let framesPerLoop: Int
    private let missing: String
    private var next = 0
    private var frames = 0
    private var bytes = 0

    init(codec: VideoCodec, perFrame: [[[UInt8]]], missing: String) {
        depacketizer = VideoDepacketizer(codec: codec)
        var all: [(payload: [UInt8], frame: Int, marker: Bool)] = []
        for (f, packets) in perFrame.enumerated() {
            for (j, payload) in packets.enumerated() { all.append((payload, f, j == packets.count - 1)) }
        }
        payloads = all
        framesPerLoop = perFrame.count
        self.missing = missing
        events.reserveCapacity(8)
    }

    func prepare(count: Int) {}

    func run(count: Int) {
        guard !payloads.isEmpty else { return }
        for _ in 0..<count {
            let loop = next / payloads.count
            let p = payloads[next % payloads.count]
            let timestamp = UInt32(truncatingIfNeeded: (loop * framesPerLoop + p.frame) * 3000)
            p.payload.withUnsafeBytes { raw in
                depacketizer.push(sequenceNumber: UInt16(truncatingIfNeeded: next), timestamp: timestamp,
                                  marker: p.marker, payload: raw, into: &events)
                for event in events {
                    if case .frame(let frame) = event {
                        frames += 1
                        bytes &+= frame.data.count
                    }
                }
                events.removeAll(keepingCapacity: true)
            }
            next += 1
        }
    }

    func verify() -> String? {
        guard !payloads.isEmpty else { return missing }
        let expected = (next / payloads.count) * framesPerLoop
        return frames >= expected && depacketizer.framesDropped == 0
            ? nil : "\(frames) frames assembled, \(depacketizer.framesDropped) dropped, expected ≥ \(expected)"
    }
}

/// The VP9 depacketizer over real libvpx 640x480 RTP payloads (RFC 9628 non-flexible, SS on keyframes).
final class VP9Depacketize: LoopedDepacketize {
    static let descriptor = HotPathDescriptor(
        name: "vp9-depacketize", unit: "packet",
        summary: "VideoDepacketizer(.vp9).push(into:) of real 640x480 VP9 RTP payloads (RFC 9628), pictures handed on",
        expectsZeroAllocations: true, make: { VP9Depacketize() })
    init() { super.init(codec: .vp9, perFrame: MediaFixtures.shared.vp9Payloads, missing: "no VP9 payloads") }
}

/// The AV1 depacketizer over real libaom 640x480 RTP payloads (OBU elements, fragmented OBUs).
final class AV1Depacketize: LoopedDepacketize {
    static let descriptor = HotPathDescriptor(
        name: "av1-depacketize", unit: "packet",
        summary: "VideoDepacketizer(.av1).push(into:) of real 640x480 AV1 RTP payloads (fragmented OBUs), temporal units handed on",
        expectsZeroAllocations: true, make: { AV1Depacketize() })
    init() { super.init(codec: .av1, perFrame: MediaFixtures.shared.av1Payloads, missing: "built without an AV1 encoder (libaom-dev)") }
}
