import Codecs
import Testing
@testable import MediaPipeline

/// Spatial layers under loss (RFC 9628 §4.2: P, D, SID): a picture whose
/// upper layer frames are lost is written from its complete lower ones, the
/// recorded layer stays down while the lost layer's frames predict from
/// earlier ones (P = 1), and goes back up at a layer frame with P = 0 or a
/// keyframe. The layer frames are libvpx frames of three sizes; the
/// assertions are on which of them the written pictures hold.
extension VP9DepacketizerTests {
    /// One layer frame of a synthetic SVC picture.
    struct LayerFrame {
        var data: [UInt8]
        var sid: UInt8
        /// P: inter-picture predicted.
        var predicted: Bool
        /// D: predicts from layer SID − 1 of the same picture.
        var dependent: Bool
    }

    /// Flexible-mode packets, each layer frame in two (B, then E): I with a
    /// 15-bit picture ID, L (TID 0, SID, D), one P_DIFF when P; a base layer
    /// frame with P = 0 also carries the SS with `sizes` (Y = 1). RTP
    /// timestamps 3000 apart, the marker on each picture's last packet.
    static func svcPackets(_ pictures: [[LayerFrame]], sizes: [(Int, Int)], firstPictureID: UInt16,
                           firstSequenceNumber: UInt16 = 1000) -> [[Packet]] {
        var seq = firstSequenceNumber
        var out: [[Packet]] = []
        for (i, picture) in pictures.enumerated() {
            let pid = (firstPictureID &+ UInt16(i)) & 0x7FFF
            var payloads: [[UInt8]] = []
            for frame in picture {
                for part in 0..<2 {
                    var first: UInt8 = 0x80 | 0x20 | 0x10  // I, L, F
                    if frame.predicted { first |= 0x40 }
                    first |= part == 0 ? 0x08 : 0x04  // B / E
                    let ss = part == 0 && frame.sid == 0 && !frame.predicted
                    if ss { first |= 0x02 }
                    var head: [UInt8] = [first, 0x80 | UInt8(pid >> 8), UInt8(pid & 0xFF),
                                         frame.sid << 1 | (frame.dependent ? 1 : 0)]
                    if frame.predicted { head.append(0x02) }  // P_DIFF 1
                    if ss {
                        head.append(UInt8(sizes.count - 1) << 5 | 0x10)
                        for (w, h) in sizes { head += [UInt8(w >> 8), UInt8(w & 0xFF), UInt8(h >> 8), UInt8(h & 0xFF)] }
                    }
                    let half = frame.data.count / 2
                    payloads.append(head + (part == 0 ? frame.data[..<half] : frame.data[half...]))
                }
            }
            out.append(payloads.enumerated().map { j, p in
                defer { seq &+= 1 }
                return Packet(seq: seq, ts: UInt32(i) * 3000, marker: j == payloads.count - 1, payload: p)
            })
        }
        return out
    }

    /// The layer frames of `count` pictures from libvpx at 160x120, 320x240
    /// and 640x480 (the first `layers`); base layer keyframes every
    /// `keyframeInterval`. Every layer frame is P = 1 except on keyframes,
    /// upper ones D = 1.
    static func svcPictures(layers: Int, count: Int, keyframeInterval: Int) throws -> [[LayerFrame]] {
        let sizes = [(160, 120), (320, 240), (640, 480)]
        var encoded: [[VP8EncodedFrame]] = []
        for l in 0..<layers {
            encoded.append(try encodeVP9(width: sizes[l].0, height: sizes[l].1, frames: count,
                                         keyframeInterval: l == 0 ? keyframeInterval : 1000))
        }
        return (0..<count).map { i in
            let key = encoded[0][i].isKeyframe
            return (0..<layers).map { l in
                LayerFrame(data: encoded[l][i].data, sid: UInt8(l), predicted: !key, dependent: l > 0)
            }
        }
    }

    /// A VP9 superframe (Annex B) of `frames`, as the depacketizer writes it; one frame alone is itself.
    static func superframe(_ frames: [[UInt8]]) -> [UInt8] {
        guard frames.count > 1 else { return frames.first ?? [] }
        let largest = frames.map(\.count).max()!
        let magnitude = largest <= 0xFF ? 1 : largest <= 0xFFFF ? 2 : largest <= 0xFF_FFFF ? 3 : 4
        let marker = UInt8(0xC0 | (magnitude - 1) << 3 | (frames.count - 1))
        var out = frames.flatMap { $0 }
        out.append(marker)
        for f in frames {
            for b in 0..<magnitude { out.append(UInt8(truncatingIfNeeded: f.count >> (8 * b))) }
        }
        out.append(marker)
        return out
    }

