import CapstanServer
import CapstanTestSupport
import DTLS
import Foundation
import NIOPosix
import SamplePeer
import STUN
import Testing

/// `GET /api/sessions/{id}/stats` against the W3C `webrtc-stats` dictionaries
/// (Candidate Recommendation), for a live session fed by a real sender
/// (`MediaSender`: libvpx VP8 + libopus, sender reports every second).
@Suite("W3C webrtc-stats of a live session")
struct W3CStatsTests {
    /// A member's WebIDL type, as JSON can carry it.
    enum IDL: Equatable {
        case string, unsignedLong, long, double, boolean
        case enumeration(Set<String>)
    }

    /// The spec's dictionaries (webrtc-stats §7, WebIDL), the members this
    /// report may use, with `required` ones marked. Inherited members are
    /// listed in each leaf (RTCStats → RTCRtpStreamStats → …).
    static let rtcStats: [String: (IDL, Bool)] = [
        "timestamp": (.double, true), "type": (.string, true), "id": (.string, true),
    ]
    static let rtpStream: [String: (IDL, Bool)] = [
        "ssrc": (.unsignedLong, true), "kind": (.string, true), "transportId": (.string, false), "codecId": (.string, false),
    ]
    static let receivedRtpStream: [String: (IDL, Bool)] = [
        "packetsReceived": (.unsignedLong, false), "packetsReceivedWithEct1": (.unsignedLong, false),
        "packetsReceivedWithCe": (.unsignedLong, false), "packetsReportedAsLost": (.unsignedLong, false),
        "packetsReportedAsLostButRecovered": (.unsignedLong, false), "packetsLost": (.long, false), "jitter": (.double, false),
    ]
    static let dictionaries: [String: [String: (IDL, Bool)]] = [
        // RTCCodecStats
        "codec": rtcStats.merging([
            "payloadType": (.unsignedLong, true), "transportId": (.string, true), "mimeType": (.string, true),
            "clockRate": (.unsignedLong, false), "channels": (.unsignedLong, false), "sdpFmtpLine": (.string, false),
        ]) { a, _ in a },
        // RTCInboundRtpStreamStats : RTCReceivedRtpStreamStats
        "inbound-rtp": rtcStats.merging(rtpStream) { a, _ in a }.merging(receivedRtpStream) { a, _ in a }.merging([
            "trackIdentifier": (.string, true), "mid": (.string, false), "remoteId": (.string, false),
            "framesDecoded": (.unsignedLong, false), "keyFramesDecoded": (.unsignedLong, false),
            "framesRendered": (.unsignedLong, false), "framesDropped": (.unsignedLong, false),
            "frameWidth": (.unsignedLong, false), "frameHeight": (.unsignedLong, false),
            "framesPerSecond": (.double, false), "qpSum": (.unsignedLong, false),
            "lastPacketReceivedTimestamp": (.double, false), "headerBytesReceived": (.unsignedLong, false),
            "packetsDiscarded": (.unsignedLong, false), "fecBytesReceived": (.unsignedLong, false),
            "fecPacketsReceived": (.unsignedLong, false), "fecPacketsDiscarded": (.unsignedLong, false),
            "bytesReceived": (.unsignedLong, false), "nackCount": (.unsignedLong, false), "firCount": (.unsignedLong, false),
            "pliCount": (.unsignedLong, false), "framesReceived": (.unsignedLong, false),
            "jitterBufferDelay": (.double, false), "jitterBufferEmittedCount": (.unsignedLong, false),
            "retransmittedPacketsReceived": (.unsignedLong, false), "retransmittedBytesReceived": (.unsignedLong, false),
        ]) { a, _ in a },
        // RTCRemoteOutboundRtpStreamStats : RTCSentRtpStreamStats
        "remote-outbound-rtp": rtcStats.merging(rtpStream) { a, _ in a }.merging([
            "packetsSent": (.unsignedLong, false), "bytesSent": (.unsignedLong, false),
            "localId": (.string, false), "remoteTimestamp": (.double, false), "reportsSent": (.unsignedLong, false),
            "roundTripTime": (.double, false), "totalRoundTripTime": (.double, false),
            "roundTripTimeMeasurements": (.unsignedLong, false),
        ]) { a, _ in a },
        // RTCTransportStats
        "transport": rtcStats.merging([
            "packetsSent": (.unsignedLong, false), "packetsReceived": (.unsignedLong, false),
            "bytesSent": (.unsignedLong, false), "bytesReceived": (.unsignedLong, false),
            "iceRole": (.enumeration(["unknown", "controlling", "controlled"]), false),
            "iceLocalUsernameFragment": (.string, false),
            "dtlsState": (.enumeration(["new", "connecting", "connected", "closed", "failed"]), true),
            "iceState": (.enumeration(["new", "checking", "connected", "completed", "disconnected", "failed", "closed"]), false),
            "selectedCandidatePairId": (.string, false), "localCertificateId": (.string, false),
            "remoteCertificateId": (.string, false), "tlsVersion": (.string, false), "dtlsCipher": (.string, false),
            "dtlsRole": (.enumeration(["client", "server", "unknown"]), false), "srtpCipher": (.string, false),
            "selectedCandidatePairChanges": (.unsignedLong, false),
        ]) { a, _ in a },
        // RTCIceCandidatePairStats
        "candidate-pair": rtcStats.merging([
            "transportId": (.string, true), "localCandidateId": (.string, true), "remoteCandidateId": (.string, true),
            "state": (.enumeration(["frozen", "waiting", "in-progress", "failed", "succeeded"]), true),
            "nominated": (.boolean, false), "packetsSent": (.unsignedLong, false), "packetsReceived": (.unsignedLong, false),
            "bytesSent": (.unsignedLong, false), "bytesReceived": (.unsignedLong, false),
            "lastPacketSentTimestamp": (.double, false), "lastPacketReceivedTimestamp": (.double, false),
            "totalRoundTripTime": (.double, false), "currentRoundTripTime": (.double, false),
            "availableOutgoingBitrate": (.double, false), "availableIncomingBitrate": (.double, false),
            "requestsReceived": (.unsignedLong, false), "requestsSent": (.unsignedLong, false),
            "responsesReceived": (.unsignedLong, false), "responsesSent": (.unsignedLong, false),
            "consentRequestsSent": (.unsignedLong, false), "packetsDiscardedOnSend": (.unsignedLong, false),
            "bytesDiscardedOnSend": (.unsignedLong, false),
        ]) { a, _ in a },
    ]
    /// RTCIceCandidateStats, for `local-candidate` and `remote-candidate`.
    static let candidate: [String: (IDL, Bool)] = rtcStats.merging([
        "transportId": (.string, true), "address": (.string, false), "port": (.long, false),
        "protocol": (.string, false), "candidateType": (.enumeration(["host", "srflx", "prflx", "relay"]), true),
        "priority": (.long, false), "url": (.string, false),
        "relayProtocol": (.enumeration(["udp", "tcp", "tls"]), false), "foundation": (.string, false),
        "relatedAddress": (.string, false), "relatedPort": (.long, false), "usernameFragment": (.string, false),
        "tcpType": (.enumeration(["active", "passive", "so"]), false),
    ]) { a, _ in a }

