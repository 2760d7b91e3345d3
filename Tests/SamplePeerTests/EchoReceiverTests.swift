import Foundation
import Codecs
import MediaPipeline
import RTP
@testable import SamplePeer
import Testing

/// An in-process echo: takes the sender's video packets, sends them back from
/// its own SSRC with its own continuous sequence numbers (as the daemon's
/// loopback does), and loses some on the way back. PLIs from the receiver are
/// forwarded to the sender as a PLI for its own SSRC.
struct EchoRun {
    var framesSent = 0
    var statistics = EchoStatistics()
    var counters: [Int] = []
    var sentIndices: [Int] = []
    var keyframesSent = 0

    static func run(frames: Int, drop: (Int) -> Bool) throws -> EchoRun {
        let rig = try SenderRig(audio: false)
        let sender = rig.sender!
        var plis: [UInt32] = []
        let receiver = try EchoReceiver(
            pattern: TestPattern(width: 640, height: 360),
            sendTime: { sender.sendTime(ofFrame: $0) },
            requestKeyframe: { plis.append($0) })
        var echoSequence: UInt16 = 40_000
        var forwarded = 0
        for _ in 0..<frames {
            rig.advance()
            let sendNow = rig.now - rig.frameNs
            let packets = rig.sink.rtp
            rig.sink.rtp.removeAll()
            for raw in packets {
                var packet = try RTPPacket(parsing: raw)
                packet.ssrc = 0xEC40_EC40
                packet.sequenceNumber = echoSequence
                echoSequence &+= 1
                defer { forwarded += 1 }
                if drop(forwarded) { continue }
                packet.bytes.withUnsafeBytes { receiver.receiveRTP($0, now: sendNow + 5_000_000) }
            }
            for ssrc in plis {
                #expect(ssrc == 0xEC40_EC40)
                let pli = RTCPCompoundPacket.serialize([.pictureLossIndication(
                    PictureLossIndication(senderSSRC: 1, mediaSSRC: sender.videoSSRC!))])
                pli.withUnsafeBytes { sender.handleRTCP($0, now: rig.now) }
            }
            plis.removeAll()
        }
        receiver.finish(now: rig.now)
        return EchoRun(framesSent: sender.statistics.videoFramesSent, statistics: receiver.statistics,
                       counters: receiver.counters, sentIndices: rig.sentFrames.map(\.index),
                       keyframesSent: sender.statistics.keyframesSent)
    }
}

@Suite("EchoReceiver: the loopback receive side")
struct EchoReceiverTests {
    @Test("a clean echo: every frame comes back, decodes, and the counters read back in order")
    func cleanEcho() throws {
        let run = try EchoRun.run(frames: 45) { _ in false }
        #expect(run.framesSent == 45)
        #expect(run.statistics.videoFramesEchoed == 45)
        #expect(Double(run.statistics.videoFramesDecoded) >= 0.95 * Double(run.framesSent))
        #expect(run.counters == run.sentIndices, "decoded counters \(run.counters)")
        #expect(run.statistics.countersOutOfOrder == 0)
        let rtt = try #require(run.statistics.rttMeanMs)
        #expect(abs(rtt - 5) < 0.01)
        #expect(run.statistics.plisSent == 0)
        #expect(LoopbackVerdict(framesSent: run.framesSent, framesEchoed: run.statistics.videoFramesEchoed).passed)
    }

    @Test("an echo that loses half its packets: the shortfall shows, PLIs go out, the verdict fails")
    func lossyEcho() throws {
        let run = try EchoRun.run(frames: 45) { $0 % 2 == 1 }
        #expect(run.framesSent == 45)
        #expect(run.statistics.videoFramesIncomplete > 0)
        #expect(run.statistics.videoFramesEchoed < run.framesSent * 95 / 100)
        #expect(run.statistics.plisSent > 0)
        #expect(run.keyframesSent > 1, "PLIs from the receiver reached the shared encoder")
        // What did decode is still in order and matches frames that were sent.
        #expect(run.counters == run.counters.sorted())
        #expect(Set(run.counters).isSubset(of: Set(run.sentIndices)))
        let verdict = LoopbackVerdict(framesSent: run.framesSent, framesEchoed: run.statistics.videoFramesEchoed)
        #expect(!verdict.passed)
        #expect(verdict.failure?.contains("echo short") == true)
    }
}

@Suite("LoopbackVerdict and options")
struct LoopbackVerdictTests {
    @Test("≥ 95 % of frames echoed passes; less, or nothing sent, fails",
          arguments: [(100, 100, true), (100, 95, true), (100, 94, false), (300, 150, false), (0, 0, false),
                      (20, 19, true)])
    func verdict(sent: Int, echoed: Int, passes: Bool) {
        let verdict = LoopbackVerdict(framesSent: sent, framesEchoed: echoed)
        #expect(verdict.passed == passes)
        #expect((verdict.failure == nil) == passes)
    }

    @Test("--video WxH@FPS parses; bad text does not",
          arguments: [("640x360@30", VideoFormat(width: 640, height: 360, fps: 30)),
                      ("1280X720@25", VideoFormat(width: 1280, height: 720, fps: 25)),
                      ("320x240", VideoFormat(width: 320, height: 240, fps: 30)),
                      ("640x360@", nil), ("640x@30", nil), ("8x8@30", nil), ("640x360@0", nil), ("abc", nil),
                      ("640x360@30@1", nil)])
    func videoFormat(text: String, expected: VideoFormat?) {
        #expect(VideoFormat(parsing: text) == expected)
    }

    @Test("--loopback adds mode=loopback to the WHIP URL, keeping other query items")
    func offerURL() {
        let plain = PeerOptions(whip: URL(string: "http://127.0.0.1:8080/whip?x=1")!)
        #expect(plain.offerURL.absoluteString == "http://127.0.0.1:8080/whip?x=1")
        var loop = plain
        loop.loopback = true
        #expect(loop.offerURL.absoluteString == "http://127.0.0.1:8080/whip?x=1&mode=loopback")
    }

    @Test("the summary's exit status is non-zero exactly when something failed; totals add up")
    func summaryTotals() {
        var a = PeerSessionReport(id: "a", connected: true)
        a.videoFramesSent = 30
        a.packetsSent = 100
        var b = PeerSessionReport(id: "#2", connected: false, error: "HTTP 401")
        b.videoFramesSent = 0
        let ok = PeerSummary(whip: "u", loopback: false, video: "640x360@30", audio: true, durationSeconds: 1,
                             mediaSeconds: 1, sessions: [a], source: .init(), cpuSeconds: 0, failures: [])
        #expect(ok.exitStatus == 0)
        let bad = PeerSummary(whip: "u", loopback: false, video: nil, audio: true, durationSeconds: 1,
                              mediaSeconds: 1, sessions: [a, b], source: .init(), cpuSeconds: 0,
                              failures: ["session 2: HTTP 401"])
        #expect(bad.exitStatus == 1)
        #expect(bad.totals.sessions == 2 && bad.totals.connected == 1 && bad.totals.packetsSent == 100)
        #expect(bad.table.contains("error: session 2: HTTP 401"))
    }
}
