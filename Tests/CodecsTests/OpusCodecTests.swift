import Testing
@testable import Codecs

@Suite struct OpusCodecTests {
    @Test(arguments: [1, 2])
    func toneRoundTripKeepsTheToneAndTheSampleCount(channels: Int) throws {
        let encoder = try OpusEncoder(channels: channels, bitrate: 64_000)
        let decoder = try OpusDecoder(channels: channels)
        var tone = ToneGenerator(frequency: 1000, amplitude: 0.5, channels: channels)
        var decoded: [Int16] = []
        let frames = 50
        for _ in 0..<frames {
            let packet = try encoder.encode(tone.nextFrame())
            let info = try OpusPacketInfo(parsing: packet)
            #expect(info.totalSamples == 960)
            if channels == 1 { #expect(!info.isStereo) }  // mono input never yields a stereo TOC
            let n = try decoder.decode(packet)
            #expect(n == 960)
            decoded.append(contentsOf: decoder.lastDecoded)
        }
        #expect(decoded.count == frames * 960 * channels)

        // Take channel 0 after the encoder delay has passed.
        let skip = encoder.lookahead + 960
        #expect(encoder.lookahead > 0 && encoder.lookahead < 960)
        let mono = stride(from: skip * channels, to: decoded.count, by: channels).map { decoded[$0] }
        let slice = mono[...]
        let atTone = goertzelPower(slice, frequency: 1000)
        let offTone = goertzelPower(slice, frequency: 3_100)
        #expect(atTone > offTone * 1000, "tone \(atTone) vs off-tone \(offTone)")
        // A 0.5 full-scale sine has RMS 0.5 * 32767 / √2 ≈ 11585.
        let level = rms(slice)
        #expect(abs(level - 11_585) < 1_500, "decoded RMS \(level)")
    }

    @Test func encoderRejectsWrongFrameLengthAndBadSettings() throws {
        let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
        #expect(throws: CodecsError.self) { try encoder.encode([Int16](repeating: 0, count: 959)) }
        #expect(throws: CodecsError.self) { try OpusEncoder(channels: 3, bitrate: 32_000) }
        #expect(throws: CodecsError.self) { try OpusEncoder(channels: 1, bitrate: 100) }
        #expect(throws: CodecsError.self) { try OpusDecoder(channels: 0) }
    }

    @Test(arguments: [OpusFrameDuration.ms10, .ms20, .ms40, .ms60])
    func packetInfoMatchesEncoderFrameDuration(duration: OpusFrameDuration) throws {
        let encoder = try OpusEncoder(channels: 2, bitrate: 48_000, application: .voip, frameDuration: duration)
        let decoder = try OpusDecoder(channels: 2)
        var tone = ToneGenerator(frequency: 440, channels: 2, frameSamples: duration.samples)
        for _ in 0..<5 {
            let packet = try encoder.encode(tone.nextFrame())
            let info = try OpusPacketInfo(parsing: packet)
            #expect(info.totalSamples == duration.samples)
            // Frame layout accounts for every byte of the packet.
            #expect(info.frameLengths.reduce(0, +) <= packet.count - 1)
            #expect(try decoder.decode(packet) == duration.samples)
        }
    }

    @Test func decoderRejectsGarbageWithTypedError() throws {
        let decoder = try OpusDecoder(channels: 1)
        // Code 3 packet announcing zero frames (RFC 6716 §3.4 R5).
        #expect(throws: CodecsError.self) { try decoder.decode([0xFB, 0x00]) }
        #expect(throws: CodecsError.malformedOpusPacket(.empty)) { try decoder.decode([]) }
    }

    @Test(arguments: [(OpusFrameDuration.ms20, 1), (.ms20, 2), (.ms20, 6), (.ms10, 3), (.ms2_5, 1), (.ms40, 3), (.ms60, 1), (.ms60, 2)])
    func lostFramePacketConcealsTheRightNumberOfSamples(duration: OpusFrameDuration, count: Int) throws {
        let lost = try OpusPacketInfo.lostFramePacket(frameDuration: duration, frameCount: count)
        #expect(lost.count <= 2)
        let info = try OpusPacketInfo(parsing: lost)
        #expect(info.totalSamples == duration.samples * count)
        #expect(info.frameLengths.allSatisfy { $0 == 0 })

        let encoder = try OpusEncoder(channels: 1, bitrate: 32_000)
        let decoder = try OpusDecoder(channels: 1)
        var tone = ToneGenerator(frequency: 440)
        for _ in 0..<10 { try decoder.decode(encoder.encode(tone.nextFrame())) }
        let n = try decoder.decode(lost)
        #expect(n == duration.samples * count)
        // PLC continues the tone for a while rather than emitting silence.
        #expect(rms(decoder.lastDecoded.prefix(480)) > 100)
        // And decoding goes on normally afterwards.
        #expect(try decoder.decode(encoder.encode(tone.nextFrame())) == 960)
    }

    @Test func lostFramePacketOnAFreshDecoderGivesSilence() throws {
        let decoder = try OpusDecoder(channels: 2)
        let n = try decoder.decode(OpusPacketInfo.lostFramePacket(frameDuration: .ms20, stereo: true))
        #expect(n == 960)
        #expect(decoder.lastDecoded.count == 1920)
        #expect(decoder.lastDecoded.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [0, 119, 120, 960, 1000, 5760, 10_000, 30_000])
    func lostFramePacketsCoverAGap(samples: Int) throws {
        let packets = OpusPacketInfo.lostFramePackets(covering: samples)
        let decoder = try OpusDecoder(channels: 1)
        var total = 0
        for p in packets {
            let info = try OpusPacketInfo(parsing: p)
            #expect(try decoder.decode(p) == info.totalSamples)
            total += info.totalSamples
        }
        #expect(total == samples / 120 * 120)
    }

    @Test func lostFramePacketRejectsMoreThan120ms() {
        #expect(throws: CodecsError.self) { try OpusPacketInfo.lostFramePacket(frameDuration: .ms60, frameCount: 3) }
        #expect(throws: CodecsError.self) { try OpusPacketInfo.lostFramePacket(frameDuration: .ms20, frameCount: 0) }
    }

    @Test func concealLossProducesRequestedLength() throws {
        let decoder = try OpusDecoder(channels: 1)
        #expect(try decoder.concealLoss(samples: 960) == 960)
        #expect(throws: CodecsError.self) { try decoder.concealLoss(samples: 100) }
    }

    @Test func toneGeneratorIsContinuousAcrossFrames() {
        var tone = ToneGenerator(frequency: 440, amplitude: 1)
        let a = tone.nextFrame(), b = tone.nextFrame()
        // Sample-to-sample step of a 440 Hz full-scale sine is at most 2π·440/48000·32767 ≈ 1887.
        #expect(abs(Int(b[0]) - Int(a[959])) < 1_900)
        #expect(a.max()! > 32_000 && a.min()! < -32_000)
    }
}