    /// A JSON scalar as written: JSONDecoder is strict (a number is never
    /// a Bool, 1.5 is never an integer), so the JSON type is told exactly.
    enum Scalar: Decodable, CustomStringConvertible {
        case bool(Bool), integer(Int64), number(Double), string(String)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Bool.self) { self = .bool(v) }
            else if let v = try? c.decode(Int64.self) { self = .integer(v) }
            else if let v = try? c.decode(Double.self) { self = .number(v) }
            else { self = .string(try c.decode(String.self)) }
        }

        var description: String {
            switch self {
            case .bool(let v): "\(v)"
            case .integer(let v): "\(v)"
            case .number(let v): "\(v)"
            case .string(let v): "\"\(v)\""
            }
        }
    }

    /// Problems with one stats object against its dictionary: unknown
    /// members, wrong JSON types, missing required members.
    static func check(_ stats: [String: Scalar]) -> [String] {
        guard case .string(let type) = stats["type"] else { return ["no type"] }
        guard let dictionary = type.hasSuffix("-candidate") ? candidate : dictionaries[type] else {
            return ["unexpected type \(type)"]
        }
        var problems: [String] = []
        for (name, value) in stats {
            guard let (idl, _) = dictionary[name] else {
                problems.append("\(type).\(name) is not a member of the spec's dictionary")
                continue
            }
            let ok: Bool
            switch (idl, value) {
            case (.string, .string): ok = true
            case (.enumeration(let values), .string(let v)): ok = values.contains(v)
            case (.boolean, .bool): ok = true
            case (.double, .number), (.double, .integer): ok = true
            case (.unsignedLong, .integer(let v)): ok = v >= 0
            case (.long, .integer): ok = true
            default: ok = false
            }
            if !ok { problems.append("\(type).\(name) = \(value) is not a \(idl)") }
        }
        for (name, (_, required)) in dictionary where required && stats[name] == nil {
            problems.append("\(type) lacks required \(name)")
        }
        return problems
    }

    static let certificate = try! DTLSCertificate.generateECDSA()

    @Test("transport, candidate-pair, candidates, codec, inbound-rtp and remote-outbound-rtp: members and JSON types per the spec, ids resolve, values plausible")
    func liveSessionStats() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, _ in
            let port = try #require(client.port)
            let whip = WHIPClient(endpoint: URL(string: "http://127.0.0.1:\(port)/whip")!, token: "tok")
            let peer = try await PublisherSession.connect(whip: whip, certificate: Self.certificate,
                                                          group: MultiThreadedEventLoopGroup.singleton)
            let id = peer.resource.lastPathComponent
            let auth = ["Authorization": "Bearer tok"]
            #expect(await eventually(timeout: .seconds(15)) {
                (try? await client.send(.get, "/api/sessions/\(id)", headers: auth).text.contains(#""state":"active""#)) == true
            })
            let sender = try MediaSender(peer: peer)
            try await sender.start()

            #expect(try await client.send(.get, "/api/sessions/\(id)/stats").status == .unauthorized)
            var report: [String: [String: Any]] = [:]
            var text = ""
            func byType(_ type: String) -> [[String: Any]] { report.values.filter { $0["type"] as? String == type } }
            let complete = await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                guard let body = try? await client.send(.get, "/api/sessions/\(id)/stats", headers: auth).text,
                      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: Any]] else { return false }
                report = json
                text = body
                let video = byType("inbound-rtp").first { $0["kind"] as? String == "video" }
                return byType("remote-outbound-rtp").count == 2 && (video?["framesReceived"] as? Int ?? 0) >= 60
            }
            _ = try await sender.stop()
            #expect(complete, "\(report)")

            for type in ["transport", "candidate-pair", "local-candidate", "remote-candidate"] {
                #expect(byType(type).count == 1, "\(type): \(byType(type).count)")
            }
            #expect(byType("codec").count == 2 && byType("inbound-rtp").count == 2)
            let typed = try JSONDecoder().decode([String: [String: Scalar]].self, from: Data(text.utf8))
            #expect(typed.count == report.count)
            for (key, stats) in typed {
                let problems = Self.check(stats)
                #expect(problems.isEmpty, "\(key): \(problems)")
            }
            for (key, stats) in report {
                #expect(stats["id"] as? String == key)
                // Every *Id names a stats object of the report.
                for (name, value) in stats where name.hasSuffix("Id") && name != "id" {
                    if let reference = value as? String { #expect(report[reference] != nil, "\(key).\(name) → \(reference)") }
                }
                let timestamp = try #require(stats["timestamp"] as? Double)
                #expect(abs(timestamp / 1000 - Date().timeIntervalSince1970) < 60, "\(key) timestamp \(timestamp)")
            }

            let transport = try #require(byType("transport").first)
            #expect(transport["dtlsState"] as? String == "connected" && transport["iceRole"] as? String == "controlled")
            let pair = try #require(byType("candidate-pair").first)
            #expect(pair["state"] as? String == "succeeded" && transport["selectedCandidatePairId"] as? String == pair["id"] as? String)
            let remote = try #require(byType("remote-candidate").first)
            #expect(remote["address"] as? String == "127.0.0.1" && remote["port"] as? Int == Int(peer.port.localAddress.port), "\(remote)")

            let video = try #require(byType("inbound-rtp").first { $0["kind"] as? String == "video" })
            let audio = try #require(byType("inbound-rtp").first { $0["kind"] as? String == "audio" })
            for track in [video, audio] {
                #expect((track["packetsReceived"] as? Int ?? 0) > 50, "\(track)")
                #expect((track["bytesReceived"] as? Int ?? 0) > (track["packetsReceived"] as? Int ?? 0))
                #expect(track["packetsLost"] as? Int == 0, "loopback loses nothing: \(track)")
                let jitter = try #require(track["jitter"] as? Double)
                #expect(jitter >= 0 && jitter < 0.5, "\(jitter)")
            }
            #expect(video["frameWidth"] as? Int == 320 && video["frameHeight"] as? Int == 240, "\(video)")
            #expect((video["pliCount"] as? Int ?? 0) + (video["firCount"] as? Int ?? 0) >= 1, "a keyframe was asked for at the start")
            #expect(video["nackCount"] is Int)
            let videoCodec = try #require(report[video["codecId"] as? String ?? ""])
            #expect(videoCodec["mimeType"] as? String == "video/VP8" && videoCodec["clockRate"] as? Int == 90000)
            let audioCodec = try #require(report[audio["codecId"] as? String ?? ""])
            #expect(audioCodec["mimeType"] as? String == "audio/opus" && audioCodec["clockRate"] as? Int == 48000)
            #expect(audioCodec["channels"] as? Int == 2)
            let remoteVideo = try #require(report[video["remoteId"] as? String ?? ""])
            #expect(remoteVideo["type"] as? String == "remote-outbound-rtp" && remoteVideo["localId"] as? String == video["id"] as? String)
            #expect((remoteVideo["packetsSent"] as? Int ?? 0) > 0 && (remoteVideo["reportsSent"] as? Int ?? 0) >= 1)
            #expect(remoteVideo["ssrc"] as? Int == video["ssrc"] as? Int)

            await peer.tearDown()
            #expect(await eventually {
                (try? await client.send(.get, "/api/sessions/\(id)/stats", headers: auth).status) == .notFound
            })
        }
    }
}
