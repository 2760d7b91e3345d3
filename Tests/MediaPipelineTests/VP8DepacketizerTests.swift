import Codecs
import RTP
import Testing
@testable import MediaPipeline

@Suite struct VP8DepacketizerTests {
    static func packets(frames: ArraySlice<VP8EncodedFrame>, mtu: Int = 1200, firstSeq: UInt16 = 65_500)
        throws -> [[RTPPacket]]
    {
        var packetizer = try VP8Packetizer(maxPayloadSize: mtu, initialPictureID: 32_760)
        var sequencer = RTPSequencer(ssrc: 0x1234, payloadType: 96, initialSequenceNumber: firstSeq)
        return frames.map { frame in
            packetizer.packets(for: frame.data, timestamp: UInt32(truncatingIfNeeded: frame.pts &+ 0xFFFF_0000),
                               sequencer: &sequencer)
        }
    }

    static func frames(_ events: [VP8DepacketizerEvent]) -> [AssembledVP8Frame] {
        events.compactMap { if case .frame(let f) = $0 { f } else { nil } }
    }

    static func drops(_ events: [VP8DepacketizerEvent]) -> [DroppedVP8Frame] {
        events.compactMap { if case .dropped(let d) = $0 { d } else { nil } }
    }

    @Test(arguments: [1200, 300])
    func packetizedFramesComeBackByteForByteAndDecode(mtu: Int) throws {
        let source = TestVideo.frames.prefix(45)  // keyframes at 0 and 40
        let perFrame = try Self.packets(frames: source, mtu: mtu)
        var depacketizer = VP8Depacketizer()
        let decoder = try VP8Decoder()
        var expectedPictureID: UInt16 = 32_760
        for (index, (frame, packets)) in zip(source, perFrame).enumerated() {
            #expect(packets.allSatisfy { $0.payload.count <= mtu })
            #expect(packets.last?.marker == true && packets.dropLast().allSatisfy { !$0.marker })
            var events: [VP8DepacketizerEvent] = []
            for packet in packets {
                events += depacketizer.push(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                                            marker: packet.marker, payload: packet.payload)
            }
            let assembled = try #require(Self.frames(events).first)
            #expect(events.count == 1)
            #expect(assembled.data == frame.data)
            #expect(assembled.isKeyframe == frame.isKeyframe)
            #expect(assembled.isKeyframe == (index % 40 == 0))
            if assembled.isKeyframe {
                #expect(assembled.width == 640 && assembled.height == 480)
            } else {
                #expect(assembled.width == nil)
            }
            #expect(assembled.firstSequenceNumber == packets.first?.sequenceNumber)
            #expect(assembled.lastSequenceNumber == packets.last?.sequenceNumber)
            #expect(assembled.packetCount == packets.count)
            #expect(assembled.pictureID == .long(expectedPictureID))
            #expect(!assembled.followsLoss)
            expectedPictureID = (expectedPictureID + 1) & 0x7FFF
            let decoded = try #require(try decoder.decode(assembled.data, copyImage: true))
            #expect(!decoded.isCorrupted)
            #expect(TestVideo.pattern.readFrameCounter(in: try #require(decoded.image)) == index)
        }
        #expect(depacketizer.framesAssembled == 45)
        #expect(depacketizer.keyframesAssembled == 2)
    }

    /// Emitted frames share the depacketizer's buffer (no copy): a caller that
    /// keeps frames, with the `into:` API and a reused events array, still has
    /// every frame's bytes intact after the depacketizer has moved on.
    @Test func keptFramesKeepTheirBytesWhenTheBufferIsReused() throws {
        let source = TestVideo.frames.prefix(12)
        let perFrame = try Self.packets(frames: source)
        var depacketizer = VP8Depacketizer()
        var events: [VP8DepacketizerEvent] = []
        var kept: [AssembledVP8Frame] = []
        for packets in perFrame {
            for packet in packets {
                packet.payload.withUnsafeBytes {
                    depacketizer.push(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                                      marker: packet.marker, payload: $0, into: &events)
                }
                kept += Self.frames(events)
                events.removeAll(keepingCapacity: true)
            }
        }
        #expect(kept.map(\.data) == source.map(\.data))
    }

    /// Pushes `packets` (skipping indices in `skip`) and returns all events.
    static func run(_ packets: [RTPPacket], skip: Set<Int> = [], into d: inout VP8Depacketizer)
        -> [VP8DepacketizerEvent]
    {
        var events: [VP8DepacketizerEvent] = []
        for (i, p) in packets.enumerated() where !skip.contains(i) {
            events += d.push(sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker,
                             payload: p.payload)
        }
        return events
    }

