import Loopback
import RTP
import Testing

/// Captures what the echo sends.
final class Wire {
    var rtp: [[UInt8]] = []
    var rtcp: [[RTCPPacket]] = []
    var output: LoopbackEcho.Output {
        LoopbackEcho.Output(sendRTP: { self.rtp.append(Array($0)) },
                            sendRTCP: { self.rtcp.append((try? RTCPCompoundPacket.parse($0)) ?? []) })
    }
}

@Suite("loopback echo")
struct LoopbackEchoTests {
    static let video = LoopbackEcho.Track(payloadType: 96, localSSRC: 0xCAFE, clockRate: 90_000)
    static let audio = LoopbackEcho.Track(payloadType: 111, localSSRC: 0xBEEF, clockRate: 48_000)

    func packet(seq: UInt16, ts: UInt32, ssrc: UInt32 = 0x1234, pt: UInt8 = 96, byte: UInt8 = 7) -> [UInt8] {
        RTPPacket(marker: seq % 3 == 0, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: ssrc,
                  payload: Array(repeating: byte, count: 100 + Int(seq % 50))).bytes
    }

    func feed(_ echo: LoopbackEcho, _ bytes: [UInt8], now: UInt64) {
        bytes.withUnsafeBytes { echo.transportDidReceiveRTP($0, now: now) }
    }

    @Test("echoed from our SSRC with continuous sequence numbers and timestamps across the wrap; payload untouched")
    func rewrites() throws {
        let wire = Wire()
        let echo = LoopbackEcho(audio: Self.audio, video: Self.video, cname: "capstan", output: wire.output)
        let inputs = (0..<100).map { i in packet(seq: UInt16(truncatingIfNeeded: 65_500 + i), ts: (UInt32.max - 3000) &+ UInt32(i) * 3000) }
        for (i, input) in inputs.enumerated() { feed(echo, input, now: UInt64(i) * 33_000_000) }
        #expect(wire.rtp.count == 100)
        let headers = try wire.rtp.map { try RTPHeader(parsing: $0) }
        #expect(headers.allSatisfy { $0.ssrc == 0xCAFE && $0.payloadType == 96 })
        for i in 1..<headers.count {
            #expect(headers[i].sequenceNumber == headers[i - 1].sequenceNumber &+ 1)
            #expect(headers[i].timestamp &- headers[i - 1].timestamp == 3000)
        }
        for (input, output) in zip(inputs, wire.rtp) {
            let a = try RTPHeader(parsing: input), b = try RTPHeader(parsing: output)
            #expect(Array(input[a.payloadRange]) == Array(output[b.payloadRange]))
            #expect(a.marker == b.marker)
        }
        #expect(echo.counters.echoed == 100)
    }

    @Test("a NACK is served from the history, or forwarded upstream with the original sequence number")
    func nack() throws {
        let wire = Wire()
        let echo = LoopbackEcho(audio: nil, video: Self.video, cname: "capstan", output: wire.output)
        for seq in UInt16(1000)..<1020 where seq != 1010 {   // 1010 never arrives
            feed(echo, packet(seq: seq, ts: UInt32(seq) * 3000), now: 0)
        }
        let sent = try wire.rtp.map { try RTPHeader(parsing: $0) }
        let first = sent[0].sequenceNumber
        let present = first &+ 3, absent = first &+ 10
        #expect(!sent.contains { $0.sequenceNumber == absent }, "a gap stays a gap")

        let request = RTCPCompoundPacket.serialize([.genericNACK(GenericNACK(
            senderSSRC: 9, mediaSSRC: 0xCAFE, lostSequenceNumbers: [present, absent]))])
        let before = wire.rtp.count
        request.withUnsafeBytes { echo.transportDidReceiveRTCP($0, now: 1) }
        #expect(wire.rtp.count == before + 1)
        #expect(wire.rtp.last == wire.rtp[3], "retransmission is byte-identical")
        guard case .genericNACK(let upstream)? = wire.rtcp.last?.first else {
            Issue.record("no NACK forwarded: \(wire.rtcp)"); return
        }
        #expect(upstream.mediaSSRC == 0x1234)
        #expect(upstream.lostSequenceNumbers == [1010])

        // The retransmission from upstream fills the gap on the same outgoing number.
        feed(echo, packet(seq: 1010, ts: 1010 * 3000), now: 2)
        #expect(try RTPHeader(parsing: wire.rtp.last!).sequenceNumber == absent)
    }

