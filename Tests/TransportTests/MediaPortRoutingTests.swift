import DTLS
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
            first.addressValidated?(peer)
            deliver(); deliver()
            second.addressValidated?(peer)
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
}
