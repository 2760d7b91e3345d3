import Foundation
import MediaBridge
import NIOCore
import SDP
import Transport

/// One member of a W3C stats dictionary, as JSON.
public enum StatsValue: Encodable, Sendable, Equatable {
    case string(String), integer(Int64), number(Double), bool(Bool)

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}

/// A session's statistics in the W3C `webrtc-stats` schema, as
/// `RTCPeerConnection.getStats()` would give them on our side of the call
/// (the receiver): `transport`, `candidate-pair`, `local-candidate`,
/// `remote-candidate`, `codec`, `inbound-rtp`, `remote-outbound-rtp` (from
/// the sender's RTCP sender reports). JSON: an object from stats id to the
/// stats dictionary, like `Object.fromEntries(await pc.getStats())`.
public typealias W3CStatsReport = [String: [String: StatsValue]]

extension CallSession {
    func w3cStats() -> W3CStatsReport {
        let timestamp = Date().timeIntervalSince1970 * 1000
        var report: W3CStatsReport = [:]
        func add(_ id: String, _ type: String, at time: Double? = nil, _ members: [String: StatsValue?]) {
            var stats = members.compactMapValues { $0 }
            stats["id"] = .string(id)
            stats["type"] = .string(type)
            stats["timestamp"] = .number(time ?? timestamp)
            report[id] = stats
        }
        guard let transport, let negotiated else { return report }
        let transportID = "T01"
        let counters = transport.counters
        let (localHost, mediaPort) = localMediaEndpoint
        let localPort = Int64(mediaPort)
        // ICE-TCP (RFC 6544): our side is the passive one, the peer's the active one.
        let tcp = transport.selectedProtocol == .tcp
        let proto = tcp ? "tcp" : "udp"
        let localID = "CL-\(proto)-\(localHost)-\(localPort)"
        var pairID: String?
        if let remote = transport.selectedRemote {
            let remoteHost = remote.description.hasPrefix("[")
                ? String(remote.description.dropFirst().prefix { $0 != "]" })
                : String(remote.description.prefix { $0 != ":" })
            // An active TCP candidate is signalled with port 9 (RFC 6544 §4.5): match its address.
            let signalled = tcp
                ? negotiated.remoteCandidates.first { $0.transport == .tcp && $0.tcpType == .active && $0.address == remoteHost }
                : negotiated.remoteCandidates.first { $0.transport == .udp && $0.address == remoteHost && $0.port == remote.port }
            let remoteID = "CR-\(proto)-\(remoteHost)-\(remote.port)"
            pairID = "CP-\(proto)-\(localHost)-\(localPort)-\(remoteHost)-\(remote.port)"
            add(localID, "local-candidate", [
                "transportId": .string(transportID), "address": .string(localHost), "port": .integer(localPort),
                "protocol": .string(proto), "candidateType": .string("host"),
                "tcpType": tcp ? .string("passive") : nil,
                "priority": .integer(Int64(firstLocalCandidate?.priority ?? 2_130_706_431)),
                "foundation": firstLocalCandidate.map { .string($0.foundation) },
                "usernameFragment": .string(transport.localUfrag),
            ])
            add(remoteID, "remote-candidate", [
                "transportId": .string(transportID), "address": .string(remoteHost), "port": .integer(Int64(remote.port)),
                "protocol": .string(proto), "tcpType": tcp ? .string("active") : nil,
                // Not among the signalled candidates: learnt from its checks (RFC 8445 §7.3.1.3).
                "candidateType": .string(signalled?.type.rawValue ?? "prflx"),
                "priority": signalled.map { .integer(Int64($0.priority)) },
                "foundation": signalled.map { .string($0.foundation) },
                "relatedAddress": signalled?.relatedAddress.map { .string($0) },
                "relatedPort": signalled?.relatedPort.map { .integer(Int64($0)) },
                "usernameFragment": .string(negotiated.remoteICEUfrag),
            ])
            add(pairID!, "candidate-pair", [
                "transportId": .string(transportID), "localCandidateId": .string(localID),
                "remoteCandidateId": .string(remoteID),
                "state": .string(transport.state == .failed ? "failed" : "succeeded"), "nominated": .bool(true),
                "packetsReceived": .integer(Int64(counters.rtpPacketsIn + counters.rtcpPacketsIn)),
                "packetsSent": .integer(Int64(counters.rtpPacketsOut + counters.rtcpPacketsOut)),
                "bytesReceived": .integer(Int64(counters.rtpBytesIn)),
                "requestsReceived": .integer(Int64(counters.stunIn)),
                "responsesSent": .integer(Int64(counters.stunIn)),
            ])
        }
        let dtlsState: String = switch transport.state {
        case .checking, .handshaking: "connecting"
        case .connected: "connected"
        case .failed: "failed"
        case .closed: "closed"
        }
        let iceState: String = switch transport.state {
        case .checking: transport.selectedRemote == nil ? "checking" : "connected"
        case .handshaking, .connected: "connected"
        case .failed: "failed"
        case .closed: "closed"
        }
        add(transportID, "transport", [
            "packetsReceived": .integer(Int64(counters.rtpPacketsIn + counters.rtcpPacketsIn + counters.stunIn + counters.dtlsIn)),
            "packetsSent": .integer(Int64(counters.rtpPacketsOut + counters.rtcpPacketsOut)),
            "bytesReceived": .integer(Int64(counters.rtpBytesIn)),
            "iceRole": .string("controlled"), "iceLocalUsernameFragment": .string(transport.localUfrag),
            "iceState": .string(iceState), "dtlsState": .string(dtlsState),
            "dtlsRole": .string(negotiated.dtlsRole == .server ? "server" : "client"),
            "selectedCandidatePairId": pairID.map { .string($0) },
            "srtpCipher": transport.profile.map { .string(Self.ianaName(of: $0.description)) },
        ])
        for track in bridge?.inboundStatistics ?? [] {
            let codecID = "CO-\(track.payloadType)"
            let mime = "\(track.kind)/\(track.codec)"
            let kind: MediaKind = track.kind == "video" ? .video : .audio
            let negotiatedTrack = negotiated.tracks.first { $0.kind == kind }
            // The codec as negotiated: the rtpmap's channel count (Opus is
            // always `opus/48000/2`, RFC 7587 §7), as browsers report it; the
            // recording's channel count follows `stereo=1` instead.
            let channels = track.channels.map { negotiatedTrack?.channels ?? $0 }
            add(codecID, "codec", [
                "payloadType": .integer(Int64(track.payloadType)), "transportId": .string(transportID),
                "mimeType": .string(mime), "clockRate": .integer(Int64(track.clockRate)),
                "channels": channels.map { .integer(Int64($0)) },
                "sdpFmtpLine": track.formatParameters.map { .string($0) },
            ])
            let mid = negotiatedTrack?.mid
            let inboundID = "IT-\(track.kind)-\(track.ssrc)"
            let remoteID = "RO-\(track.kind)-\(track.ssrc)"
            add(inboundID, "inbound-rtp", [
                "ssrc": .integer(Int64(track.ssrc)), "kind": .string(track.kind), "transportId": .string(transportID),
                "codecId": .string(codecID), "trackIdentifier": .string("capstan-\(id)-\(track.kind)"),
                "mid": mid.map { .string($0) },
                "remoteId": track.senderReport == nil ? nil : .string(remoteID),
                "packetsReceived": .integer(Int64(track.packetsReceived)), "packetsLost": .integer(Int64(track.packetsLost)),
                "jitter": .number(track.jitterSeconds),
                "bytesReceived": .integer(Int64(track.bytesReceived)),
                "headerBytesReceived": .integer(Int64(track.headerBytesReceived)),
                "nackCount": .integer(Int64(track.nackCount)),
                "pliCount": track.pliCount.map { .integer(Int64($0)) },
                "firCount": track.firCount.map { .integer(Int64($0)) },
                "framesReceived": track.framesReceived.map { .integer(Int64($0)) },
                "frameWidth": track.frameWidth.map { .integer(Int64($0)) },
                "frameHeight": track.frameHeight.map { .integer(Int64($0)) },
            ])
            if let sr = track.senderReport {
                // Remote stats are stamped with the time the report arrived.
                add(remoteID, "remote-outbound-rtp", at: sr.arrivalMs, [
                    "ssrc": .integer(Int64(track.ssrc)), "kind": .string(track.kind), "transportId": .string(transportID),
                    "codecId": .string(codecID), "localId": .string(inboundID),
                    "packetsSent": .integer(Int64(sr.packetsSent)), "bytesSent": .integer(Int64(sr.bytesSent)),
                    "remoteTimestamp": .number(sr.remoteTimestampMs), "reportsSent": .integer(Int64(sr.reportsReceived)),
                ])
            }
        }
        return report
    }

    /// OpenSSL's SRTP profile name → the IANA one the spec asks for.
    static func ianaName(of openSSL: String) -> String {
        switch openSSL {
        case "SRTP_AEAD_AES_128_GCM": "AEAD_AES_128_GCM"
        case "SRTP_AES128_CM_SHA1_80": "AES_CM_128_HMAC_SHA1_80"
        default: openSSL
        }
    }
}

extension SessionManager {
    /// The W3C stats of a live session; nil when there is none.
    public func w3cStats(id: String) async -> W3CStatsReport? {
        (try? await eventLoop.submit { [self] in sessions[id]?.w3cStats() }.get()) ?? nil
    }
}
