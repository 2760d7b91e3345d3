#if canImport(Glibc)
import Glibc
#endif
import DTLS

/// The monotonic clock in nanoseconds, as the daemon passes it in.
func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

enum KeyKind: String, Sendable, CaseIterable {
    case ecdsa, rsa
}

/// Certificates generated once per test process.
let ecdsaCertificateA = try! DTLSCertificate.generateECDSA(commonName: "a", validityDays: 2)
let ecdsaCertificateB = try! DTLSCertificate.generateECDSA(commonName: "b", validityDays: 2)
let rsaCertificate = try! DTLSCertificate.generateRSA(bits: 2048, commonName: "rsa", validityDays: 2)

func certificate(_ kind: KeyKind, side: DTLSRole) -> DTLSCertificate {
    switch kind {
    case .ecdsa: side == .client ? ecdsaCertificateA : ecdsaCertificateB
    case .rsa: rsaCertificate
    }
}

func fingerprints(of certificate: DTLSCertificate) -> [(algorithm: String, value: String)] {
    [("sha-256", certificate.sha256Fingerprint)]
}

/// Everything a handshake between two in-memory endpoints produced.
struct HandshakeTranscript {
    var clientEvents: [DTLSOutput] = []
    var serverEvents: [DTLSOutput] = []
    var datagramSizes: [Int] = []
    var retransmissionTimeouts = 0
}

/// Runs a handshake between `client` and `server`, delivering datagrams in
/// order. `dropFirstClientFlight` discards the client's first flight once,
/// so only a retransmission (after OpenSSL's ~1 s timer) can complete it.
/// Bounded by `maxRounds` exchanges and `deadline` seconds of real time.
func runHandshake(client: DTLSEndpoint, server: DTLSEndpoint, dropFirstClientFlight: Bool = false,
                  garbage: [[UInt8]] = [], maxRounds: Int = 200, deadline: Double = 5) -> HandshakeTranscript {
    var transcript = HandshakeTranscript()
    let start = monotonicNow()
    var toServer: [[UInt8]] = []
    var toClient: [[UInt8]] = []
    func absorb(_ outputs: [DTLSOutput], fromClient: Bool) {
        for output in outputs {
            if let datagram = output.datagram {
                transcript.datagramSizes.append(datagram.count)
                if fromClient { toServer.append(datagram) } else { toClient.append(datagram) }
            } else if fromClient {
                transcript.clientEvents.append(output)
            } else {
                transcript.serverEvents.append(output)
            }
        }
    }
    _ = server.start(now: monotonicNow())
    absorb(client.start(now: monotonicNow()), fromClient: true)
    if dropFirstClientFlight { toServer.removeAll() }
    var pendingGarbage = Array(garbage.reversed()) // popLast delivers in order
    func done() -> Bool {
        let terminal: (DTLSState) -> Bool = { if case .handshaking = $0 { false } else { true } }
        return terminal(client.state) && terminal(server.state) && toServer.isEmpty && toClient.isEmpty
    }
    var rounds = 0
    while !done(), rounds < maxRounds, Double(monotonicNow() - start) / 1e9 < deadline {
        rounds += 1
        for _ in 0..<8 {
            guard let g = pendingGarbage.popLast() else { break }
            _ = g.withUnsafeBytes { server.receive($0, now: monotonicNow()) }
            _ = g.withUnsafeBytes { client.receive($0, now: monotonicNow()) }
        }
        if !toServer.isEmpty {
            let datagram = toServer.removeFirst()
            absorb(datagram.withUnsafeBytes { server.receive($0, now: monotonicNow()) }, fromClient: false)
            continue
        }
        if !toClient.isEmpty {
            let datagram = toClient.removeFirst()
            absorb(datagram.withUnsafeBytes { client.receive($0, now: monotonicNow()) }, fromClient: true)
            continue
        }
        // Nothing in flight: wait for the earliest retransmission timer.
        let timeouts = [client.nextTimeout, server.nextTimeout].compactMap { $0 }
        guard let next = timeouts.min() else { break }
        let now = monotonicNow()
        if next > now { usleep(UInt32(min(next - now, 2_000_000_000) / 1_000) + 1_000) }
        transcript.retransmissionTimeouts += 1
        absorb(client.handleTimeout(now: monotonicNow()), fromClient: true)
        absorb(server.handleTimeout(now: monotonicNow()), fromClient: false)
    }
    return transcript
}

/// Protects on `sender` and unprotects on `receiver`; returns the recovered packet.
func srtpTransfer(_ packet: [UInt8], rtcp: Bool, from sender: SRTPSession, to receiver: SRTPSession) throws -> [UInt8] {
    var buffer = packet + [UInt8](repeating: 0, count: 64)
    let protectedLength = try buffer.withUnsafeMutableBytes { b in
        rtcp ? try sender.protectRTCP(b, length: packet.count) : try sender.protectRTP(b, length: packet.count)
    }
    let plainLength = try buffer.withUnsafeMutableBytes { b in
        rtcp ? try receiver.unprotectRTCP(b, length: protectedLength) : try receiver.unprotectRTP(b, length: protectedLength)
    }
    return Array(buffer[0..<plainLength])
}

let sampleRTP: [UInt8] = [0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x03, 0xE8, 0xDE, 0xAD, 0xBE, 0xEF] + Array(repeating: 0x42, count: 100)
let sampleRTCP: [UInt8] = [0x81, 0xC9, 0x00, 0x07, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04,
                           0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
