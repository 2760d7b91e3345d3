import Codecs
import MediaPipeline
import RTP
@testable import SamplePeer
import Testing

@Suite("MediaSender: NACK, PLI/FIR, sender reports")
struct MediaSenderTests {
    @Test("a generic NACK for sent sequence numbers resends the very same bytes")
    func nackRetransmitsOriginals() throws {
        let rig = try SenderRig()
        for _ in 0..<10 { rig.advance() }
        let originals = rig.sink.rtp.filter { (try? RTPPacket(parsing: $0))?.ssrc == 0x1111_1111 }
        #expect(originals.count >= 10)
        let wanted = [originals[1], originals[4], originals[5], originals[originals.count - 1]]
        let numbers = try wanted.map { try RTPPacket(parsing: $0).sequenceNumber }
        rig.sink.rtp.removeAll()
        let nack = RTCPCompoundPacket.serialize([.genericNACK(GenericNACK(
            senderSSRC: 7, mediaSSRC: 0x1111_1111, lostSequenceNumbers: numbers))])
        nack.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        #expect(rig.sink.rtp == wanted)
        #expect(rig.sender.statistics.nacksReceived == 1)
        #expect(rig.sender.statistics.nacksServed == 4)
        #expect(rig.sender.statistics.packetsSent == originals.count + rig.sender.statistics.audioFramesSent,
                "retransmissions are not counted as packets sent")
    }

    @Test("a NACK for a packet older than the history, or never sent, or for another SSRC resends nothing")
    func nackOutsideHistory() throws {
        let rig = try SenderRig()
        rig.advance()
        let first = try #require(rig.videoPackets.first).sequenceNumber
        rig.sink.rtp.removeAll()
        let late = rig.now + 1_100_000_000
        for (ssrc, numbers, now) in [(UInt32(0x1111_1111), [first], late),
                                     (0x1111_1111, [first &- 5], rig.now),
                                     (0x3333_3333, [first], rig.now)] {
            let nack = RTCPCompoundPacket.serialize([.genericNACK(GenericNACK(
                senderSSRC: 7, mediaSSRC: ssrc, lostSequenceNumbers: numbers))])
            nack.withUnsafeBytes { rig.sender.handleRTCP($0, now: now) }
        }
        #expect(rig.sink.rtp.isEmpty)
        #expect(rig.sender.statistics.nacksUnavailable == 2)
        #expect(rig.sender.statistics.nacksServed == 0)
    }

    @Test("PLI and FIR for our video SSRC make the next frame a keyframe; requests within 500 ms cost one",
          arguments: ["pli", "fir"])
    func keyframeOnRequest(kind: String) throws {
        let rig = try SenderRig()
        // Past the first keyframe and the spacing window; the periodic keyframe is at 3 s.
        for _ in 0..<20 { rig.advance() }
        #expect(rig.sentFrames.filter(\.isKeyframe).count == 1)
        #expect(rig.advance().allSatisfy { !$0.isKeyframe })
        let request: RTCPPacket = kind == "pli"
            ? .pictureLossIndication(PictureLossIndication(senderSSRC: 7, mediaSSRC: 0x1111_1111))
            : .fullIntraRequest(FullIntraRequest(senderSSRC: 7, entries: [.init(ssrc: 0x1111_1111, sequenceNumber: 1)]))
        let bytes = RTCPCompoundPacket.serialize([request])
        bytes.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        let next = rig.advance()
        #expect(next.count == 1 && next[0].isKeyframe)
        // The keyframe went out with this session's SSRC, first packet S=1.
        let last = try #require(rig.videoPackets.last)
        #expect(last.marker)
        // A second request right after is absorbed by the rate limit.
        bytes.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        #expect(rig.advance().allSatisfy { !$0.isKeyframe })
        #expect(rig.source.statistics.keyframeRequests == 2)
        #expect(rig.source.statistics.keyframeRequestsHonoured == 1)
        #expect(kind == "pli" ? rig.sender.statistics.plisReceived == 2 : rig.sender.statistics.firsReceived == 2)
        // A PLI for someone else's SSRC is ignored.
        for _ in 0..<20 { rig.advance() }
        let other = RTCPCompoundPacket.serialize([.pictureLossIndication(
            PictureLossIndication(senderSSRC: 7, mediaSSRC: 0x4444_4444))])
        other.withUnsafeBytes { rig.sender.handleRTCP($0, now: rig.now) }
        #expect(rig.advance().allSatisfy { !$0.isKeyframe })
    }

    @Test("SRs map RTP time to the clock consistently and count packets and payload octets")
    func senderReports() throws {
        let wall: UInt64 = 1_700_000_000_000_000_000
        let rig = try SenderRig(wallClock: { wall })
        for _ in 0..<30 { rig.advance() }
        let lastVideo = try #require(rig.videoPackets.last)
        let frame = try #require(rig.sentFrames.last)
        let reportTime = frame.captureTime + 500_000_000  // half a second after the last frame was due
        let compound = try #require(rig.sender.senderReports(now: reportTime))
        let packets = try RTCPCompoundPacket.parse(compound)
        let reports = packets.compactMap { if case .senderReport(let sr) = $0 { sr } else { nil } }
        #expect(reports.count == 2)
        guard case .sourceDescription = packets.last else { Issue.record("no SDES"); return }
        let video = try #require(reports.first { $0.ssrc == 0x1111_1111 })
        #expect(video.rtpTimestamp == lastVideo.timestamp &+ 45_000)
        #expect(video.ntpTimestamp == NTPTimestamp(unixNanoseconds: wall))
        let videoPackets = rig.videoPackets
        #expect(Int(video.packetCount) == videoPackets.count)
        #expect(Int(video.octetCount) == videoPackets.reduce(0) { $0 + $1.payload.count })
        let audio = try #require(reports.first { $0.ssrc == 0x2222_2222 })
        let audioPackets = rig.sink.rtp.compactMap { try? RTPPacket(parsing: $0) }.filter { $0.ssrc == 0x2222_2222 }
        #expect(Int(audio.packetCount) == audioPackets.count)
        // Audio advances 960 per 20 ms packet; the SR extrapolates from the last one.
        let lastAudio = try #require(audioPackets.last)
        let lastAudioDue = SenderRig.t0 + UInt64(audioPackets.count - 1) * 20_000_000
        #expect(audio.rtpTimestamp == lastAudio.timestamp &+ UInt32((reportTime - lastAudioDue) * 48_000 / 1_000_000_000))
        // Video timestamps advance by 3000 per frame at 30 fps, sequence numbers by one.
        let starts = videoPackets.filter { $0.payload[0] & 0x10 != 0 }
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b.timestamp &- a.timestamp == 3000) }
        for (a, b) in zip(videoPackets, videoPackets.dropFirst()) { #expect(b.sequenceNumber == a.sequenceNumber &+ 1) }
    }

    @Test("tick sends the first SR soon after media starts, then about every second")
    func tickSchedule() throws {
        let rig = try SenderRig()
        rig.sender.tick(now: rig.now)
        #expect(rig.sink.rtcp.isEmpty, "no SR before any media")
        rig.advance()
        var t = rig.now
        for _ in 0..<300 { rig.sender.tick(now: t); t += 10_000_000 }  // 3 s of 10 ms ticks
        #expect((3...4).contains(rig.sink.rtcp.count), "\(rig.sink.rtcp.count) SRs in 3 s")
    }
}