    @Test("PLI and FIR on the echoed video become a rate-limited PLI upstream")
    func keyframeRequests() throws {
        let wire = Wire()
        let echo = LoopbackEcho(audio: nil, video: Self.video, cname: "capstan", output: wire.output)
        feed(echo, packet(seq: 1, ts: 0), now: 0)
        let pli = RTCPCompoundPacket.serialize([.pictureLossIndication(PictureLossIndication(senderSSRC: 9, mediaSSRC: 0xCAFE))])
        let fir = RTCPCompoundPacket.serialize([.fullIntraRequest(FullIntraRequest(senderSSRC: 9, entries: [.init(ssrc: 0xCAFE, sequenceNumber: 1)]))])
        pli.withUnsafeBytes { echo.transportDidReceiveRTCP($0, now: 1_000_000_000) }
        pli.withUnsafeBytes { echo.transportDidReceiveRTCP($0, now: 1_100_000_000) }   // within 300 ms: suppressed
        fir.withUnsafeBytes { echo.transportDidReceiveRTCP($0, now: 1_500_000_000) }
        let forwarded = wire.rtcp.flatMap { $0 }.compactMap { packet -> PictureLossIndication? in
            if case .pictureLossIndication(let p) = packet { p } else { nil }
        }
        #expect(forwarded.count == 2)
        #expect(forwarded.allSatisfy { $0.mediaSSRC == 0x1234 })
        // A PLI for someone else's SSRC is not ours to forward.
        let other = RTCPCompoundPacket.serialize([.pictureLossIndication(PictureLossIndication(senderSSRC: 9, mediaSSRC: 77))])
        other.withUnsafeBytes { echo.transportDidReceiveRTCP($0, now: 5_000_000_000) }
        #expect(echo.counters.keyframeRequestsForwarded == 2)
    }

    @Test("sender reports for our SSRCs once a second, with counts; an upstream SSRC change keeps numbering continuous")
    func senderReportsAndRestart() throws {
        let wire = Wire()
        let echo = LoopbackEcho(audio: Self.audio, video: Self.video, cname: "capstan", output: wire.output)
        for i in 0..<10 { feed(echo, packet(seq: UInt16(i), ts: UInt32(i) * 960, pt: 111), now: UInt64(i) * 20_000_000) }
        echo.transportTick(now: 100_000_000)   // not yet due
        #expect(wire.rtcp.isEmpty)
        echo.transportTick(now: 1_000_000_000)
        let reports = wire.rtcp.flatMap { $0 }.compactMap { packet -> SenderReport? in
            if case .senderReport(let sr) = packet { sr } else { nil }
        }
        #expect(reports.count == 1)
        #expect(reports.first?.ssrc == 0xBEEF && reports.first?.packetCount == 10)
        #expect(wire.rtcp.flatMap { $0 }.contains { if case .sourceDescription = $0 { true } else { false } })

        let lastBefore = try RTPHeader(parsing: wire.rtp.last!).sequenceNumber
        feed(echo, packet(seq: 40_000, ts: 123, ssrc: 0x9999, pt: 111), now: 1_100_000_000)
        #expect(try RTPHeader(parsing: wire.rtp.last!).sequenceNumber == lastBefore &+ 1)
        feed(echo, packet(seq: 1, ts: 1, pt: 50), now: 1_200_000_000)
        #expect(echo.counters.unknownPayloadType == 1)
    }
}
