import CapstanServer
import CapstanTestSupport
import DTLS
import Foundation
import Inspection
import NIOPosix
import SamplePeer
import SDP
import STUN
import Testing
import Transport

/// ICE over TCP (RFC 6544, passive) against the daemon built as `capstan serve` builds it:
/// the answer's candidates, a publisher whose media goes over TCP only (recorded, and shown
/// as a TCP pair by the session API and the W3C stats), and the listener's bounds.
@Suite("ICE-TCP against the daemon", .serialized)
struct ICETCPServerTests {
    static let certificate = try! DTLSCertificate.generateECDSA()
    static let auth = ["Authorization": "Bearer tok"]

    /// WHIP-answers a Chromium offer; the answer's candidates.
    static func answerCandidates(_ client: CapstanTestClient) async throws -> (id: String, candidates: [ICECandidate]) {
        let response = try await client.send(.post, "/whip", body: try OfferFixtures.named("chromium-156-vp8-opus-offer.sdp"),
                                             contentType: "application/sdp", headers: auth)
        #expect(response.status == .created, "\(response.text)")
        let id = try #require(response.header("Location")?.split(separator: "/").last.map(String.init))
        let answer = try SessionDescription(parsing: response.text)
        let candidates = try answer.media.first?.parseCandidates() ?? []
        return (id, candidates)
    }

