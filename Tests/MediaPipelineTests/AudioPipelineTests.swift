import Codecs
import RTP
import Testing
@testable import MediaPipeline

@Suite struct OpusPayloadTests {
    @Test func packetizerAdvancesTimestampByPacketDuration() throws {
        let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
        var tone = ToneGenerator()
        var p = OpusPacketizer(sequencer: RTPSequencer(ssrc: 9, payloadType: 111, initialSequenceNumber: 65_535),
                               initialTimestamp: 0xFFFF_FE00)
        let first = try p.packetize(try encoder.encode(tone.nextFrame()), startOfTalkspurt: true)
        let second = try p.packetize(try encoder.encode(tone.nextFrame()))
        #expect(first.marker && !second.marker)
        #expect(first.sequenceNumber == 65_535 && second.sequenceNumber == 0)
        #expect(second.timestamp == 0xFFFF_FE00 &+ 960)
        p.skip(samples: 960 * 10)
        let third = try p.packetize(try encoder.encode(tone.nextFrame()))
        #expect(third.timestamp == 0xFFFF_FE00 &+ 960 * 12 && third.sequenceNumber == 1)
        var d = OpusDepacketizer()
        let thirdSamples = try d.depacketize(third.payload)
        #expect(thirdSamples == 960)
        // Lost-frame packets are valid Opus: 3 × 20 ms.
        let lostSamples = try d.depacketize(try OpusPacketInfo.lostFramePacket(frameDuration: .ms20, frameCount: 3))
        #expect(lostSamples == 2880)
        #expect(d.packets == 2 && d.samples == 3840)
    }

    @Test(arguments: [
        ([], OpusPacketFault.empty),
        ([0x01, 0xAA], .code1EvenLength),         // code 1 with an odd number of data bytes
        ([0x03, 0x00], .noFrames),                 // code 3, zero frames
        ([0x03, 0x31], .durationExceeds120ms),     // 49 frames of 10 ms
        ([0x02, 0xFC], .frameLengthExceedsPacket), // code 2, two-byte length missing
    ] as [([UInt8], OpusPacketFault)])
    func malformedOpusPayloadsThrowTypedErrors(payload: [UInt8], fault: OpusPacketFault) {
        var d = OpusDepacketizer()
        #expect(throws: MediaPipelineError.malformedOpusPayload(fault)) { try d.depacketize(payload) }
        #expect(d.malformed == 1)
    }
}

@Suite struct AudioGapFillerTests {
    @Test func fillsLossAndDTXExactlyAndFlagsJumps() {
        var f = AudioGapFiller()
        let a = f.push(timestamp: 0xFFFF_FC40, samples: 960)  // -960 mod 2^32
        let b = f.push(timestamp: 0, samples: 960)
        #expect(a.fillPackets.isEmpty && b.fillPackets.isEmpty)
        // 3 packets lost: 2 880 samples.
        let fill = f.push(timestamp: 960 * 4, samples: 960)
        #expect(fill.fillPackets.map(\.samples).reduce(0, +) == 2_880)
        #expect(fill.fillPackets.first?.timestamp == Int64(0x1_0000_0000 + 960))
        #expect(fill.timestamp == Int64(0x1_0000_0000 + 3_840))
        // DTX: 400 ms of silence.
        let dtx = f.push(timestamp: 960 * 5 + 19_200, samples: 960)
        #expect(dtx.fillPackets.map(\.samples).reduce(0, +) == 19_200)
        #expect(dtx.fillPackets.allSatisfy { (try? OpusPacketInfo(parsing: $0.data).totalSamples) == $0.samples })
        // A 20 s jump is a discontinuity, not 20 s of fill.
        let jump = f.push(timestamp: 960 * 6 + 19_200 + 20 * 48_000, samples: 960)
        #expect(jump.isDiscontinuity && jump.fillPackets.isEmpty)
        // A remainder under 2.5 ms cannot be filled; it is counted.
        let odd = f.push(timestamp: 960 * 7 + 19_200 + 20 * 48_000 + 1_000, samples: 960)
        #expect(odd.fillPackets.map(\.samples) == [960])
        #expect(f.unfilledSamples == 40)
        #expect(f.discontinuities == 1)
        #expect(f.filledSamples == 2_880 + 19_200 + 960)
    }

