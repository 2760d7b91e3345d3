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

@Suite("WHIP ICE restart by PATCH (RFC 9725 §4.4.1)", .serialized)
struct ICERestartTests {
    /// One binding request from a fresh UDP socket; the raw response, or nil after 500 ms.
    func bindingCheck(to target: IPEndpoint, username: String, password: String) throws -> [UInt8]? {
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
        let daemon = try DaemonProcess()
        defer { daemon.stop() }
        try await daemon.start()
        let whip = WHIPClient(endpoint: daemon.httpBase.appendingPathComponent("whip"))
        let peer = try await PublisherSession.connect(whip: whip, certificate: try DTLSCertificate.generateECDSA(),
                                                      group: MultiThreadedEventLoopGroup.singleton)
        defer { Task { await peer.tearDown() } }
        let oldServerUfrag = peer.negotiated.remoteICEUfrag
        let media = try #require(IPEndpoint(daemon.mediaAddress))

        let fragment = "a=ice-ufrag:rst1\r\na=ice-pwd:restartpassword123456789\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
        let response = try await daemon.request("PATCH", peer.resource.path, body: fragment,
                                                contentType: "application/trickle-ice-sdpfrag", headers: ["If-Match": "*"])
        #expect(response.status == 200, "\(response.body)")
        #expect(response.headers["content-type"] == "application/trickle-ice-sdpfrag")
        let answer = try TrickleFragment(parsing: response.body)
        let credentials = try #require(answer.credentials)
        #expect(credentials.ufrag != oldServerUfrag)
        #expect(response.headers["etag"] == "\"\(credentials.ufrag)\"")
        #expect(answer.allCandidates.contains { $0.candidate.port == media.port })

        // A check with the new credentials is answered, with integrity under the new password.
        let reply = try #require(try bindingCheck(to: media, username: "\(credentials.ufrag):rst1", password: credentials.pwd))
        let parsed = try STUNMessage(parsing: reply)
        #expect(parsed.type == .bindingSuccess)
        #expect(reply.withUnsafeBytes { STUNMessage.verifyIntegrity($0, key: Array(credentials.pwd.utf8)) })
        // The old ufrag no longer reaches the session.
        #expect(try bindingCheck(to: media, username: "\(oldServerUfrag):\(peer.transport.localUfrag)", password: "x") == nil)

        let summary = try await daemon.request("GET", "/api/sessions/\(peer.resource.lastPathComponent)").body
        #expect(summary.contains("ice-restart"))
    }
}
