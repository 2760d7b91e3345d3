import Codecs
import RTP
import Testing
@testable import MediaPipeline

/// A deterministic network and receiver: a VP8 sender (RTP via VP8Packetizer, a
/// send history that answers NACKs, keyframes on PLI/FIR), a lossy, reordering,
/// duplicating link, and the receive pipeline JitterBuffer → VP8Depacketizer →
/// VideoGate → VP8Decoder with a KeyframeRequester. Time advances in 1 ms steps.
struct VideoReplay {
    struct Settings {
        var seed: UInt64
        var loss: Double
        var duplicates = 0.05
        var reorderWindowNs: UInt64 = 50 * ms
        var baseDelayNs: UInt64 = 20 * ms
        var roundTripNs: UInt64 = 60 * ms
        var nackAnswerProbability = 0.7
        var outage: Range<UInt64>?  // send times during which nothing gets through
        var historyNs: UInt64 = 1_000 * ms  // the sender answers NACKs for packets this recent
        var frameCount: Int
    }

    struct SentPacket {
        var packet: RTPPacket
        var frame: Int
        var sentAt: UInt64
    }

    let settings: Settings
    let fps = TestVideo.fps
    var rng: SeededGenerator
    var sent: [SentPacket] = []
    var frameRanges: [Range<Int>] = []
    var frameIsKey: [Bool] = []
    var pending: [(at: UInt64, index: Int)] = []
    var delivered: Set<Int> = []
    var forceKeyframeAt: UInt64?

    // Receiver.
    var jb = JitterBuffer(configuration: .video)
    var depacketizer = VP8Depacketizer()
    var gate = VideoGate()
    var requester = KeyframeRequester()
    let decoder: VP8Decoder
    var emittedPackets: Set<Int> = []
    var gapPackets: Set<Int> = []
    var gapSkippedDelivered = 0
    var payloadMismatches = 0
    var forwardedFrames: [Int] = []
    var decodeFailures: [String] = []
    var pliTimes: [UInt64] = []
    var keyframeRequestsAfterLoss = 0
    var gapActions = 0

    init(settings: Settings) throws {
        self.settings = settings
        rng = SeededGenerator(seed: settings.seed)
        decoder = try VP8Decoder()
    }

    func inOutage(_ t: UInt64) -> Bool { settings.outage?.contains(t) ?? false }

    /// Runs the whole stream; `source(index, forceKeyframe)` makes frame `index`.
    mutating func run(source: (Int, Bool) throws -> VP8EncodedFrame) throws {
        var packetizer = try VP8Packetizer(maxPayloadSize: 1100, initialPictureID: 32_000)
        var sequencer = RTPSequencer(ssrc: 0x5EED, payloadType: 96, initialSequenceNumber: 65_200)
        let frameInterval = UInt64(1_000 / fps) * ms
        let end = UInt64(settings.frameCount) * frameInterval + 2_000 * ms
        var nextFrame = 0
        jb.updateRoundTripTime(settings.roundTripNs)  // as RTCP would tell it
        handleKeyframeRequest(requester.start(now: 0), now: 0)
        var t: UInt64 = 0
        while t <= end {
            // Sender.
            if nextFrame < settings.frameCount && UInt64(nextFrame) * frameInterval <= t {
                let force = forceKeyframeAt.map { $0 <= t } ?? false
                if force { forceKeyframeAt = nil }
                let frame = try source(nextFrame, force)
                let packets = packetizer.packets(for: frame.data, timestamp: UInt32(truncatingIfNeeded: frame.pts),
                                                 sequencer: &sequencer)
                let first = sent.count
                for (i, packet) in packets.enumerated() {
                    let sendTime = t + UInt64(i) * 100_000
                    sent.append(SentPacket(packet: packet, frame: nextFrame, sentAt: sendTime))
                    transmit(index: sent.count - 1, sendTime: sendTime)
                }
                frameRanges.append(first..<sent.count)
                frameIsKey.append(frame.isKeyframe)
                nextFrame += 1
            }
            // Network delivers.
            while let head = pending.first, head.at <= t {
                pending.removeFirst()
                deliver(index: head.index, now: head.at)
            }
            if t % (5 * ms) == 0 {
                process(jb.poll(now: t), now: t)
                handleKeyframeRequest(requester.poll(now: t), now: t)
            }
            t += ms
        }
        var rest: [JitterBufferAction] = []
        jb.flush(into: &rest)
        process(rest, now: t)
        handle(depacketizer.flush(), now: t)
    }

    mutating func transmit(index: Int, sendTime: UInt64) {
        let copies = rng.unit() < settings.duplicates ? 2 : 1
        let lost = rng.unit() < settings.loss || inOutage(sendTime)
        guard !lost else { return }
        for _ in 0..<copies {
            let at = sendTime + settings.baseDelayNs + UInt64(rng.next() % (settings.reorderWindowNs / 1_000)) * 1_000
            let position = pending.firstIndex { $0.at > at } ?? pending.count
            pending.insert((at, index), at: position)
        }
    }