    /// Fill never exceeds the wall-clock time that elapsed (the arrival-time
    /// step): a hostile sender stepping 10 s a packet adds only its packets.
    @Test func fillIsBoundedByTheWallClock() {
        var f = AudioGapFiller()
        _ = f.push(timestamp: 0, samples: 960, elapsedSamples: nil)
        // A 400 ms DTX pause that took 400 ms: filled from the timestamps.
        let dtx = f.push(timestamp: 960 + 19_200, samples: 960, elapsedSamples: 960 + 19_200)
        #expect(!dtx.isDiscontinuity)
        #expect(dtx.fillPackets.map(\.samples).reduce(0, +) == 19_200)
        // 1 s of timestamps that arrived 20 ms later: a discontinuity, nothing filled.
        let skip = f.push(timestamp: 960 * 2 + 19_200 + 48_000, samples: 960, elapsedSamples: 960)
        #expect(skip.isDiscontinuity)
        #expect(skip.fillPackets.isEmpty)
        // 2 s of timestamps after a 500 ms outage: 480 ms filled (what the wall clock shows missing).
        let outage = f.push(timestamp: 960 * 3 + 19_200 + 48_000 + 96_000, samples: 960, elapsedSamples: 24_000)
        #expect(outage.isDiscontinuity)
        #expect(outage.fillPackets.map(\.samples).reduce(0, +) == 24_000 - 960)
        // 19 200 packets stepping 480 000 (10 s) each, 20 ms apart: no fill at all.
        var hostile = AudioGapFiller()
        var filled = 0
        for i in 0..<19_200 {
            let fill = hostile.push(timestamp: UInt32(truncatingIfNeeded: i &* 480_000), samples: 960,
                                    elapsedSamples: i == 0 ? nil : 960)
            filled += fill.fillPackets.count
        }
        #expect(filled == 0)
        #expect(hostile.filledSamples == 0)
        #expect(hostile.discontinuities == 19_199)
    }

    /// 10 s of Opus through loss, reordering, duplicates and a DTX pause, then the
    /// audio jitter buffer, depacketizer and gap filler: the output lasts as long as
    /// the stream, and every output packet decodes.
    @Test(arguments: [(0.05, UInt64(5)), (0.20, UInt64(20))])
    func outputDurationMatchesStreamDuration(loss: Double, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
        var tone = ToneGenerator()
        var packetizer = OpusPacketizer(
            sequencer: RTPSequencer(ssrc: 0xA0D1, payloadType: 111, initialSequenceNumber: 65_000),
            initialTimestamp: 0xFFFF_0000)
        let frames = 500
        var arrivals: [(at: UInt64, packet: RTPPacket)] = []
        var sentFirst: UInt32 = 0
        var sentEnd: UInt32 = 0
        for i in 0..<frames {
            let pcm = tone.nextFrame()
            if (200..<230).contains(i) {  // DTX: nothing sent for 600 ms
                packetizer.skip(samples: 960)
                continue
            }
            let packet = try packetizer.packetize(try encoder.encode(pcm), startOfTalkspurt: i == 230)
            if i == 0 { sentFirst = packet.timestamp }
            sentEnd = packet.timestamp &+ 960
            let sendTime = UInt64(i) * 20 * ms
            let keep = i == 0 || i == frames - 1 || rng.unit() >= loss
            if keep { arrivals.append((sendTime + 20 * ms + UInt64(rng.next() % 50) * ms, packet)) }
            if rng.unit() < 0.05 { arrivals.append((sendTime + 20 * ms + UInt64(rng.next() % 50) * ms, packet)) }
        }
        arrivals.sort { $0.at < $1.at }

        var jb = JitterBuffer(configuration: .audio)
        var depacketizer = OpusDepacketizer()
        var filler = AudioGapFiller()
        let decoder = try OpusDecoder(channels: 1)
        var outputSamples = 0
        var decodedSamples = 0
        var position: Int64?
        var continuous = true
        func write(_ data: [UInt8], timestamp: Int64, samples: Int) throws {
            if let position, position != timestamp { continuous = false }
            position = timestamp + Int64(samples)
            outputSamples += samples
            decodedSamples += try decoder.decode(data)
        }
        func handle(_ actions: [JitterBufferAction]) throws {
            for case .packet(let p) in actions {
                let payload = jb.payload(of: p)
                let samples = try depacketizer.depacketize(payload)
                let fill = filler.push(timestamp: p.timestamp, samples: samples)
                #expect(!fill.isDiscontinuity)
                for f in fill.fillPackets { try write(f.data, timestamp: f.timestamp, samples: f.samples) }
                try write(payload, timestamp: fill.timestamp, samples: samples)
            }
        }
        var t: UInt64 = 0
        for (at, packet) in arrivals {
            while t + 10 * ms <= at {
                t += 10 * ms
                try handle(jb.poll(now: t))
            }
            try handle(jb.insert(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                                 marker: packet.marker, payloadType: packet.payloadType,
                                 payload: packet.payload, now: at))
        }
        try handle(jb.poll(now: t + 1_000 * ms))

        let streamSamples = Int(sentEnd &- sentFirst)
        #expect(streamSamples == frames * 960)
        #expect(abs(outputSamples - streamSamples) <= 960, "audio duration within one frame of the stream's")
        #expect(outputSamples == streamSamples, "all gaps here are whole frames")
        #expect(decodedSamples == outputSamples, "every fill packet decodes to its duration")
        #expect(continuous)
        #expect(filler.filledSamples >= 30 * 960, "the DTX pause is filled")
        #expect(jb.statistics.lost > 0 && jb.statistics.nacked == 0)
    }
}
