import Codecs
import RTP
import Testing
@testable import MediaPipeline

/// RFC 9628 (VP9) and the AV1 RTP payload format: real libvpx / libaom
/// frames through our packetizers and back, decoded; descriptors in both VP9
/// modes; spatial layers into a superframe; loss; hostile payloads.
@Suite struct VP9DepacketizerTests {
    struct Packet { var seq: UInt16; var ts: UInt32; var marker: Bool; var payload: [UInt8] }

    static func encodeVP9(width: Int, height: Int, frames: Int, keyframeInterval: Int = 10) throws -> [VP8EncodedFrame] {
        let encoder = try VP8Encoder(configuration: .init(width: width, height: height, fps: 30, bitrateKbps: 300,
                                                          keyframeInterval: keyframeInterval, codec: .vp9))
        let pattern = TestPattern(width: width, height: height)
        var image = I420Image(width: width, height: height)
        var out: [VP8EncodedFrame] = []
        for i in 0..<frames {
            pattern.render(i, into: &image)
            out += try encoder.encode(image, pts: Int64(i) * 3000)
        }
        return out
    }

    static func push(_ d: inout VP9Depacketizer, _ packets: [Packet]) -> [VideoDepacketizerEvent] {
        var events: [VideoDepacketizerEvent] = []
        for p in packets { events += d.push(sequenceNumber: p.seq, timestamp: p.ts, marker: p.marker, payload: p.payload) }
        return events
    }

    static func frames(_ e: [VideoDepacketizerEvent]) -> [AssembledVideoFrame] { e.compactMap { if case .frame(let f) = $0 { f } else { nil } } }
    static func drops(_ e: [VideoDepacketizerEvent]) -> [DroppedVideoFrame] { e.compactMap { if case .dropped(let d) = $0 { d } else { nil } } }

    @Test(arguments: [1200, 200])
    func libvpxFramesComeBackWholeAndDecode(mtu: Int) throws {
        let encoded = try Self.encodeVP9(width: 320, height: 240, frames: 24)
        #expect(encoded.filter(\.isKeyframe).count == 3)
        var packetizer = try VP9Packetizer(maxPayloadSize: mtu, initialPictureID: 0x7FFE)
        var seq: UInt16 = 65_530
        var packets: [Packet] = []
        for (i, frame) in encoded.enumerated() {
            let payloads = packetizer.payloads(for: frame.data, isKeyframe: frame.isKeyframe, width: 320, height: 240)
            #expect(payloads.allSatisfy { $0.count <= mtu })
            for (j, p) in payloads.enumerated() {
                packets.append(Packet(seq: seq, ts: 0xFFFF_FF00 &+ UInt32(i) &* 3000, marker: j == payloads.count - 1, payload: p))
                seq &+= 1
            }
        }
        var d = VP9Depacketizer()
        let out = Self.frames(Self.push(&d, packets))
        #expect(out.count == encoded.count)
        #expect(out.map(\.data) == encoded.map(\.data))
        #expect(out.map(\.isKeyframe) == encoded.map(\.isKeyframe))
        #expect(out.filter(\.isKeyframe).allSatisfy { $0.width == 320 && $0.height == 240 })
        #expect(out.allSatisfy { !$0.followsLoss })
        #expect(d.predictionFlagMismatches == 0 && d.recordedSpatialLayer == 0 && d.framesSalvaged == 0)
        let decoder = try VP8Decoder(codec: .vp9)
        for f in out {
            let picture = try #require(try decoder.decode(f.data))
            #expect(!picture.isCorrupted && picture.width == 320 && picture.height == 240)
        }
    }

    @Test func uncompressedHeaderOfKeyAndInterFrames() throws {
        let encoded = try Self.encodeVP9(width: 176, height: 144, frames: 2)
        let key = try VP9FrameHeader(parsing: encoded[0].data)
        #expect(key.isKeyframe && key.profile == 0 && key.width == 176 && key.height == 144 && key.bitDepth == 8)
        let inter = try VP9FrameHeader(parsing: encoded[1].data)
        #expect(!inter.isKeyframe && inter.width == nil)
        #expect(throws: CodecsError.malformedVP9Frame(.badFrameMarker)) { try VP9FrameHeader(parsing: [0x00, 0x00]) }
        #expect(throws: CodecsError.malformedVP9Frame(.truncated)) { try VP9FrameHeader(parsing: [0x82]) }
    }

