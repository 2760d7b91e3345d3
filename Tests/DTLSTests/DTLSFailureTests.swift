import CapstanTestSupport
import Testing
import DTLS

@Suite struct DTLSFailureTests {
    /// A wrong fingerprint fails the side that checks it, with
    /// `.fingerprintMismatch` (session end detail `dtls-failed`).
    @Test(arguments: [DTLSRole.client, .server])
    func wrongFingerprintFailsTheCheckingSide(_ checker: DTLSRole) throws {
        let wrong = [(algorithm: "sha-256", value: ecdsaCertificateA.sha256Fingerprint)] // nobody's peer
        let client = try DTLSEndpoint(role: .client, certificate: rsaCertificate,
                                      remoteFingerprints: checker == .client ? wrong : fingerprints(of: ecdsaCertificateB))
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: checker == .server ? wrong : fingerprints(of: rsaCertificate))
        let transcript = runHandshake(client: client, server: server)
        let checking = checker == .client ? client : server
        let other = checker == .client ? server : client
        #expect(checking.state == .failed(.fingerprintMismatch))
        #expect(checking.keyingMaterial == nil)
        let events = checker == .client ? transcript.clientEvents : transcript.serverEvents
        #expect(events == [.failed(.fingerprintMismatch)])
        #expect(DTLSError.fingerprintMismatch.sessionEndDetail == "dtls-failed")
        // The other side learns through the alert and never connects.
        #expect(other.state != .connected)
        #expect(other.keyingMaterial == nil)
    }

    @Test func serverRejectsClientWithoutCertificate() throws {
        // Our endpoints always present one; the server demands it
        // (SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Exercised in the interop test with
        // openssl; here: a garbage "certificate" fingerprint list still needs a match.
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB))
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: [("sha-256", "AB:CD")])
        _ = runHandshake(client: client, server: server)
        #expect(server.state == .failed(.fingerprintMismatch))
    }

    /// Every datagram fits the MTU, also when handshake messages must be
    /// fragmented (RFC 6347 §4.2.3), and a lost first flight is recovered by
    /// retransmission through `nextTimeout`/`handleTimeout` (RFC 6347 §4.2.4;
    /// OpenSSL's first timer is 1 s of real time).
    @Test(arguments: [1200, 400])
    func datagramsFitMTUAndLostFirstFlightIsRetransmitted(_ mtu: Int) throws {
        let client = try DTLSEndpoint(role: .client, certificate: rsaCertificate,
                                      remoteFingerprints: fingerprints(of: rsaCertificate), mtu: mtu)
        let server = try DTLSEndpoint(role: .server, certificate: rsaCertificate,
                                      remoteFingerprints: fingerprints(of: rsaCertificate), mtu: mtu)
        #expect(client.nextTimeout == nil)
        let transcript = runHandshake(client: client, server: server, dropFirstClientFlight: true, deadline: 8)
        #expect(transcript.retransmissionTimeouts >= 1)
        #expect(client.state == .connected)
        #expect(server.state == .connected)
        #expect(!transcript.datagramSizes.isEmpty)
        #expect(transcript.datagramSizes.allSatisfy { $0 <= mtu }, "sizes \(transcript.datagramSizes)")
        if mtu == 400 { #expect(transcript.datagramSizes.contains { $0 > 300 }) }
        #expect(client.nextTimeout == nil)
    }

    @Test func nextTimeoutIsOnTheCallersClock() throws {
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB))
        let fakeNow: UInt64 = 5_000_000_000_000
        let sent = client.start(now: fakeNow)
        #expect(sent.count == 1) // the ClientHello
        let timeout = try #require(client.nextTimeout)
        #expect(timeout > fakeNow)
        #expect(timeout <= fakeNow + 1_100_000_000)
        // Before the timer expires nothing is retransmitted.
        #expect(client.handleTimeout(now: fakeNow + 1).isEmpty)
    }

    private static let garbageDatagrams: [[UInt8]] = [
        [],
        [0x16],
        [0x00, 0x01, 0x00, 0x00] + Array(repeating: 0x21, count: 20),      // STUN-looking
        [0x80, 0x60] + Array(repeating: 0x11, count: 40),                   // RTP-looking
        [0x16, 0xFE, 0xFD] + Array(repeating: 0xFF, count: 30),             // DTLS header, nonsense length
        [0x16, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 200] + Array(repeating: 0x01, count: 10), // truncated record
        [0x17, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 3, 0, 32] + Array(repeating: 0xAB, count: 32),  // forged app data
        [0x15, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 50, 0, 2, 2, 40],          // plaintext fatal alert, epoch 0
        [0x15, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 50, 0, 2, 1, 0],           // forged close_notify, epoch 1
        Array(repeating: 0x16, count: 20_000),
    ] + shortProtectedRecords + randomDatagrams(seed: garbageSeed)

    /// The seed of the random garbage; a failure names it so it can be replayed.
    static let garbageSeed: UInt64 = 0xD71_5EED

    /// 40 datagrams of random bytes, 13 to 286 octets, from `seed`.
    static func randomDatagrams(seed: UInt64) -> [[UInt8]] {
        var rng = XorShiftStar(seed: seed)
        return (0..<40).map { i in (0..<(13 + i * 7)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
    }

    /// Records at epoch 1 shorter than any AES-GCM ciphertext (explicit nonce
    /// 8 + tag 16): alerts, handshake and application data of 1 to 23
    /// octets. OpenSSL 3.0.19 answers these with a fatal alert; a spoofed one
    /// ended a live session (the red CI of issue 15). Then one datagram with a
    /// short record between two forged full-size ones.
    static let shortProtectedRecords: [[UInt8]] = [0x15, 0x16, 0x17].flatMap { type in
        (1...23).map { length in [type, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 60, 0, UInt8(length)] + Array(repeating: 0x01, count: length) }
    } + [
        [0x17, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 61, 0, 32] + Array(repeating: 0xAB, count: 32)
            + [0x15, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 62, 0, 2, 1, 0]
            + [0x17, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 63, 0, 30] + Array(repeating: 0xCD, count: 30),
    ]

    @Test("garbage before, during and after the handshake is dropped (seed 0xD715EED)")
    func garbageBeforeDuringAndAfterHandshakeIsDropped() throws {
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB))
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateA))
        // Before start: counted, nothing happens.
        for g in Self.garbageDatagrams {
            #expect(g.withUnsafeBytes { server.receive($0, now: monotonicNow()) }.isEmpty)
        }
        #expect(server.droppedDatagrams[.notStarted] == Self.garbageDatagrams.count)
        #expect(server.state == .new)

        // During the handshake: interleaved with the real flights. Epoch-0
        // plaintext alerts are the exception a peer could use to abort a
        // handshake (RFC 6347 §4.1.2.7 allows it); keep them out here.
        let duringHandshake = Self.garbageDatagrams.filter { !($0.count == 15 && $0[0] == 0x15 && $0[4] == 0) }
        let transcript = runHandshake(client: client, server: server, garbage: duringHandshake)
        #expect(client.state == .connected, "client events \(transcript.clientEvents)")
        #expect(server.state == .connected, "server events \(transcript.serverEvents)")
        #expect((server.droppedDatagrams[.tooShort] ?? 0) > 0)
        #expect((server.droppedDatagrams[.notDTLS] ?? 0) > 0)
        #expect(server.droppedDatagrams[.tooLarge] == 1)

        // After the handshake: the connection survives everything.
        for g in Self.garbageDatagrams {
            let serverOut = g.withUnsafeBytes { server.receive($0, now: monotonicNow()) }
            let clientOut = g.withUnsafeBytes { client.receive($0, now: monotonicNow()) }
            #expect(!serverOut.contains { if case .failed = $0 { true } else { $0 == .closed } })
            #expect(!clientOut.contains { if case .failed = $0 { true } else { $0 == .closed } })
        }
        #expect(client.state == .connected)
        #expect(server.state == .connected)
        #expect(server.droppedDatagrams[.invalidRecord] ?? 0 >= 3 * 23)

        // And still closes cleanly.
        let closing = server.close().compactMap(\.datagram)
        var events: [DTLSOutput] = []
        for d in closing { events += d.withUnsafeBytes { client.receive($0, now: monotonicNow()) } }
        #expect(events.contains(.closed))
        let afterClose = [UInt8](repeating: 0x16, count: 40)
        #expect(afterClose.withUnsafeBytes { client.receive($0, now: monotonicNow()) }.isEmpty)
        #expect(client.droppedDatagrams[.terminated] == 1)
    }
}
