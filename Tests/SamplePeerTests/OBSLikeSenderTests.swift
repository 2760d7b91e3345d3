import Codecs
import Foundation
import MediaPipeline
import RTP
import SDP
@testable import SamplePeer
import Testing

/// The sample peer behaving like OBS or FFmpeg (`capstan peer --offer-shape
/// obs|ffmpeg --keyframe-interval 2 --first-keyframe-after 1.5 --ignore-pli
/// --ignore-nack`): offers in their shapes, keyframes on a fixed grid only,
/// joining mid-GOP, feedback counted and ignored.
@Suite("Sample peer as OBS / FFmpeg: offer shapes, fixed keyframe grid, ignored feedback")
struct OBSLikeSenderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SDPTests/Fixtures")

    @Test("the OBS and FFmpeg offers are the fixtures, line for line, given the fixtures' credentials, SSRCs and candidates",
          arguments: [OfferShape.obs, .ffmpeg])
    func offerIsTheFixture(shape: OfferShape) throws {
        let name = shape == .obs ? "obs-30-whip-h264-offer.sdp" : "ffmpeg-whip-h264-offer.sdp"
        var fixture = try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        let offer: String?
        if shape == .obs {
            offer = shape.offer(ufrag: "Wb1T", pwd: "kMk2w0bTYA0/c8HnzqGn8b", fingerprint: .sha256(
                "A7:3C:0D:52:E9:18:6B:F4:21:9E:C0:77:3A:58:D1:0F:64:B2:8E:45:19:FA:C3:06:7D:E2:91:5B:38:AC:F0:4D"),
                candidates: [ICECandidate(foundation: "1", priority: 2_122_317_823, address: "192.168.1.10", port: 51234,
                                          type: .host)],
                port: 51234, audioSSRC: 2_845_375_340, videoSSRC: 1_127_745_231, sessionID: 2_281_593_107)
            // libdatachannel's CNAME is random; ours is made from the credentials.
            fixture = fixture.map { $0.replacingOccurrences(of: "cname:Hq3d8ZkLm2Pw7Rt1", with: "cname:Wb1TkMk2w0bTYA0c") }
        } else {
            offer = shape.offer(ufrag: "5f3a91c2", pwd: "0c4e7a1b9d2f83e6a5b7c0d14e2f9a3b", fingerprint: .sha256(
                "3B:91:0E:C4:7A:22:5D:F8:16:AB:73:E0:49:C2:8D:65:F1:0A:B7:3E:92:D4:68:1C:E5:07:BA:43:9F:26:D8:71"),
                candidates: [], port: 40000, audioSSRC: 3_028_563_011, videoSSRC: 1_786_293_340,
                sessionID: 4_489_045_141_692_799_359)
        }
        let lines = try #require(offer).split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        #expect(lines == fixture, "\(lines.enumerated().filter { $0.offset >= fixture.count || fixture[$0.offset] != $0.element })")
        // It parses, and Capstan's own shape is left to SDPOfferer.
        _ = try SessionDescription(parsing: try #require(offer))
        #expect(OfferShape.capstan.offer(ufrag: "a", pwd: "b", fingerprint: .sha256("00"), candidates: [], port: 1,
                                         audioSSRC: 1, videoSSRC: 2, sessionID: 3) == nil)
    }

    @Test("credentials in each sender's format: OBS (libjuice) 4 + 22 characters, FFmpeg 8 + 32 hex digits")
    func credentials() {
        let obs = OfferShape.obs.credentials(), ffmpeg = OfferShape.ffmpeg.credentials()
        #expect(obs.ufrag.count == 4 && obs.pwd.count == 22)
        #expect(ffmpeg.ufrag.count == 8 && ffmpeg.pwd.count == 32)
        #expect((ffmpeg.ufrag + ffmpeg.pwd).allSatisfy { $0.isHexDigit })
    }

    @Test("a fixed 2 s grid joined mid-GOP: 45 delta frames, then keyframes at frames 45, 105, 165 and none else",
          arguments: ["vp8", "vp9", "h264"].filter { $0 != "h264" || H264Encoder.isAvailable })
    func keyframeGrid(codec: String) throws {
        let rig = try SenderRig(video: VideoFormat(width: 160, height: 120, fps: 30), audio: false, configure: {
            $0.videoCodec = VideoCodec(encodingName: codec.uppercased()) ?? .vp8
            $0.fixedKeyframeIntervalSeconds = 2
            $0.firstKeyframeAfterSeconds = 1.5
        })
        for _ in 0..<200 { rig.advance() }
        let keyframes = rig.sentFrames.filter(\.isKeyframe).map(\.index)
        #expect(rig.sentFrames.count == 200)
        #expect(keyframes == [45, 105, 165])
        #expect(rig.sender.statistics.videoFramesBeforeFirstKeyframe == 45)
        #expect(rig.sender.statistics.firstKeyframeAfterMs == 1500)
        #expect(rig.sender.statistics.keyframesSent == 3)
        // An encoder falling behind skips frames (the picture then jumps): still only the grid,
        // the next keyframe at the first frame at or past its grid point.
        for step in 0..<120 {
            if step % 10 == 5 { rig.now += 4 * rig.frameNs }  // 4 frames late: the source skips them
            rig.advance()
        }
        let later = rig.sentFrames.filter(\.isKeyframe).map(\.index).filter { $0 >= 200 }
        #expect(rig.source.statistics.videoFramesSkipped > 0)
        #expect(later.count == 3, "keyframes at \(later)")
        #expect(zip(later, [225, 285, 345]).allSatisfy { $0 >= $1 && $0 < $1 + 5 }, "keyframes at \(later)")
    }

    @Test("ignoring feedback: PLI and FIR are counted, no keyframe follows; NACKs are counted, nothing is resent")
    func ignoredFeedback() throws {
        let rig = try SenderRig(video: VideoFormat(width: 160, height: 120, fps: 30), audio: false, configure: {
            $0.fixedKeyframeIntervalSeconds = 2
        })
        rig.sender.ignoresKeyframeRequests = true
        rig.sender.ignoresNACK = true
        for _ in 0..<20 { rig.advance() }
        let sequence = try #require(rig.videoPackets.last).sequenceNumber
        rig.sink.rtp.removeAll()
        let feedback = RTCPCompoundPacket.serialize([
            .pictureLossIndication(PictureLossIndication(senderSSRC: 7, mediaSSRC: 0x1111_1111)),
            .fullIntraRequest(FullIntraRequest(senderSSRC: 7, entries: [.init(ssrc: 0x1111_1111, sequenceNumber: 1)])),
            .genericNACK(GenericNACK(senderSSRC: 7, mediaSSRC: 0x1111_1111, lostSequenceNumbers: [sequence])),
        ])
        feedback.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        #expect(rig.sink.rtp.isEmpty, "a NACK was answered")
        for _ in 0..<30 { rig.advance() }
        #expect(rig.sentFrames.filter(\.isKeyframe).map(\.index) == [0], "a keyframe request was answered")
        #expect(rig.sender.statistics.plisReceived == 1 && rig.sender.statistics.firsReceived == 1)
        #expect(rig.sender.statistics.nacksReceived == 1 && rig.sender.statistics.nacksServed == 0)
        #expect(rig.source.statistics.keyframeRequests == 0)
        // Without the flags the same PLI brings a keyframe (the test can fail).
        rig.sender.ignoresKeyframeRequests = false
        feedback.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        #expect(rig.advance().first?.isKeyframe == true)
    }
}
