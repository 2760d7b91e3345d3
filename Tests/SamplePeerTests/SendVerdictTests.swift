import Foundation
import SamplePeer
import Testing

@Suite("capstan peer's exit verdicts (issue 13)")
struct SendVerdictTests {
    let format = VideoFormat(width: 640, height: 360, fps: 30)

    @Test("connected but nothing sent (the Janus symptom): fails, says so, counts the refusals")
    func nothingSent() throws {
        let verdict = SendVerdict(mediaSeconds: 8, video: format, audio: true, videoFramesSent: 0,
                                  audioPacketsSent: 0, sendFailures: 1_200)
        #expect(!verdict.passed)
        #expect(verdict.videoFramesExpected == 240 && verdict.audioPacketsExpected == 400)
        let failure = try #require(verdict.failure)
        #expect(failure.hasPrefix("sent nothing: 0 of 240 video frames and 0 of 400 audio packets"), "\(failure)")
        #expect(failure.contains("refused 1200 packets"))
    }

    @Test("the threshold is 50 % of each kind", arguments: [
        (119, 400, false), (120, 400, true), (240, 199, false), (240, 200, true), (240, 400, true),
    ])
    func threshold(video: Int, audio: Int, passes: Bool) {
        let verdict = SendVerdict(mediaSeconds: 8, video: format, audio: true, videoFramesSent: video,
                                  audioPacketsSent: audio, sendFailures: 0)
        #expect(verdict.passed == passes, "\(video) video, \(audio) audio")
        #expect((verdict.failure == nil) == passes)
    }

    @Test("a kind not sent is not asked for (--no-video, --no-audio)")
    func oneKind() {
        #expect(SendVerdict(mediaSeconds: 4, video: nil, audio: true, videoFramesSent: 0, audioPacketsSent: 200,
                            sendFailures: 0).passed)
        #expect(SendVerdict(mediaSeconds: 4, video: format, audio: false, videoFramesSent: 120, audioPacketsSent: 0,
                            sendFailures: 0).passed)
        #expect(!SendVerdict(mediaSeconds: 4, video: nil, audio: true, videoFramesSent: 0, audioPacketsSent: 10,
                             sendFailures: 0).passed)
    }

    @Test("JSON summary: each session has status ok/failed, the totals count the failed ones; exit status 1")
    func summaryStatus() throws {
        let ok = PeerSessionReport(id: "a", connected: true)
        let bad = PeerSessionReport(id: "b", connected: true, error: "sent nothing")
        let summary = PeerSummary(whip: "u", loopback: false, video: "640x360@30", audio: true, durationSeconds: 1,
                                  mediaSeconds: 1, sessions: [ok, bad], source: MediaSourceStatistics(), cpuSeconds: 0,
                                  failures: ["session b: sent nothing"])
        #expect(summary.sessions.map(\.status) == ["ok", "failed"])
        #expect(summary.totals.failed == 1 && summary.exitStatus == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as? [String: Any])
        #expect((json["sessions"] as? [[String: Any]])?.last?["status"] as? String == "failed")
    }

    @Test("WHIP Link header: rel=ice-server targets, several links in one header, other relations skipped (RFC 9725 §4.6)")
    func linkHeader() {
        let header = #"<stun:stun.example.net>; rel="ice-server", <turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p"; credential-type="password", <https://example.net/doc>; rel="help""#
        #expect(WHIPClient.iceServers(fromLink: header) == ["stun:stun.example.net", "turn:turn.example.net?transport=udp"])
        #expect(WHIPClient.iceServers(fromLink: nil).isEmpty)
        #expect(WHIPClient.iceServers(fromLink: "garbage").isEmpty)
    }
}

@Suite("capstan peer's exit verdicts: a starved encoder")
struct SendVerdictEncoderTests {
    @Test("too few frames because the shared encoder skipped them: the message says so")
    func starvedEncoder() throws {
        let verdict = SendVerdict(mediaSeconds: 4, video: VideoFormat(width: 640, height: 360, fps: 30), audio: true,
                                  videoFramesSent: 36, audioPacketsSent: 197, sendFailures: 0,
                                  videoFramesEncoded: 36, videoFramesSkipped: 80)
        let failure = try #require(verdict.failure)
        #expect(failure.contains("sent too little: 36 of 120 video frames") && failure.contains("80 skipped"), "\(failure)")
    }
}