    mutating func deliver(index: Int, now: UInt64) {
        delivered.insert(index)
        let p = sent[index].packet
        var actions: [JitterBufferAction] = []
        p.payload.withUnsafeBytes { raw in
            jb.insert(sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker,
                      payloadType: p.payloadType, payload: raw, now: now, into: &actions)
        }
        process(actions, now: now)
    }

    func index(of seq: UInt16) -> Int { Int(seq &- sent[0].packet.sequenceNumber) }

    mutating func process(_ actions: [JitterBufferAction], now: UInt64) {
        for action in actions {
            switch action {
            case .packet(let p):
                let i = index(of: p.sequenceNumber)
                emittedPackets.insert(i)
                let events = jb.withPayload(of: p) { raw in
                    if !raw.elementsEqual(sent[i].packet.payload) { payloadMismatches += 1 }
                    return depacketizer.push(sequenceNumber: p.sequenceNumber, timestamp: p.timestamp,
                                             marker: p.marker, payload: raw)
                }
                handle(events, now: now)
            case .gap(let from, let to):
                gapActions += 1
                var s = from
                while true {
                    let i = index(of: s)
                    gapPackets.insert(i)
                    if delivered.contains(i) { gapSkippedDelivered += 1 }
                    if s == to { break }
                    s &+= 1
                }
                handle(depacketizer.handleGap(), now: now)
                if gate.noteLoss() {
                    keyframeRequestsAfterLoss += 1
                    handleKeyframeRequest(requester.requestKeyframe(now: now), now: now)
                }
            case .sendNACK(let list):
                guard !inOutage(now) else { continue }
                for seq in list {
                    let i = index(of: seq)
                    guard i >= 0, i < sent.count, rng.unit() < settings.nackAnswerProbability else { continue }
                    let answerSent = now + settings.roundTripNs / 2
                    guard sent[i].sentAt + settings.historyNs >= answerSent else { continue }  // out of history
                    if rng.unit() < settings.loss || inOutage(answerSent) { continue }
                    let at = answerSent + settings.roundTripNs / 2
                    let position = pending.firstIndex { $0.at > at } ?? pending.count
                    pending.insert((at, i), at: position)
                }
            case .restart:
                handle(depacketizer.handleGap(), now: now)
            }
        }
    }

    mutating func handle(_ events: [VP8DepacketizerEvent], now: UInt64) {
        for event in events {
            switch event {
            case .frame(let frame):
                if frame.isKeyframe { requester.keyframeReceived(now: now) }
                switch gate.admit(frame) {
                case .forward:
                    decode(frame)
                case .dropAfterLoss:
                    keyframeRequestsAfterLoss += 1
                    handleKeyframeRequest(requester.requestKeyframe(now: now), now: now)
                case .dropAwaitingKeyframe:
                    break
                }
            case .dropped:
                if gate.noteLoss() {
                    keyframeRequestsAfterLoss += 1
                    handleKeyframeRequest(requester.requestKeyframe(now: now), now: now)
                }
            }
        }
    }

    mutating func decode(_ frame: AssembledVP8Frame) {
        let index = Int(frame.rtpTimestamp) / (90_000 / fps)
        forwardedFrames.append(index)
        do {
            guard let decoded = try decoder.decode(frame.data, copyImage: true), let image = decoded.image else {
                decodeFailures.append("frame \(index): no picture")
                return
            }
            if decoded.isCorrupted { decodeFailures.append("frame \(index): corrupted") }
            let counter = TestVideo.pattern.readFrameCounter(in: image)
            if counter != index { decodeFailures.append("frame \(index): counter reads \(String(describing: counter))") }
        } catch {
            decodeFailures.append("frame \(index): \(error)")
        }
    }

    mutating func handleKeyframeRequest(_ action: KeyframeRequestAction?, now: UInt64) {
        guard let action else { return }
        pliTimes.append(now)
        _ = action
        // The request reaches the sender after half a round trip, unless the link is down.
        guard !inOutage(now) else { return }
        let arrival = now + settings.roundTripNs / 2
        forceKeyframeAt = min(forceKeyframeAt ?? .max, arrival)
    }

    /// The frames a correct receiver forwards, from what the jitter buffer handed
    /// out: complete frames, from a keyframe on, with every frame before them since
    /// that keyframe complete too.
    func expectedForwardedFrames() -> [Int] {
        var expected: [Int] = []
        var open = false
        for (k, range) in frameRanges.enumerated() {
            let complete = range.allSatisfy { emittedPackets.contains($0) }
            if !complete {
                open = false
                continue
            }
            if frameIsKey[k] { open = true }
            if open { expected.append(k) }
        }
        return expected
    }
}

