import DTLS
import Foundation
import NIOCore
import NIOPosix
import STUN
import Testing
@testable import Transport

/// MediaPort answers runs of datagrams from one address from a one-entry
/// cache; it must follow the address when another session validates it and
/// forget it when its session leaves.
@Suite("MediaPort routing by address")
struct MediaPortRoutingTests {
    @Test("the last-route cache follows an address to a new session and forgets an unregistered one")
    func routeCacheFollowsAddress() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let drops = try await port.eventLoop.submit { () throws -> [UInt64] in
            let certificate = try DTLSCertificate.generateECDSA()
            func session(_ id: String) throws -> TransportSession {
                try TransportSession(
                    id: id, localUfrag: id, localPassword: String(repeating: "p", count: 24),
                    remoteUfrag: nil, remotePassword: nil, iceMode: .lite, dtlsRole: .server,
                    certificate: certificate,
                    remoteFingerprints: [(algorithm: "sha-256", value: certificate.sha256Fingerprint)])
            }
            let first = try session("aaaa"), second = try session("bbbb")
            port.register(first)
            port.register(second)
            let peer = IPEndpoint(ipv4: 0x7F00_0001, port: 40_000)
            // An SRTP-class datagram; neither session has keys, so each one
            // that receives it counts an srtpNotReady drop.
            let datagram = ByteBuffer(bytes: [0x80, 0x60] + [UInt8](repeating: 0, count: 40))
            func deliver() { port.receive(datagram, from: peer, now: 1) }
            first.addressValidated?(peer, nil)
            deliver(); deliver()
            second.addressValidated?(peer, nil)
            deliver()
            port.unregister(second)
            deliver()
            let result = [first.counters.drops[.srtpNotReady], second.counters.drops[.srtpNotReady],
                          port.counters.drops[.unknownSource]]
            port.unregister(first)
            return result
        }.get()
        #expect(drops == [2, 1, 1])
        try await port.close()
        try await group.shutdownGracefully()
    }

    @Test("a STUN success response carrying the request's USERNAME (libnice/Janus does) goes by address, not by the remote's ufrag in it (issue 13)")
    func responseWithUsernameRoutesByAddress() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let result = try await port.eventLoop.submit { () throws -> (UInt64, UInt64, UInt64) in
            let certificate = try DTLSCertificate.generateECDSA()
            let session = try TransportSession(
                id: "peer", localUfrag: "ours", localPassword: String(repeating: "p", count: 24),
                remoteUfrag: "jnus", remotePassword: String(repeating: "j", count: 24),
                iceMode: .controlling(remoteCandidates: [], tieBreaker: 1), dtlsRole: .server,
                certificate: certificate,
                remoteFingerprints: [(algorithm: "sha-256", value: certificate.sha256Fingerprint)])
            port.register(session)
            let janus = IPEndpoint(ipv4: 0x7F00_0001, port: 31_006)
            session.addressValidated?(janus, nil)
            // USERNAME as in the request: "<remote ufrag>:<our ufrag>".
            let response = STUNMessage(type: .bindingSuccess, transactionID: .random(),
                                       attributes: [.username("jnus:ours"), .xorMappedAddress(janus)])
                .serialize(integrityKey: Array(String(repeating: "j", count: 24).utf8), fingerprint: true)
            port.receive(ByteBuffer(bytes: response), from: janus, now: 1)
            // A request still goes by its USERNAME: an unknown ufrag is dropped.
            let request = STUNMessage(type: .bindingRequest, transactionID: .random(),
                                      attributes: [.username("jnus:ours"), .priority(1), .iceControlled(2)])
                .serialize(integrityKey: Array(String(repeating: "p", count: 24).utf8), fingerprint: true)
            port.receive(ByteBuffer(bytes: request), from: janus, now: 2)
            let out = (session.counters.stunIn, port.counters.drops[.unknownSource], session.counters.drops[.stunRejected])
            port.unregister(session)
            return out
        }.get()
        // The response reached the session (its agent had no such transaction: rejected there);
        // the request with a foreign ufrag did not.
        #expect(result.0 == 1 && result.1 == 1 && result.2 == 1, "\(result)")
        try await port.close()
        try await group.shutdownGracefully()
    }

    @Test("the socket gets a receive buffer far above Linux's 208 KiB default")
    func receiveBuffer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let small = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group, receiveBufferBytes: 65_536)
        // Linux reports twice the request; without CAP_NET_ADMIN the request
        // is capped at net.core.rmem_max.
        let rmemMax = (try? String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
        #expect(port.receiveBufferBytes >= 2 * min(MediaPort.defaultReceiveBufferBytes, rmemMax))
        #expect(small.receiveBufferBytes == 2 * 65_536)
        try await port.close()
        try await small.close()
        try await group.shutdownGracefully()
    }

    @Test("ports bound with port 0 never share an address")
    func ephemeralPortsAreDistinct() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var ports: [MediaPort] = []
        for _ in 0..<400 {
            ports.append(try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group, receiveBufferBytes: 65_536))
        }
        #expect(Set(ports.map(\.localAddress.port)).count == ports.count)
        for port in ports { try await port.close() }
        try await group.shutdownGracefully()
    }
}
