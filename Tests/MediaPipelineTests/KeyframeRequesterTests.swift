import RTP
import Testing
@testable import MediaPipeline

@Suite struct KeyframeRequesterTests {
    @Test func plisBackOffThenFIRUntilAKeyframe() {
        var r = KeyframeRequester()
        var sent: [(UInt64, KeyframeRequestAction)] = []
        if let a = r.start(now: 1_000 * ms) { sent.append((1_000 * ms, a)) }
        var t = 1_000 * ms
        while t <= 9_000 * ms {
            if let a = r.poll(now: t) { sent.append((t, a)) }
            t += 10 * ms
        }
        // 0, +250, +500, +1000, +2000, +2000 ... ms; PLI ×3 then FIR with one sequence number.
        #expect(sent.map(\.0) == [1_000, 1_250, 1_750, 2_750, 4_750, 6_750, 8_750].map { $0 * ms })
        #expect(sent.map(\.1) == [.sendPLI, .sendPLI, .sendPLI, .sendFIR(sequenceNumber: 0),
                                  .sendFIR(sequenceNumber: 0), .sendFIR(sequenceNumber: 0),
                                  .sendFIR(sequenceNumber: 0)])
        r.keyframeReceived(now: 9_000 * ms)
        #expect(r.timeToFirstKeyframeNs == 8_000 * ms)
        let none = r.poll(now: 20_000 * ms)
        #expect(none == nil)
        #expect(r.nextDeadline == nil)
        #expect(r.plisSent == 3 && r.firsSent == 4)
        // A new request starts over with a PLI; its FIRs get the next sequence number.
        let again = r.requestKeyframe(now: 30_000 * ms)
        #expect(again == .sendPLI)
        let twice = r.requestKeyframe(now: 30_001 * ms)
        #expect(twice == nil, "already waiting")
        _ = r.poll(now: 30_250 * ms)
        _ = r.poll(now: 30_750 * ms)
        let fir = r.poll(now: 31_750 * ms)
        #expect(fir == .sendFIR(sequenceNumber: 1))
        #expect(r.requests == 2)
    }

    @Test func actionsBecomeRTCPFeedback() throws {
        let pli = KeyframeRequestAction.sendPLI.rtcpPacket(senderSSRC: 1, mediaSSRC: 2)
        #expect(pli == .pictureLossIndication(PictureLossIndication(senderSSRC: 1, mediaSSRC: 2)))
        let fir = KeyframeRequestAction.sendFIR(sequenceNumber: 7).rtcpPacket(senderSSRC: 1, mediaSSRC: 2)
        var wire: [UInt8] = []
        fir.write(to: &wire)
        guard case .fullIntraRequest(let parsed) = try RTCPPacket(parsing: wire) else {
            Issue.record("not a FIR")
            return
        }
        #expect(parsed.entries == [FullIntraRequest.Entry(ssrc: 2, sequenceNumber: 7)])
        #expect(parsed.mediaSSRC == 0 && parsed.senderSSRC == 1)
    }

    @Test func keyframeStopsRetries() {
        var r = KeyframeRequester()
        let first = r.start(now: 0)
        #expect(first == .sendPLI)
        r.keyframeReceived(now: 100 * ms)
        let retry = r.poll(now: 250 * ms)
        #expect(retry == nil)
        #expect(r.timeToFirstKeyframeNs == 100 * ms)
        #expect(!r.isWaiting)
    }
}

@Suite struct VideoGateTests {
    static func frame(key: Bool, afterLoss: Bool = false) -> AssembledVP8Frame {
        AssembledVP8Frame(data: [0], rtpTimestamp: 0, isKeyframe: key, width: nil, height: nil,
                          firstSequenceNumber: 0, lastSequenceNumber: 0, pictureID: nil, followsLoss: afterLoss)
    }

    func admit(_ g: inout VideoGate, _ frame: AssembledVP8Frame) -> VideoGateDecision { g.admit(frame) }

    @Test func dropsUntilKeyframeAndAgainAfterLoss() {
        var g = VideoGate()
        #expect(admit(&g, Self.frame(key: false)) == .dropAwaitingKeyframe)
        #expect(admit(&g, Self.frame(key: true)) == .forward)
        #expect(admit(&g, Self.frame(key: false)) == .forward)
        #expect(admit(&g, Self.frame(key: false, afterLoss: true)) == .dropAfterLoss)
        #expect(admit(&g, Self.frame(key: false)) == .dropAwaitingKeyframe)
        #expect(admit(&g, Self.frame(key: true, afterLoss: true)) == .forward)
        let closed = g.noteLoss()
        #expect(closed)
        let closedAgain = g.noteLoss()
        #expect(!closedAgain, "already closed")
        #expect(admit(&g, Self.frame(key: false)) == .dropAwaitingKeyframe)
        #expect(g.forwarded == 3 && g.dropped == 4 && g.closures == 2)
    }

    @Test("only negotiated feedback is sent: FIR alone makes every request a FIR; neither sends nothing and schedules no retry")
    func negotiatedFeedbackOnly() {
        var firOnly = KeyframeRequester(configuration: .init(allowPLI: false, allowFIR: true))
        #expect(firOnly.start(now: 0) == .sendFIR(sequenceNumber: 0))
        #expect(firOnly.poll(now: 300_000_000) == .sendFIR(sequenceNumber: 0))
        #expect(firOnly.plisSent == 0 && firOnly.firsSent == 2)
        var pliOnly = KeyframeRequester(configuration: .init(plisBeforeFIR: 1, allowPLI: true, allowFIR: false))
        #expect(pliOnly.start(now: 0) == .sendPLI)
        #expect(pliOnly.poll(now: 300_000_000) == .sendPLI)
        #expect(pliOnly.firsSent == 0)
        var neither = KeyframeRequester(configuration: .init(allowPLI: false, allowFIR: false))
        #expect(neither.start(now: 0) == nil)
        #expect(neither.nextDeadline == nil && neither.isWaiting)
        #expect(neither.poll(now: 10_000_000_000) == nil)
        neither.keyframeReceived(now: 2_000_000_000)
        #expect(neither.timeToFirstKeyframeNs == 2_000_000_000 && neither.plisSent == 0 && neither.firsSent == 0)
    }
}