@Suite(.serialized) struct VideoReplayTests {
    @Test(arguments: [(0.0, UInt64(1)), (0.05, UInt64(2)), (0.20, UInt64(3))])
    func lossyLinkGivesExactlyTheDecodableFrames(loss: Double, seed: UInt64) throws {
        // Live encoding: a keyframe every 2 s, and one on request (PLI/FIR).
        let frameCount = TestVideo.fps * TestVideo.seconds
        let encoder = try VP8Encoder(configuration: .init(
            width: TestVideo.width, height: TestVideo.height, fps: TestVideo.fps, bitrateKbps: 800,
            keyframeInterval: 2 * TestVideo.fps))
        var image = I420Image(width: TestVideo.width, height: TestVideo.height)
        var replay = try VideoReplay(settings: .init(seed: seed, loss: loss, frameCount: frameCount))
        try replay.run { index, force in
            TestVideo.pattern.render(index, into: &image)
            return try encoder.encode(image, pts: Int64(index * 90_000 / TestVideo.fps), forceKeyframe: force)[0]
        }

        let stats = replay.jb.statistics
        #expect(replay.decodeFailures.isEmpty, "\(replay.decodeFailures.prefix(5))")
        #expect(replay.payloadMismatches == 0)
        #expect(replay.gapSkippedDelivered == 0, "a packet that had arrived was given up")
        // Every packet from the first the buffer saw was handed out or given up, none
        // both (packets lost before the first arrival are unknown to any receiver).
        #expect(replay.emittedPackets.isDisjoint(with: replay.gapPackets))
        let seen = replay.emittedPackets.union(replay.gapPackets)
        let firstSeen = try #require(seen.min())
        let lastSeen = try #require(seen.max())
        #expect(firstSeen <= 2 && lastSeen >= replay.sent.count - 3)
        #expect(seen.count == lastSeen - firstSeen + 1)
        #expect(stats.lost == replay.gapPackets.count)
        // Exactly the frames whose packets all came (or were recovered) and that
        // follow a keyframe without loss.
        #expect(replay.forwardedFrames == replay.expectedForwardedFrames())
        #expect(stats.duplicates > 0)
        if stats.lost > 0 {
            #expect(replay.keyframeRequestsAfterLoss >= 1, "an unrecoverable gap asks for a keyframe")
        }
        if loss == 0 {
            #expect(replay.forwardedFrames == Array(0..<frameCount))
            #expect(stats.lost == 0)
        } else {
            #expect(stats.nacked > 0 && stats.recovered > 0)
            #expect(Double(replay.forwardedFrames.count) >= Double(frameCount) * (loss < 0.1 ? 0.85 : 0.6),
                    "NACK and PLI keep most frames: \(replay.forwardedFrames.count) of \(frameCount)")
        }
    }

    @Test func threeSecondOutageGapsThenResumesAtTheRequestedKeyframe() throws {
        // Keyframes only when asked: video can only come back through the PLI.
        let encoder = try VP8Encoder(configuration: .init(
            width: TestVideo.width, height: TestVideo.height, fps: TestVideo.fps, bitrateKbps: 800,
            keyframeInterval: 0))
        var image = I420Image(width: TestVideo.width, height: TestVideo.height)
        let outage = (3_000 * ms)..<(6_000 * ms)
        var replay = try VideoReplay(settings: .init(seed: 9, loss: 0.0, outage: outage,
                                                     frameCount: 9 * TestVideo.fps))
        try replay.run { index, force in
            TestVideo.pattern.render(index, into: &image)
            return try encoder.encode(image, pts: Int64(index * 90_000 / TestVideo.fps), forceKeyframe: force)[0]
        }
        #expect(replay.decodeFailures.isEmpty, "\(replay.decodeFailures.prefix(5))")
        #expect(replay.gapActions >= 1)
        #expect(replay.keyframeRequestsAfterLoss >= 1)
        #expect(replay.requester.requests >= 2, "one at start, one after the outage")
        #expect(replay.forwardedFrames == replay.expectedForwardedFrames())
        let outageFrames = 60..<120  // frames sent during the outage
        let before = replay.forwardedFrames.filter { $0 < outageFrames.lowerBound }
        let after = replay.forwardedFrames.filter { $0 >= outageFrames.upperBound }
        #expect(before == Array(0..<60))
        #expect(!replay.forwardedFrames.contains { outageFrames.contains($0) })
        let resumed = try #require(after.first)
        #expect(replay.frameIsKey[resumed], "video resumes at a keyframe")
        // The link returns at frame 120; the buffer waits 500 ms for the lost packets,
        // gives up, the gate asks for a keyframe, which comes a round trip later.
        #expect(resumed <= outageFrames.upperBound + 14, "the keyframe came soon after the gap")
        #expect(after == Array(resumed..<replay.frameRanges.count))
        #expect(replay.frameIsKey.filter { $0 }.count >= 2)
    }
}