    @Test func flexibleAndNonFlexibleDescriptors() throws {
        // Flexible: I (15-bit 0x1234), P, L (TID 2, U, SID 1, D), F, B, two P_DIFFs, then data.
        let flexible: [UInt8] = [0xF8, 0x92, 0x34, 0x53, 0x03, 0x04, 0xAA]
        let f = try flexible.withUnsafeBytes { try VP9PayloadDescriptor(parsing: $0) }
        #expect(f.pictureID == 0x1234 && f.isInterPicturePredicted && f.isFlexible && f.isStartOfFrame && !f.isEndOfFrame)
        #expect(f.temporalID == 2 && f.isSwitchingUp && f.spatialID == 1 && f.isInterLayerDependent)
        #expect(f.referenceCount == 2 && f.tl0PictureIndex == nil && f.encodedSize == 6)
        // Non-flexible: I (7-bit 5), L with TL0PICIDX, B, E, V: SS with 2 layers, sizes, one picture group entry.
        let ss: [UInt8] = [0x38, 0x01, 0x40, 0x00, 0xB4, 0x02, 0x80, 0x01, 0x68, 0x01, 0x04, 0x01]
        let nonFlexible: [UInt8] = [0xAE, 0x05, 0x00, 0x07] + ss + [0xBB]
        let n = try nonFlexible.withUnsafeBytes { try VP9PayloadDescriptor(parsing: $0) }
        #expect(n.pictureID == 5 && !n.isFlexible && n.isStartOfFrame && n.isEndOfFrame && n.tl0PictureIndex == 7)
        #expect(n.ssSpatialLayers == 2 && n.ssHasSizes && n.encodedSize == nonFlexible.count - 1)
        nonFlexible.withUnsafeBytes { raw in
            #expect(n.layerSize(0, in: raw).map { [$0.width, $0.height] } == [320, 180])
            #expect(n.layerSize(1, in: raw).map { [$0.width, $0.height] } == [640, 360])
        }
        for cut in 1..<(nonFlexible.count - 1) {
            #expect(throws: MediaPipelineError.truncatedVP9Descriptor) {
                try Array(nonFlexible.prefix(cut)).withUnsafeBytes { try VP9PayloadDescriptor(parsing: $0) }
            }
        }
    }

    /// Two spatial layers (flexible mode, as Chromium's SVC): the picture is
    /// written as a superframe of both; libvpx shows the upper one. A later
    /// picture whose upper layer's last packet is lost is written from its
    /// base layer, and the next picture stays there (its upper layer frame
    /// predicts from the lost one). More in `VP9SpatialLayerTests.swift`.
    @Test func spatialLayersBecomeASuperframe() throws {
        let base = try Self.encodeVP9(width: 160, height: 120, frames: 3)
        let upper = try Self.encodeVP9(width: 320, height: 240, frames: 3)
        func layer(_ data: [UInt8], sid: UInt8, key: Bool, ss: Bool) -> [[UInt8]] {
            let half = data.count / 2
            var first: UInt8 = 0x80 | 0x20 | 0x10 | 0x08  // I, L, F, B
            if !key { first |= 0x40 }
            if ss { first |= 0x02 }
            var head: [UInt8] = [first, 0x80, 0x10, sid << 1]
            if !key { head.append(0x02) }  // one P_DIFF
            if ss { head += [0x30, 0x00, 0xA0, 0x00, 0x78, 0x01, 0x40, 0x00, 0xF0] }  // N_S=1, Y: 160x120, 320x240
            var second: UInt8 = 0x80 | 0x20 | 0x10 | 0x04  // I, L, F, E
            if !key { second |= 0x40 }
            var tail: [UInt8] = [second, 0x80, 0x10, sid << 1]
            if !key { tail.append(0x02) }
            return [head + data[..<half], tail + data[half...]]
        }
        var packets: [Packet] = []
        var seq: UInt16 = 100
        for i in 0..<3 {
            let payloads = layer(base[i].data, sid: 0, key: i == 0, ss: i == 0) + layer(upper[i].data, sid: 1, key: i == 0, ss: false)
            for (j, p) in payloads.enumerated() {
                packets.append(Packet(seq: seq, ts: UInt32(i) * 3000, marker: j == payloads.count - 1, payload: p))
                seq += 1
            }
        }
        var d = VP9Depacketizer()
        // Picture 1 loses its last packet (the upper layer's end): a gap.
        var events = Self.push(&d, Array(packets[0..<4]) + Array(packets[4..<7]))
        events += d.handleGap()
        events += Self.push(&d, Array(packets[8...]))
        let out = Self.frames(events)
        #expect(out.count == 3)
        #expect(out[0].isKeyframe && out[0].width == 320 && out[0].height == 240)
        #expect(d.recordedSpatialLayer == 0 && d.spatialLayerFalls == 1 && d.framesSalvaged == 1)
        // Superframe: both frames, then the index (marker 0b110 mm fff, sizes, marker).
        let sizes = [base[0].data.count, upper[0].data.count]
        let magnitude = sizes.max()! <= 0xFF ? 1 : sizes.max()! <= 0xFFFF ? 2 : 3
        #expect(out[0].data.count == sizes[0] + sizes[1] + 2 + 2 * magnitude)
        #expect(out[0].data.last == 0xC0 | UInt8(magnitude - 1) << 3 | 1)
        #expect(Array(out[0].data.prefix(sizes[0])) == base[0].data)
        let decoder = try VP8Decoder(codec: .vp9)
        let picture = try #require(try decoder.decode(out[0].data))
        #expect(picture.width == 320 && picture.height == 240 && !picture.isCorrupted)
        #expect(Self.drops(events).isEmpty)
        #expect(out[1].data == base[1].data && out[1].width == 160 && out[1].height == 120)
        #expect(out[2].data == base[2].data && out[2].width == nil)
        #expect(!out[1].followsLoss && !out[1].isKeyframe && d.predictionFlagMismatches == 0)
        // These descriptors repeat one picture ID, so nothing tells that no
        // picture was lost with the upper layer's end: the next follows loss.
        #expect(out[2].followsLoss)
    }

    @Test func lossAndHostilePayloads() throws {
        let encoded = try Self.encodeVP9(width: 160, height: 120, frames: 3)
        var packetizer = try VP9Packetizer(maxPayloadSize: 100)
        var all: [[Packet]] = []
        var seq: UInt16 = 0
        for (i, f) in encoded.enumerated() {
            let payloads = packetizer.payloads(for: f.data, isKeyframe: f.isKeyframe, width: 160, height: 120)
            all.append(payloads.enumerated().map { j, p in
                defer { seq += 1 }
                return Packet(seq: seq, ts: UInt32(i) * 3000, marker: j == payloads.count - 1, payload: p)
            })
        }
        #expect(all[1].count >= 2)
        var d = VP9Depacketizer()
        var events = Self.push(&d, all[0])
        events += Self.push(&d, Array(all[1].dropFirst()))  // start lost
        events += Self.push(&d, all[2])
        let out = Self.frames(events)
        #expect(out.count == 2 && out[0].isKeyframe && !out[0].followsLoss && out[1].followsLoss)
        #expect(Self.drops(events).first?.reason == .sequenceGap || Self.drops(events).first?.reason == .missingStart)
        // Garbage never traps and never makes a frame.
        var g = VP9Depacketizer()
        var rng = SystemRandomNumberGenerator()
        var garbage: [VideoDepacketizerEvent] = []
        for i in 0..<2000 {
            let n = Int.random(in: 0..<40, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            garbage += g.push(sequenceNumber: UInt16(i), timestamp: UInt32(i / 3), marker: i % 3 == 2, payload: bytes)
        }
        for f in Self.frames(garbage) { #expect(f.data.count > 0) }
        var e = VP9Depacketizer()
        let empty = e.push(sequenceNumber: 1, timestamp: 1, marker: true, payload: [0x8C, 0x01])
        #expect(Self.drops(empty).first?.reason == .malformed(.malformedVP9Payload(.empty)))
    }
}

@Suite(.enabled(if: AV1Encoder.isAvailable)) struct AV1DepacketizerTests {
    struct Packet { var seq: UInt16; var ts: UInt32; var marker: Bool; var payload: [UInt8] }

    static func encode(width: Int, height: Int, frames: Int, keyframeInterval: Int = 10) throws -> [AV1EncodedFrame] {
        let encoder = try AV1Encoder(configuration: .init(width: width, height: height, fps: 30, bitrateKbps: 300,
                                                          keyframeInterval: keyframeInterval))
        let pattern = TestPattern(width: width, height: height)
        var image = I420Image(width: width, height: height)
        var out: [AV1EncodedFrame] = []
        for i in 0..<frames {
            pattern.render(i, into: &image)
            if let f = try encoder.encode(image, pts: Int64(i) * 3000, forceKeyframe: false) { out.append(f) }
        }
        return out
    }

    static func frames(_ e: [VideoDepacketizerEvent]) -> [AssembledVideoFrame] { e.compactMap { if case .frame(let f) = $0 { f } else { nil } } }
    static func drops(_ e: [VideoDepacketizerEvent]) -> [DroppedVideoFrame] { e.compactMap { if case .dropped(let d) = $0 { d } else { nil } } }

    @Test func sequenceHeaderAndAV1C() throws {
        let encoded = try Self.encode(width: 320, height: 180, frames: 1)
        let (header, obu) = try #require(AV1OBUs.sequenceHeader(in: encoded[0].data))
        #expect(header.profile == 0 && header.maxWidth == 320 && header.maxHeight == 180)
        #expect(header.bitDepth == 8 && !header.monochrome && header.subsamplingX && header.subsamplingY)
        let av1C = header.codecConfigurationRecord(sequenceHeaderOBU: obu)
        #expect(av1C[0] == 0x81 && av1C[1] == header.level && av1C[2] & 0x0C == 0x0C && Array(av1C[4...]) == obu)
        // dav1d opens with it and decodes the unit.
        let decoder = try AV1Decoder(av1C: av1C)
        let pictures = try decoder.decode(encoded[0].data)
        #expect(pictures.map { [$0.width, $0.height] } == [[320, 180]])
    }

    @Test(arguments: [1200, 150])
    func libaomUnitsComeBackAndDecode(mtu: Int) throws {
        let encoded = try Self.encode(width: 320, height: 180, frames: 24)
        #expect(encoded.count == 24 && encoded.filter(\.isKeyframe).count == 3)
        let packetizer = try AV1Packetizer(maxPayloadSize: mtu)
        var seq: UInt16 = 65_500
        var d = AV1Depacketizer()
        var events: [VideoDepacketizerEvent] = []
        var fragmented = false
        for (i, unit) in encoded.enumerated() {
            let payloads = packetizer.payloads(forTemporalUnit: unit.data, isKeyframe: unit.isKeyframe)
            #expect(payloads.allSatisfy { $0.count <= mtu })
            if payloads.contains(where: { $0[0] & 0x80 != 0 }) { fragmented = true }
            #expect((payloads[0][0] & 0x08 != 0) == unit.isKeyframe)
            for (j, p) in payloads.enumerated() {
                events += d.push(sequenceNumber: seq, timestamp: UInt32(i) * 3000, marker: j == payloads.count - 1, payload: p)
                seq &+= 1
            }
        }
        if mtu == 150 { #expect(fragmented, "OBUs cut across packets") }
        let out = Self.frames(events)
        #expect(out.count == encoded.count && Self.drops(events).isEmpty)
        #expect(out.map(\.isKeyframe) == encoded.map(\.isKeyframe))
        #expect(out.filter(\.isKeyframe).allSatisfy { $0.width == 320 && $0.height == 180 })
        // No temporal delimiters; every OBU has its size field.
        for f in out {
            let obus = AV1OBUs.walk(f.data)
            #expect(obus.last?.obu.upperBound == f.data.count)
            #expect(!obus.contains { $0.type == AV1SequenceHeader.OBUType.temporalDelimiter })
        }
        let av1C = try #require(AV1OBUs.codecConfigurationRecord(fromTemporalUnit: out[0].data))
        let decoder = try AV1Decoder(av1C: av1C)
        var pictures = 0
        for f in out { pictures += try decoder.decode(f.data).count }
        #expect(pictures == out.count)
    }

    @Test func aggregationHeaderRulesAndLoss() throws {
        // W = 2: two elements, the first with a length, the second to the end; a TD is dropped.
        let seqHeader = try #require(AV1OBUs.sequenceHeader(in: try Self.encode(width: 64, height: 64, frames: 1)[0].data))
        var d = AV1Depacketizer()
        let td: [UInt8] = [0x12, 0x00]  // temporal delimiter with size 0
        var ev = d.push(sequenceNumber: 1, timestamp: 9, marker: true, payload: [0x20, UInt8(td.count)] + td + [0x28, 0x01, 0x02])
        #expect(Self.drops(ev).isEmpty && Self.frames(ev).isEmpty && d.emptyUnits == 1)
        // W = 1 but a length-prefixed element follows: bad. Z without an open fragment: bad.
        ev = d.push(sequenceNumber: 2, timestamp: 10, marker: true, payload: [0x80, 0x01, 0x30, 0x00])
        #expect(Self.drops(ev).first?.reason == .missingStart)
        ev = d.push(sequenceNumber: 3, timestamp: 11, marker: true, payload: [0x00, 0x05, 0x30])
        #expect(Self.drops(ev).first?.reason == .malformed(.malformedAV1Payload(.badElement)))
        // Y on the last packet of a unit (fragment never finished).
        ev = d.push(sequenceNumber: 4, timestamp: 12, marker: true, payload: [0x50, 0x32, 0x01, 0x02])
        #expect(Self.drops(ev).first?.reason == .malformed(.malformedAV1Payload(.unfinishedFragment)))
        #expect(seqHeader.header.maxWidth == 64)
        // Garbage never traps.
        var g = AV1Depacketizer()
        var rng = SystemRandomNumberGenerator()
        for i in 0..<3000 {
            let n = Int.random(in: 0..<30, using: &rng)
            _ = g.push(sequenceNumber: UInt16(i), timestamp: UInt32(i / 3), marker: i % 3 == 2,
                       payload: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }
}