    @Test func lossInsideFramesDropsThemAndFlagsTheNext() throws {
        let perFrame = try Self.packets(frames: TestVideo.frames.prefix(4), mtu: 60)
        #expect(perFrame[0].count > 3 && perFrame[1].count >= 3)
        let flat = perFrame.flatMap { $0 }
        let f0 = perFrame[0].count, f1 = perFrame[1].count, f2 = perFrame[2].count
        // Frame 0 loses a middle packet, frame 1 its first, frame 2 is whole, frame 3 whole.
        var d = VP8Depacketizer()
        let events = Self.run(flat, skip: [1, f0], into: &d)
        let drops = Self.drops(events)
        let frames = Self.frames(events)
        #expect(drops.map(\.reason) == [.sequenceGap, .missingStart])
        #expect(drops[0].rtpTimestamp == perFrame[0][0].timestamp)
        #expect(drops[0].firstSequenceNumber == perFrame[0][0].sequenceNumber)
        #expect(drops[0].lastSequenceNumber == perFrame[0][f0 - 1].sequenceNumber)
        #expect(drops[0].packetCount == f0 - 1)
        #expect(drops[1].packetCount == f1 - 1)
        #expect(frames.map(\.rtpTimestamp) == [perFrame[2][0].timestamp, perFrame[3][0].timestamp])
        #expect(frames.map(\.followsLoss) == [true, false])
        #expect(frames[0].packetCount == f2)
        #expect(d.framesDropped == 2)
    }

    @Test func lostMarkerPacketDropsTheFrame() throws {
        let perFrame = try Self.packets(frames: TestVideo.frames.prefix(3), mtu: 300)
        let flat = perFrame.flatMap { $0 }
        var d = VP8Depacketizer()
        let events = Self.run(flat, skip: [perFrame[0].count - 1], into: &d)
        #expect(Self.drops(events).map(\.reason) == [.sequenceGap])
        #expect(Self.frames(events).map(\.followsLoss) == [true, false])
    }

    @Test func gapWhileAssemblingDropsAtOnce() throws {
        let perFrame = try Self.packets(frames: TestVideo.frames.prefix(1), mtu: 300)
        var d = VP8Depacketizer()
        #expect(Self.run(Array(perFrame[0].prefix(2)), into: &d).isEmpty)
        let events = d.handleGap()
        #expect(Self.drops(events).map(\.reason) == [.missingEnd])
        #expect(Self.drops(events).first?.packetCount == 2)
        #expect(d.handleGap().isEmpty)
    }

    @Test func missingMarkerBitIsToleratedWhenTheNextFrameFollows() throws {
        var perFrame = try Self.packets(frames: TestVideo.frames.prefix(3), mtu: 300)
        for i in perFrame.indices { perFrame[i][perFrame[i].count - 1].marker = false }
        var d = VP8Depacketizer()
        let events = Self.run(perFrame.flatMap { $0 }, into: &d)
        let frames = Self.frames(events)
        #expect(frames.map(\.data) == TestVideo.frames.prefix(2).map(\.data))
        #expect(Self.drops(d.flush()).map(\.reason) == [.missingEnd])
    }

    @Test func malformedPacketsAreReportedNotEmitted() throws {
        let perFrame = try Self.packets(frames: TestVideo.frames.prefix(3), mtu: 300)
        var bad = perFrame[0]
        bad[1].payload = [0x80]  // X=1 with no X octet
        var d = VP8Depacketizer()
        var events = Self.run(bad, into: &d)
        #expect(Self.drops(events).map(\.reason) == [.malformed(.truncatedVP8Descriptor)])
        #expect(Self.drops(events).first?.packetCount == bad.count)
        // Descriptor but no data.
        var empty = perFrame[1]
        empty[0].payload = Array(empty[0].payload.prefix(VP8Packetizer.descriptorSize))
        events = Self.run(empty, into: &d)
        #expect(Self.drops(events).map(\.reason) == [.malformed(.emptyVP8Payload)])
        #expect(Self.frames(events).isEmpty)
    }

    @Test func keyframeWithBadStartCodeIsDropped() throws {
        var perFrame = try Self.packets(frames: TestVideo.frames.prefix(1), mtu: 1200)
        perFrame[0][0].payload[VP8Packetizer.descriptorSize + 3] = 0x00  // start code 9d 01 2a broken
        var d = VP8Depacketizer()
        let events = Self.run(perFrame[0], into: &d)
        #expect(Self.drops(events).map(\.reason) == [.malformed(.malformedVP8PayloadHeader(.badStartCode))])
    }

    @Test func oversizedFrameIsDropped() throws {
        let perFrame = try Self.packets(frames: TestVideo.frames.prefix(1), mtu: 1200)
        var d = VP8Depacketizer(maxFrameSize: 2000)
        let events = Self.run(perFrame[0], into: &d)
        #expect(Self.drops(events).map(\.reason) == [.malformed(.vp8FrameTooLarge(limit: 2000))])
        #expect(Self.frames(events).isEmpty)
    }

    @Test func randomPacketsNeverCrashAndOnlyValidFramesComeOut() throws {
        var rng = SeededGenerator(seed: 4242)
        var d = VP8Depacketizer(maxFrameSize: 10_000)
        var seq: UInt16 = 0
        var frames = 0
        for _ in 0..<50_000 {
            let length = Int(rng.next() % 24)
            var payload = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 4 == 0, !payload.isEmpty { payload[0] = 0x10 }  // plausible start
            if rng.next() % 10 != 0 { seq &+= 1 } else { seq &+= UInt16(rng.next() % 5) }
            let events = d.push(sequenceNumber: seq, timestamp: UInt32(rng.next() % 4), marker: rng.next() % 3 == 0,
                                payload: payload)
            for case .frame(let f) in events {
                frames += 1
                #expect(throws: Never.self) { try VP8FrameHeader(parsing: f.data) }
            }
        }
        _ = frames
    }
}
