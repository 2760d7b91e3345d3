import CapstanTestSupport
import Codecs
import RTP
import Testing
@testable import MediaPipeline

/// RFC 6184 depacketization: single NAL unit packets (mode 0 and 1), STAP-A,
/// FU-A; keyframes and sizes from the SPS; losses; hostile payloads.
@Suite struct H264DepacketizerTests {
    /// x264's High-profile SPS for 1280x720 (see CodecsTests/H264Tests) and a PPS.
    static let sps: [UInt8] = H264Fixture.hex("6764001facd9405005bb0110000003001000000303c0f1831960")
    static let sps1080: [UInt8] = H264Fixture.hex("676e0028a6cd940780227e5c0440000003004000000f03c60c6580")
    static let pps: [UInt8] = [0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0]
    /// Slices whose header starts with first_mb_in_slice = 0 (ue "1"), and one at macroblock 1 (ue "010").
    static func idr(_ size: Int) -> [UInt8] { [0x65, 0x88] + (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 | 1) } }
    static func delta(_ size: Int) -> [UInt8] { [0x41, 0x9A] + (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 3 | 1) } }
    static let secondSlice: [UInt8] = [0x41, 0x40, 0x11, 0x22]

    static func prefixed(_ nals: [[UInt8]]) -> [UInt8] {
        nals.flatMap { [UInt8(truncatingIfNeeded: $0.count >> 24), UInt8(truncatingIfNeeded: $0.count >> 16),
                        UInt8(truncatingIfNeeded: $0.count >> 8), UInt8(truncatingIfNeeded: $0.count)] + $0 }
    }

    struct Packet { var seq: UInt16; var ts: UInt32; var marker: Bool; var payload: [UInt8] }

    /// Mode 1 packets of access units (our packetizer), sequence numbers wrapping.
    static func packets(_ units: [[[UInt8]]], mtu: Int = 1200, firstSeq: UInt16 = 65_530) throws -> [[Packet]] {
        let packetizer = try H264Packetizer(maxPayloadSize: mtu)
        var seq = firstSeq
        return units.enumerated().map { index, nals in
            let payloads = packetizer.payloads(nalUnits: nals.map { $0[...] })
            return payloads.enumerated().map { i, payload in
                defer { seq &+= 1 }
                return Packet(seq: seq, ts: 0xFFFF_FF00 &+ UInt32(index) &* 3000, marker: i == payloads.count - 1,
                              payload: payload)
            }
        }
    }

    static func push(_ d: inout H264Depacketizer, _ packets: [Packet]) -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        for p in packets { events += d.push(sequenceNumber: p.seq, timestamp: p.ts, marker: p.marker, payload: p.payload) }
        return events
    }

    static func frames(_ events: [VideoDepacketizerEvent]) -> [AssembledVideoFrame] {
        events.compactMap { if case .frame(let f) = $0 { f } else { nil } }
    }

    static func drops(_ events: [VideoDepacketizerEvent]) -> [DroppedVideoFrame] {
        events.compactMap { if case .dropped(let d) = $0 { d } else { nil } }
    }

    @Test(arguments: [1200, 100])
    func stapAAndFUAComeBackAsLengthPrefixedNALUnits(mtu: Int) throws {
        let units: [[[UInt8]]] = [[Self.sps, Self.pps, Self.idr(3000)], [Self.delta(500)], [Self.delta(40), Self.secondSlice]]
        let perUnit = try Self.packets(units, mtu: mtu)
        #expect(perUnit.joined().allSatisfy { $0.payload.count <= mtu })
        if mtu == 1200 {
            #expect(H264NALUnitType.of(perUnit[0][0].payload[0]) == H264NALUnitType.stapA, "SPS+PPS aggregated")
        }
        #expect(perUnit[0].count > 2 && H264NALUnitType.of(perUnit[0][1].payload[0]) == H264NALUnitType.fuA)
        var d = H264Depacketizer()
        for (index, packets) in perUnit.enumerated() {
            let frames = Self.frames(Self.push(&d, packets))
            try #require(frames.count == 1)
            #expect(frames[0].data == Self.prefixed(units[index]))
            #expect(frames[0].isKeyframe == (index == 0))
            #expect(frames[0].width == (index == 0 ? 1280 : nil) && frames[0].height == (index == 0 ? 720 : nil))
            #expect(frames[0].packetCount == packets.count && !frames[0].followsLoss)
        }
        #expect(d.framesAssembled == 3 && d.keyframesAssembled == 1 && d.framesDropped == 0)
    }

    @Test func modeZeroSingleNALPacketsMakeOneAccessUnit() {
        var d = H264Depacketizer()
        var events: [VideoDepacketizerEvent] = []
        events += d.push(sequenceNumber: 1, timestamp: 90, marker: false, payload: Self.sps)
        events += d.push(sequenceNumber: 2, timestamp: 90, marker: false, payload: Self.pps)
        events += d.push(sequenceNumber: 3, timestamp: 90, marker: true, payload: Self.idr(50))
        let frames = Self.frames(events)
        #expect(frames.count == 1 && frames[0].isKeyframe && frames[0].data == Self.prefixed([Self.sps, Self.pps, Self.idr(50)]))
    }

    @Test func missingMarkerEndsTheUnitAtTheNextTimestamp() {
        var d = H264Depacketizer()
        var events = d.push(sequenceNumber: 10, timestamp: 0, marker: false, payload: Self.sps)
        events += d.push(sequenceNumber: 11, timestamp: 0, marker: false, payload: Self.pps)
        events += d.push(sequenceNumber: 12, timestamp: 0, marker: false, payload: Self.idr(10))
        #expect(Self.frames(events).isEmpty)
        events = d.push(sequenceNumber: 13, timestamp: 3000, marker: false, payload: Self.delta(10))
        #expect(Self.frames(events).map(\.isKeyframe) == [true])
    }

    @Test func parameterSetsFromSDPAreGivenToAKeyframeWithoutThem() throws {
        let sprop = "\(H264Fixture.base64(Self.sps)),\(H264Fixture.base64(Self.pps))"
        var d = H264Depacketizer(spropParameterSets: sprop)
        let frames = Self.frames(d.push(sequenceNumber: 1, timestamp: 0, marker: true, payload: Self.idr(20)))
        try #require(frames.count == 1)
        #expect(frames[0].isKeyframe && frames[0].width == 1280)
        #expect(frames[0].data == Self.prefixed([Self.sps, Self.pps, Self.idr(20)]))
        // An access unit delimiter stays first.
        let aud: [UInt8] = [0x09, 0xF0]
        var events: [VideoDepacketizerEvent] = []
        events += d.push(sequenceNumber: 2, timestamp: 3000, marker: false, payload: aud)
        events += d.push(sequenceNumber: 3, timestamp: 3000, marker: true, payload: Self.idr(5))
        #expect(Self.frames(events).first?.data == Self.prefixed([aud, Self.sps, Self.pps, Self.idr(5)]))
    }

    @Test func idrWithoutParameterSetsIsNoKeyframe() {
        var d = H264Depacketizer()
        let frames = Self.frames(d.push(sequenceNumber: 1, timestamp: 0, marker: true, payload: Self.idr(20)))
        #expect(frames.count == 1 && !frames[0].isKeyframe && frames[0].width == nil)
    }

    @Test func newSPSMidStreamChangesTheSize() throws {
        let units: [[[UInt8]]] = [[Self.sps, Self.pps, Self.idr(100)], [Self.delta(50)], [Self.sps1080, Self.pps, Self.idr(100)]]
        var d = H264Depacketizer()
        let frames = Self.frames(try Self.packets(units).flatMap { Self.push(&d, $0) })
        #expect(frames.map { $0.width.map { "\($0)x\(frames[0].height ?? 0)" } ?? "-" }.count == 3)
        #expect(frames.compactMap(\.height) == [720, 1080])
        #expect(d.parameterSetChanges == 3)
        // A later keyframe without in-band sets gets the new ones.
        let next = Self.frames(d.push(sequenceNumber: 100, timestamp: 99_000, marker: true, payload: Self.idr(10)))
        #expect(next.first?.data == Self.prefixed([Self.sps1080, Self.pps, Self.idr(10)]))
    }

    @Test func lostFragmentDropsTheUnitAndTheNextFollowsLoss() throws {
        let perUnit = try Self.packets([[Self.sps, Self.pps, Self.idr(3000)], [Self.delta(100)], [Self.delta(100)]])
        var d = H264Depacketizer()
        var unit0 = perUnit[0]
        unit0.remove(at: 2)  // a middle FU-A fragment
        let events = Self.push(&d, unit0)
        #expect(Self.frames(events).isEmpty)
        #expect(Self.drops(events).map(\.reason) == [.sequenceGap])
        let after = Self.frames(Self.push(&d, perUnit[1]))
        #expect(after.count == 1 && after[0].followsLoss && !after[0].isKeyframe)
        #expect(Self.frames(Self.push(&d, perUnit[2])).first?.followsLoss == false)
    }

    @Test func lostFirstPacketIsMissingStart() throws {
        let perUnit = try Self.packets([[Self.delta(100)], [Self.delta(3000)], [Self.delta(100), Self.secondSlice]], mtu: 1200)
        var d = H264Depacketizer()
        _ = Self.push(&d, perUnit[0])
        // Unit 1 without its FU-A start: the rest is discarded as one frame.
        let events = Self.push(&d, Array(perUnit[1].dropFirst()))
        #expect(Self.drops(events).map(\.reason) == [.missingStart])
        // A unit whose first slice was lost (mode 0: one slice per packet; the
        // slice that came starts at macroblock 1): missing start too.
        let last = try #require(perUnit[2].last)
        let tail = d.push(sequenceNumber: last.seq &+ 2, timestamp: last.ts &+ 3000, marker: true, payload: Self.secondSlice)
        #expect(Self.frames(tail).isEmpty && Self.drops(tail).map(\.reason) == [.missingStart])
    }

    @Test func handleGapDropsTheUnitInProgress() {
        var d = H264Depacketizer()
        _ = d.push(sequenceNumber: 1, timestamp: 0, marker: false, payload: Self.sps)
        let events = d.handleGap()
        #expect(Self.drops(events).map(\.reason) == [.missingEnd])
        let next = Self.frames(d.push(sequenceNumber: 5, timestamp: 3000, marker: true, payload: Self.delta(5)))
        #expect(next.first?.followsLoss == true)
    }

    @Test("hostile payloads are dropped with their reason", arguments: [
        ([], H264PayloadFault.empty),
        ([0x00, 1, 2], .unsupportedType(0)),
        ([0x19, 1, 2], .unsupportedType(25)),  // STAP-B (interleaved mode)
        ([0x1A, 1, 2], .unsupportedType(26)),
        ([0x1D, 0x85, 1], .unsupportedType(29)),  // FU-B
        ([0x1E, 1], .unsupportedType(30)),
        ([0x1F, 1], .unsupportedType(31)),
        ([0x18], .badAggregation),  // STAP-A without units
        ([0x18, 0x00], .badAggregation),  // a size cut short
        ([0x18, 0x00, 0x00], .badAggregation),  // a zero size
        ([0x18, 0xFF, 0xFF, 0x67, 1], .badAggregation),  // a size past the end
        ([0x18, 0x00, 0x02, 0x18, 0x00], .badAggregation),  // a STAP-A in a STAP-A
        ([0x1C, 0x85], .badFragment),  // FU-A without data
        ([0x1C, 0xC5, 1], .badFragment),  // S and E both set
        ([0x1C, 0x9C, 1], .badFragment),  // FU-A of an FU-A
        ([0x1C, 0x80, 1], .badFragment),  // FU-A of type 0
    ] as [([UInt8], H264PayloadFault)])
    func hostilePayload(payload: [UInt8], fault: H264PayloadFault) {
        var d = H264Depacketizer()
        let events = d.push(sequenceNumber: 7, timestamp: 0, marker: true, payload: payload)
        #expect(Self.drops(events).map(\.reason) == [.malformed(.malformedH264Payload(fault))])
        #expect(Self.frames(events).isEmpty)
    }

    @Test func fragmentsOutOfOrderAndUnfinishedAreDropped() {
        var d = H264Depacketizer()
        // A start while a fragment is open.
        var events = d.push(sequenceNumber: 1, timestamp: 0, marker: false, payload: [0x7C, 0x85, 1, 2])
        events += d.push(sequenceNumber: 2, timestamp: 0, marker: true, payload: [0x7C, 0x85, 3, 4])
        #expect(Self.drops(events).map(\.reason) == [.malformed(.malformedH264Payload(.badFragment))])
        // The marker while a fragment is open.
        events = d.push(sequenceNumber: 3, timestamp: 3000, marker: false, payload: [0x7C, 0x85, 0x88, 2])
        events += d.push(sequenceNumber: 4, timestamp: 3000, marker: true, payload: [0x7C, 0x05, 3, 4])
        #expect(Self.drops(events).map(\.reason) == [.malformed(.malformedH264Payload(.unfinishedFragment))])
        // A fragment of another type.
        events = d.push(sequenceNumber: 5, timestamp: 6000, marker: false, payload: [0x7C, 0x85, 0x88, 2])
        events += d.push(sequenceNumber: 6, timestamp: 6000, marker: true, payload: [0x7C, 0x41, 3, 4])
        #expect(Self.drops(events).map(\.reason) == [.malformed(.malformedH264Payload(.badFragment))])
    }

    @Test func accessUnitsAreBoundedByMaxFrameSize() {
        var d = H264Depacketizer(maxFrameSize: 10_000)
        var events: [VideoDepacketizerEvent] = []
        events += d.push(sequenceNumber: 1, timestamp: 0, marker: false, payload: [0x7C, 0x85] + [UInt8](repeating: 1, count: 1100))
        for i in 0..<20 {
            events += d.push(sequenceNumber: UInt16(2 + i), timestamp: 0, marker: false,
                             payload: [0x7C, 0x05] + [UInt8](repeating: 1, count: 1100))
        }
        events += d.push(sequenceNumber: 22, timestamp: 0, marker: true, payload: [0x7C, 0x45, 1])
        #expect(Self.drops(events).map(\.reason) == [.malformed(.h264FrameTooLarge(limit: 10_000))])
        #expect(Self.drops(events).first?.packetCount == 22)
    }

    @Test func randomPayloadsNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        var d = H264Depacketizer(maxFrameSize: 64 * 1024)
        var seq: UInt16 = 0
        var ts: UInt32 = 0
        var events: [VideoDepacketizerEvent] = []
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...64, using: &generator)
            var payload = (0..<n).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !payload.isEmpty, Bool.random(using: &generator) {
                payload[0] = [0x18, 0x1C, 0x67, 0x68, 0x65, 0x41][Int.random(in: 0..<6, using: &generator)]
            }
            seq &+= UInt16.random(in: 0...2, using: &generator) == 0 ? 2 : 1
            if Int.random(in: 0..<4, using: &generator) == 0 { ts &+= 3000 }
            events.removeAll(keepingCapacity: true)
            let marker = Bool.random(using: &generator)
            payload.withUnsafeBytes { d.push(sequenceNumber: seq, timestamp: ts, marker: marker, payload: $0, into: &events) }
        }
        #expect(d.framesAssembled + d.framesDropped + d.nonPictureUnits > 0)
    }

    @Test(.enabled(if: H264Encoder.isAvailable))
    func openH264FramesSurviveThePacketizerAndDepacketizer() throws {
        let encoder = try H264Encoder(configuration: .init(width: 320, height: 240, fps: 30, bitrateKbps: 600, keyframeInterval: 15))
        let pattern = TestPattern(width: 320, height: 240)
        var image = I420Image(width: 320, height: 240)
        let packetizer = try H264Packetizer(maxPayloadSize: 500)
        var d = VideoDepacketizer(codec: .h264)
        var seq: UInt16 = 65_000
        var events: [VideoDepacketizerEvent] = []
        var keyframes = 0
        for index in 0..<30 {
            pattern.render(index, into: &image)
            let frame = try #require(try encoder.encode(image, timestampMs: Int64(index * 33), forceKeyframe: false))
            let payloads = packetizer.payloads(forAnnexB: frame.data)
            events.removeAll()
            for (i, payload) in payloads.enumerated() {
                payload.withUnsafeBytes {
                    d.push(sequenceNumber: seq, timestamp: UInt32(index * 3000), marker: i == payloads.count - 1,
                           payload: $0, into: &events)
                }
                seq &+= 1
            }
            let frames = Self.frames(events)
            try #require(frames.count == 1)
            #expect(frames[0].data == AnnexB.lengthPrefixed(frame.data))
            #expect(frames[0].isKeyframe == frame.isKeyframe)
            if frames[0].isKeyframe { keyframes += 1; #expect(frames[0].width == 320 && frames[0].height == 240) }
        }
        #expect(keyframes == 2)
    }
}

enum H264Fixture {
    static func hex(_ s: String) -> [UInt8] { CapstanTestSupport.hex(s) }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(alphabet[b0 >> 2])
            out.append(alphabet[(b0 & 3) << 4 | b1 >> 4])
            out.append(i + 1 < bytes.count ? alphabet[(b1 & 15) << 2 | b2 >> 6] : "=")
            out.append(i + 2 < bytes.count ? alphabet[b2 & 63] : "=")
            i += 3
        }
        return out
    }
}
