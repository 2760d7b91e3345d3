import CapstanTestSupport
import DTLS
import Foundation
import NIOPosix
import SamplePeer
import SDP
import STUN
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("WHIP ICE restart by PATCH (RFC 9725 §4.4.1), in process")
struct ICERestartTests {
    /// One binding request from a fresh UDP socket; the raw response, or nil after 500 ms.
    /// Blocking: run it on a thread of its own.
    static func bindingCheck(to target: IPEndpoint, username: String, password: String) throws -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = STUNMessage(type: .bindingRequest, attributes: [
            .username(username), .priority(1_845_501_695), .iceControlling(42),
        ]).serialize(integrityKey: Array(password.utf8), fingerprint: true)
        _ = target.withSockAddr { address, length in
            request.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, length) }
        }
        var buffer = [UInt8](repeating: 0, count: 1500)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[0..<count]) : nil
    }

    @Test("new credentials in a PATCH restart ICE: 200 with our new sdpfrag and ETag; checks use the new credentials")
    func restart() async throws {
        try await InProcessCapstan.run() { client, _ in
            let port = try #require(client.port)
            let whip = WHIPClient(endpoint: URL(string: "http://127.0.0.1:\(port)/whip")!)
            let peer = try await PublisherSession.connect(whip: whip, certificate: try DTLSCertificate.generateECDSA(),
                                                          group: MultiThreadedEventLoopGroup.singleton)
            let oldServerUfrag = peer.negotiated.remoteICEUfrag
            let media = try #require(peer.negotiated.remoteCandidates.compactMap { IPEndpoint(address: $0.address, port: $0.port) }.first)

            let fragment = "a=ice-ufrag:rst1\r\na=ice-pwd:restartpassword123456789\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
            let response = try await client.send(.patch, peer.resource.path, body: fragment,
                                                 contentType: "application/trickle-ice-sdpfrag", headers: ["If-Match": "*"])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.header("Content-Type") == "application/trickle-ice-sdpfrag")
            let answer = try TrickleFragment(parsing: response.text)
            let credentials = try #require(answer.credentials)
            #expect(credentials.ufrag != oldServerUfrag)
            #expect(response.header("ETag") == "\"\(credentials.ufrag)\"")
            #expect(answer.allCandidates.contains { $0.candidate.port == media.port })

            // A check with the new credentials is answered, with integrity under the new password.
            let reply = try #require(try await onOwnThread {
                try Self.bindingCheck(to: media, username: "\(credentials.ufrag):rst1", password: credentials.pwd)
            })
            let parsed = try STUNMessage(parsing: reply)
            #expect(parsed.type == .bindingSuccess)
            #expect(reply.withUnsafeBytes { STUNMessage.verifyIntegrity($0, key: Array(credentials.pwd.utf8)) })
            // The old ufrag no longer reaches the session.
            let oldUsername = "\(oldServerUfrag):\(peer.transport.localUfrag)"
            #expect(try await onOwnThread { try Self.bindingCheck(to: media, username: oldUsername, password: "x") } == nil)

            let summary = try await client.send(.get, "/api/sessions/\(peer.resource.lastPathComponent)").text
            #expect(summary.contains("ice-restart"))
            await peer.tearDown()
        }
    }
}