    /// A sample's value in Prometheus text (0 when absent).
    static func value(_ name: String, in metrics: String) -> Double {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1)) ?? 0
        }
        return 0
    }

    @Test("the answer lists a tcptype passive candidate after the UDP ones, at the RFC 6544 priority, below UDP; an ICE restart's sdpfrag too; mediaTCP off drops it")
    func answerCandidates() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, _ in
            let (id, candidates) = try await Self.answerCandidates(client)
            #expect(candidates.map(\.transport) == [.udp, .tcp], "\(candidates.map(\.attributeValue))")
            let udp = try #require(candidates.first), tcp = try #require(candidates.last)
            #expect(tcp.tcpType == .passive && tcp.type == .host && tcp.address == "127.0.0.1" && tcp.port != 0)
            // (2^24)·90 + (2^8)·((2^13)·4 + 8191) + (256 − 1)
            #expect(tcp.priority == 90 << 24 + ((4 << 13) + 8191) << 8 + 255 && tcp.priority == 1_520_435_199)
            #expect(tcp.priority < udp.priority)
            // The TCP port listens: a connection is accepted.
            let port = tcp.port
            let connected = try await onOwnThread { (try? LoopbackTCPSocket(port: port)) != nil }
            #expect(connected)
            // ICE restart (RFC 9725 §4.4.1.2): our new sdpfrag lists the same candidates.
            let fragment = "a=ice-ufrag:rst1\r\na=ice-pwd:restartpassword123456789\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
            let patched = try await client.send(.patch, "/whip/\(id)", body: fragment,
                                                contentType: "application/trickle-ice-sdpfrag",
                                                headers: Self.auth.merging(["If-Match": "*"]) { $1 })
            #expect(patched.status == .ok, "\(patched.text)")
            let restart = try TrickleFragment(parsing: patched.text)
            #expect(restart.allCandidates.map(\.candidate) == candidates, "\(patched.text)")
        }
        try await InProcessCapstan.run({ $0.token = "tok"; $0.mediaTCP = .off }) { client, _ in
            let (_, candidates) = try await Self.answerCandidates(client)
            #expect(candidates.map(\.transport) == [.udp])
        }
    }

    @Test("Capstan's peer publishes over ICE-TCP only: a valid recording; GET /api/sessions/{id} and the W3C stats show the TCP pair",
          .timeLimit(.minutes(3)))
    func publishOverTCP() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, directory in
            let port = try #require(client.port)
            let whip = WHIPClient(endpoint: URL(string: "http://127.0.0.1:\(port)/whip")!, token: "tok")
            let peer = try await PublisherSession.connect(whip: whip, certificate: Self.certificate,
                                                          group: MultiThreadedEventLoopGroup.singleton,
                                                          transportProtocol: .tcp)
            let id = peer.resource.lastPathComponent
            let link = try #require(peer.tcpLink)
            #expect(await eventually(timeout: .seconds(15)) {
                (try? await client.send(.get, "/api/sessions/\(id)", headers: Self.auth).text.contains(#""state":"active""#)) == true
            })
            let sender = try MediaSender(peer: peer)
            try await sender.start()
            var summary: [String: Any] = [:]
            var stats: [String: [String: Any]] = [:]
            #expect(await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                guard let body = try? await client.send(.get, "/api/sessions/\(id)", headers: Self.auth).text,
                      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                      let text = try? await client.send(.get, "/api/sessions/\(id)/stats", headers: Self.auth).text,
                      let report = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Any]]
                else { return false }
                summary = json
                stats = report
                return ((json["recording"] as? [String: Any])?["videoFrames"] as? Int ?? 0) >= 60
            })
            let live = try #require(summary["stats"] as? [String: Any])
            #expect(live["selectedProtocol"] as? String == "tcp", "\(live)")
            let localPort = try await peer.eventLoop.submit { peer.port.localAddress.port }.get()
            #expect(live["selectedRemote"] as? String != "127.0.0.1:\(localPort)", "the TCP connection's port, not the UDP one")
            func byType(_ type: String) -> [String: Any]? { stats.values.first { $0["type"] as? String == type } }
            let local = try #require(byType("local-candidate"))
            let remote = try #require(byType("remote-candidate"))
            let pair = try #require(byType("candidate-pair"))
            #expect(local["protocol"] as? String == "tcp" && local["tcpType"] as? String == "passive", "\(local)")
            #expect(local["port"] as? Int == Int(link.remote.port) && local["priority"] as? Int == 1_520_435_199, "\(local)")
            #expect(remote["protocol"] as? String == "tcp" && remote["tcpType"] as? String == "active", "\(remote)")
            #expect(remote["candidateType"] as? String == "host", "the offer's active candidate (port 9) is matched: \(remote)")
            #expect(pair["localCandidateId"] as? String == local["id"] as? String && pair["state"] as? String == "succeeded")
            #expect((pair["packetsReceived"] as? Int ?? 0) > 100)
            for (key, object) in stats {
                let typed = try JSONDecoder().decode([String: W3CStatsTests.Scalar].self,
                                                     from: JSONSerialization.data(withJSONObject: object))
                #expect(W3CStatsTests.check(typed).isEmpty, "\(key): \(W3CStatsTests.check(typed))")
            }
            let counts = try await sender.stop()
            try await peer.hangUp()
            let recordings = directory.url.appendingPathComponent("recordings").path
            #expect(try await RecordingEndToEndTests.waitForFile("\(recordings)/\(id).json"))
            let report = MediaInspector.inspect(path: "\(recordings)/\(id).webm")
            #expect(report.valid && report.finalized && report.decodeErrors == 0, "\(report.problems)")
            let frames = report.track(.video)?.frames ?? 0
            #expect(Double(frames) >= 0.98 * Double(counts.videoFramesSent), "\(frames) of \(counts.videoFramesSent)")
            #expect((report.track(.audio)?.frames ?? 0) > 50)
            let metrics = try await client.send(.get, "/metrics", headers: Self.auth).text
            #expect(Self.value("capstan_ice_tcp_accepted_total", in: metrics) >= 1, "\(metrics)")
            #expect(Self.value("capstan_ice_tcp_frames_total{direction=\"in\"}", in: metrics) > 100, "\(metrics)")
        }
    }

    @Test("the running daemon closes a connection that sends no valid check within tcpHandshakeTimeoutSeconds, and one past tcpMaxConnectionsPerAddress; both counted in /metrics",
          .timeLimit(.minutes(2)))
    func bounds() async throws {
        try await InProcessCapstan.run({ $0.token = "tok"; $0.tcpHandshakeTimeoutSeconds = 1; $0.tcpMaxConnectionsPerAddress = 2 }) { client, _ in
            let (_, candidates) = try await Self.answerCandidates(client)
            let port = try #require(candidates.first { $0.transport == .tcp }?.port)
            // The metrics registry is the process's: other in-process daemons count in it too.
            let before = try await client.send(.get, "/metrics", headers: Self.auth).text
            let clock = ContinuousClock()
            let start = clock.now
            let closed = try await onOwnThread { () -> [Bool] in
                let silent = try LoopbackTCPSocket(port: port)
                let garbage = try LoopbackTCPSocket(port: port)
                // The third from 127.0.0.1 is over the bound at once (the other two are open).
                let third = try LoopbackTCPSocket(port: port)
                let thirdClosed = third.waitForClose(timeoutMilliseconds: 10_000)
                garbage.sendFrame([0, 1, 0, 0] + Array(repeating: 0, count: 16))     // a STUN request without USERNAME
                return [thirdClosed, garbage.waitForClose(timeoutMilliseconds: 10_000), silent.waitForClose(timeoutMilliseconds: 15_000)]
            }
            #expect(closed == [true, true, true])
            #expect(clock.now - start >= .milliseconds(900), "the silent one waited for its deadline")
            let metrics = try await client.send(.get, "/metrics", headers: Self.auth).text
            for reason in ["handshake-timeout", "limit-address", "not-stun"] {
                let name = #"capstan_ice_tcp_closed_total{reason="\#(reason)"}"#
                #expect(Self.value(name, in: metrics) - Self.value(name, in: before) == 1, "\(reason): \(metrics)")
            }
            #expect(metrics.contains("capstan_ice_tcp_connections 0"), "\(metrics)")
        }
    }
}