    /// Two layers: picture 2 loses its upper layer frame's last packet (a
    /// jitter-buffer gap) → written from its base layer frame; picture 3's
    /// upper layer frame predicts from the lost one → base only; picture 4's
    /// has P = 0 (a layer sync frame) → both layers again. Nothing follows
    /// loss, nothing is dropped; the picture IDs wrap at 0x7FFF across the loss.
    @Test func twoLayersFallToTheBaseAndComeBackAtASwitchingPoint() throws {
        var pictures = try Self.svcPictures(layers: 2, count: 6, keyframeInterval: 100)
        pictures[4][1].predicted = false
        let packets = Self.svcPackets(pictures, sizes: [(160, 120), (320, 240)], firstPictureID: 0x7FFD)
        var d = VP9Depacketizer()
        var events = Self.push(&d, packets[0] + packets[1] + Array(packets[2].prefix(3)))
        // The gap only cut off the upper layer: no loss for the caller's gate.
        #expect(d.handleGap(into: &events) == false)
        events += Self.push(&d, Array(packets[3...].joined()))
        let out = Self.frames(events)
        #expect(Self.drops(events).isEmpty)
        try #require(out.count == 6)
        let layers = pictures.map { $0.map(\.data) }
        #expect(out.map(\.data) == [Self.superframe(layers[0]), Self.superframe(layers[1]), layers[2][0], layers[3][0],
                                    Self.superframe(layers[4]), Self.superframe(layers[5])])
        #expect(out.map(\.isKeyframe) == [true, false, false, false, false, false])
        #expect(out.allSatisfy { !$0.followsLoss })
        #expect(out.map(\.width) == [320, nil, 160, nil, 320, nil] && out.map(\.height) == [240, nil, 120, nil, 240, nil])
        #expect(d.recordedSpatialLayer == 1 && d.spatialLayerFalls == 1 && d.spatialLayerSwitchUps == 1)
        #expect(d.framesSalvaged == 1 && d.layerFramesSkipped == 1 && d.predictionFlagMismatches == 0)
        var none: [VideoDepacketizerEvent] = []
        #expect(d.handleGap(into: &none) == true && none.isEmpty)  // between pictures: loss
        // The salvaged and the held-down pictures are the base layer's own
        // frames: a decoder fed the base layer alone decodes them.
        let decoder = try VP8Decoder(codec: .vp9)
        for frame in layers[0..<4].map({ $0[0] }) {
            let picture = try #require(try decoder.decode(frame))
            #expect(!picture.isCorrupted && picture.width == 160)
        }
    }

    /// Three layers, the loss seen as a sequence gap (no jitter-buffer gap):
    /// picture 2 loses layer 2 → layers 0–1; picture 3's layer 2 is P = 1 →
    /// 0–1; picture 4 loses layer 1's first packet (its second and layer 2
    /// arrive, and are skipped) → layer 0; picture 5 → 0; picture 6's layer 1
    /// is P = 0 → 0–1 (layer 2 still P = 1); picture 7's layer 2 is P = 0 →
    /// 0–2; picture 8 is a keyframe that loses layer 2 → 0–1; picture 9 → 0–1.
    @Test func threeLayersStepDownAndBackUpOneSwitchingPointAtATime() throws {
        var pictures = try Self.svcPictures(layers: 3, count: 10, keyframeInterval: 8)
        #expect(pictures.map { !$0[0].predicted } == [true, false, false, false, false, false, false, false, true, false])
        pictures[6][1].predicted = false
        pictures[7][2].predicted = false
        let sizes = [(160, 120), (320, 240), (640, 480)]
        var packets = Self.svcPackets(pictures, sizes: sizes, firstPictureID: 40)
        packets[2].removeLast(2)   // layer 2 of picture 2
        packets[4].remove(at: 2)   // layer 1's first packet of picture 4
        packets[8].removeLast(2)   // layer 2 of the keyframe picture 8
        var d = VP9Depacketizer()
        let events = Self.push(&d, Array(packets.joined()))
        let out = Self.frames(events)
        #expect(Self.drops(events).isEmpty)
        try #require(out.count == 10)
        let layers = pictures.map { $0.map(\.data) }
        let kept = [3, 3, 2, 2, 1, 1, 2, 3, 2, 2]
        #expect(out.map(\.data) == kept.enumerated().map { i, n in Self.superframe(Array(layers[i].prefix(n))) })
        #expect(out.map(\.isKeyframe) == [true, false, false, false, false, false, false, false, true, false])
        #expect(out.allSatisfy { !$0.followsLoss })
        #expect(out.map(\.width) == [640, nil, 320, nil, 160, nil, 320, 640, 320, nil])
        #expect(d.recordedSpatialLayer == 1 && d.spatialLayerFalls == 2 && d.spatialLayerSwitchUps == 2)
        #expect(d.framesSalvaged == 3 && d.packetsSkippedAfterSalvage == 3 && d.predictionFlagMismatches == 0)
        // Skipped: picture 3's layer 2, picture 5's layers 1–2, picture 6's layer 2, picture 9's layer 2.
        #expect(d.layerFramesSkipped == 5)
    }

    /// A loss in the base layer frame drops the picture, as with one layer:
    /// the next picture follows loss (the gate waits for a keyframe), and the
    /// keyframe after it brings both layers back.
    @Test func baseLayerLossDropsThePicture() throws {
        let pictures = try Self.svcPictures(layers: 2, count: 5, keyframeInterval: 3)
        var packets = Self.svcPackets(pictures, sizes: [(160, 120), (320, 240)], firstPictureID: 7)
        packets[1].remove(at: 1)  // the base layer frame's second packet
        var d = VP9Depacketizer()
        let events = Self.push(&d, Array(packets.joined()))
        let out = Self.frames(events)
        let drops = Self.drops(events)
        #expect(drops.count == 1 && drops.first?.rtpTimestamp == 3000 && drops.first?.reason == .sequenceGap)
        try #require(out.count == 4)
        #expect(out.map(\.rtpTimestamp) == [0, 6000, 9000, 12000])
        #expect(out.map(\.followsLoss) == [false, true, false, false])
        #expect(out.map(\.isKeyframe) == [true, false, true, false])
        #expect(out[2].data == Self.superframe(pictures[3].map(\.data)) && out[2].width == 320)
        #expect(d.framesSalvaged == 0 && d.recordedSpatialLayer == 1 && d.spatialLayerFalls == 0)
    }

    /// A salvaged picture whose next picture is lost whole: the one after
    /// that follows loss (its picture ID is not the next one).
    @Test func aWholePictureLostAfterASalvageIsStillLoss() throws {
        let pictures = try Self.svcPictures(layers: 2, count: 4, keyframeInterval: 100)
        var packets = Self.svcPackets(pictures, sizes: [(160, 120), (320, 240)], firstPictureID: 0x7E)
        packets[1].removeLast()  // picture 1's upper layer end
        packets[2] = []          // picture 2 whole
        var d = VP9Depacketizer()
        let events = Self.push(&d, Array(packets.joined()))
        let out = Self.frames(events)
        #expect(Self.drops(events).isEmpty)
        try #require(out.count == 3)
        #expect(out.map(\.rtpTimestamp) == [0, 3000, 9000])
        #expect(out.map(\.followsLoss) == [false, false, true])
        #expect(out[1].data == pictures[1][0].data && d.framesSalvaged == 1)
    }

    /// The P bit of the base layer frame against its uncompressed header:
    /// the header decides the keyframe, a disagreement is counted.
    @Test func theFrameHeaderDecidesAndDisagreementsAreCounted() throws {
        var pictures = try Self.svcPictures(layers: 1, count: 3, keyframeInterval: 100)
        pictures[0][0].predicted = true   // a keyframe sent with P = 1
        pictures[1][0].predicted = false  // an inter frame sent with P = 0
        let packets = Self.svcPackets(pictures, sizes: [(160, 120)], firstPictureID: 1)
        var d = VP9Depacketizer()
        let out = Self.frames(Self.push(&d, Array(packets.joined())))
        #expect(out.map(\.isKeyframe) == [true, false, false])
        #expect(out[0].width == 160 && out[0].height == 120)
        #expect(d.predictionFlagMismatches == 2 && d.keyframesAssembled == 1)
    }
}
