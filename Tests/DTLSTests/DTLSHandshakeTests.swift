import Testing
import DTLS

struct HandshakeCase: Sendable, CustomTestStringConvertible {
    let client: KeyKind
    let server: KeyKind
    let profile: SRTPProfile
    var testDescription: String { "\(client.rawValue) client × \(server.rawValue) server, \(profile)" }
}

let handshakeCases: [HandshakeCase] = [(KeyKind.ecdsa, KeyKind.ecdsa), (.rsa, .ecdsa), (.ecdsa, .rsa)].flatMap { pair in
    SRTPProfile.allCases.map { HandshakeCase(client: pair.0, server: pair.1, profile: $0) }
}

@Suite struct DTLSHandshakeTests {
    @Test(arguments: handshakeCases)
    func handshakeAgreesOnKeysAndSRTPWorks(_ c: HandshakeCase) throws {
        let clientCertificate = certificate(c.client, side: .client)
        let serverCertificate = certificate(c.server, side: .server)
        // Force the profile on the client's offer; the server accepts both.
        let client = try DTLSEndpoint(role: .client, certificate: clientCertificate,
                                      remoteFingerprints: fingerprints(of: serverCertificate), profiles: [c.profile])
        let server = try DTLSEndpoint(role: .server, certificate: serverCertificate,
                                      remoteFingerprints: fingerprints(of: clientCertificate))
        let transcript = runHandshake(client: client, server: server)
        #expect(client.state == .connected)
        #expect(server.state == .connected)
        guard case .connected(let clientKeys)? = transcript.clientEvents.first,
              case .connected(let serverKeys)? = transcript.serverEvents.first
        else {
            Issue.record("no .connected: client \(transcript.clientEvents) server \(transcript.serverEvents)")
            return
        }
        #expect(clientKeys == serverKeys)
        #expect(clientKeys.profile == c.profile)
        #expect(client.keyingMaterial == clientKeys)
        #expect(clientKeys.keys(for: .client).local == serverKeys.keys(for: .server).remote)
        #expect(clientKeys.keys(for: .client).remote == serverKeys.keys(for: .server).local)
        #expect(clientKeys.clientWriteKey != clientKeys.serverWriteKey)
        #expect(client.remoteCertificateFingerprint == serverCertificate.sha256Fingerprint)
        #expect(server.remoteCertificateFingerprint == clientCertificate.sha256Fingerprint)
        #expect(transcript.datagramSizes.allSatisfy { $0 <= 1200 })

        let clientKeySalt = clientKeys.keys(for: .client), serverKeySalt = serverKeys.keys(for: .server)
        let clientSRTP = try SRTPSession(profile: clientKeys.profile, localKeySalt: clientKeySalt.local,
                                         remoteKeySalt: clientKeySalt.remote)
        let serverSRTP = try SRTPSession(profile: serverKeys.profile, localKeySalt: serverKeySalt.local,
                                         remoteKeySalt: serverKeySalt.remote)
        #expect(try srtpTransfer(sampleRTP, rtcp: false, from: clientSRTP, to: serverSRTP) == sampleRTP)
        #expect(try srtpTransfer(sampleRTP, rtcp: false, from: serverSRTP, to: clientSRTP) == sampleRTP)
        #expect(try srtpTransfer(sampleRTCP, rtcp: true, from: clientSRTP, to: serverSRTP) == sampleRTCP)
        #expect(try srtpTransfer(sampleRTCP, rtcp: true, from: serverSRTP, to: clientSRTP) == sampleRTCP)
    }

    @Test func defaultOfferPrefersGCM() throws {
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB))
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateA))
        _ = runHandshake(client: client, server: server)
        #expect(client.keyingMaterial?.profile == .aeadAES128GCM)
        #expect(server.keyingMaterial?.profile == .aeadAES128GCM)
    }

    @Test func noCommonProfileFails() throws {
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB), profiles: [.aeadAES128GCM])
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateA), profiles: [.aes128CMHMACSHA1_80])
        _ = runHandshake(client: client, server: server)
        #expect(client.state != .connected)
        #expect(client.keyingMaterial == nil)
        #expect(server.keyingMaterial == nil)
    }

    /// A sha-1 fingerprint alone is not accepted (RFC 8827 §6.5; issue 11).
    @Test func sha1FingerprintAloneIsRefused() throws {
        let value = try ecdsaCertificateB.fingerprint(algorithm: "sha-1")
        #expect(throws: DTLSError.noRemoteFingerprint) {
            _ = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA, remoteFingerprints: [("sha-1", value)])
        }
    }

    /// Any matching fingerprint authenticates (RFC 8122 §5); hash names and
    /// hex digits compare case-insensitively.
    @Test(arguments: ["SHA-256", "sha-384", "sha-512"])
    func otherFingerprintHashesAndCaseAreAccepted(_ algorithm: String) throws {
        let serverValue = try ecdsaCertificateB.fingerprint(algorithm: algorithm).lowercased()
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: [("sha-256", "00:11"), (algorithm, serverValue), ("md5", "00")])
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: [(algorithm, try ecdsaCertificateA.fingerprint(algorithm: algorithm))])
        _ = runHandshake(client: client, server: server)
        #expect(client.state == .connected)
        #expect(server.state == .connected)
    }

    @Test func closeNotifyReachesThePeer() throws {
        let client = try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateB))
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateB,
                                      remoteFingerprints: fingerprints(of: ecdsaCertificateA))
        _ = runHandshake(client: client, server: server)
        try #require(server.state == .connected)
        let closing = client.close()
        #expect(client.state == .closed)
        let datagrams = closing.compactMap(\.datagram)
        #expect(datagrams.count == 1)
        var events: [DTLSOutput] = []
        for d in datagrams { events += d.withUnsafeBytes { server.receive($0, now: monotonicNow()) } }
        #expect(events.contains(.closed))
        #expect(server.state == .closed)
    }

    @Test func invalidParametersThrow() {
        #expect(throws: DTLSError.noRemoteFingerprint) {
            try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA, remoteFingerprints: [("md5", "00")])
        }
        #expect(throws: DTLSError.self) {
            try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                             remoteFingerprints: fingerprints(of: ecdsaCertificateB), mtu: 100)
        }
        #expect(throws: DTLSError.self) {
            try DTLSEndpoint(role: .client, certificate: ecdsaCertificateA,
                             remoteFingerprints: fingerprints(of: ecdsaCertificateB), profiles: [])
        }
    }
}
