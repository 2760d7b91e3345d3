import DTLS
import ICE
import SRTP
import STUN
import Testing
@_spi(Benchmarks) @testable import Transport

/// Delivers datagrams between two sessions without sockets.
final class MemoryWire: DatagramSink {
    var queue: [(bytes: [UInt8], to: IPEndpoint, from: IPEndpoint)] = []
    let from: IPEndpoint
    init(from: IPEndpoint) { self.from = from }
    var shared: MemoryWireHub?
    func send(_ datagram: UnsafeRawBufferPointer, to remote: IPEndpoint) {
        shared?.queue.append((Array(datagram), remote, from))
    }
}

final class MemoryWireHub {
    var queue: [(bytes: [UInt8], to: IPEndpoint, from: IPEndpoint)] = []
}

@Suite("TransportSession without sockets")
struct InMemoryTransportTests {
    @Test("lite answerer and controlling offerer connect through an in-memory wire")
    func connects() throws {
        let answererAddress = IPEndpoint(ipv4: 0x7F00_0001, port: 5000)
        let offererAddress = IPEndpoint(ipv4: 0x7F00_0001, port: 6000)
        let answererCert = try DTLSCertificate.generateECDSA()
        let offererCert = try DTLSCertificate.generateECDSA()
        let answerer = try TransportSession(
            id: "a", localUfrag: "aaaa", localPassword: "aaaaaaaaaaaaaaaaaaaaaaaa",
            remoteUfrag: "bbbb", remotePassword: "bbbbbbbbbbbbbbbbbbbbbbbb", iceMode: .lite,
            dtlsRole: .server, certificate: answererCert,
            remoteFingerprints: [(algorithm: "sha-256", value: offererCert.sha256Fingerprint)])
        let offerer = try TransportSession(
            id: "b", localUfrag: "bbbb", localPassword: "bbbbbbbbbbbbbbbbbbbbbbbb",
            remoteUfrag: "aaaa", remotePassword: "aaaaaaaaaaaaaaaaaaaaaaaa",
            iceMode: .controlling(remoteCandidates: [answererAddress], tieBreaker: 1),
            dtlsRole: .client, certificate: offererCert,
            remoteFingerprints: [(algorithm: "sha-256", value: answererCert.sha256Fingerprint)])
        let hub = MemoryWireHub()
        let wireA = MemoryWire(from: answererAddress); wireA.shared = hub
        let wireB = MemoryWire(from: offererAddress); wireB.shared = hub
        answerer.sink = wireA
        offerer.sink = wireB
        let eventsA = Recorder(), eventsB = Recorder()
        answerer.eventHandler = eventsA
        offerer.eventHandler = eventsB
        var now: UInt64 = 1_000_000_000
        offerer.start(now: now)
        var steps = 0
        while !hub.queue.isEmpty && steps < 200 {
            steps += 1
            let (bytes, to, from) = hub.queue.removeFirst()
            let target = to == answererAddress ? answerer : offerer
            bytes.withUnsafeBytes { raw in
                switch DatagramClass.classify(raw) {
                case .stun: target.receiveSTUN(raw, from: from, now: now)
                case .dtls: target.receiveDTLS(raw, from: from, now: now)
                default: break
                }
            }
            now += 1_000_000
        }
        #expect(eventsA.isConnected, "\(eventsA.events) \(answerer.counters)")
        #expect(eventsB.isConnected, "\(eventsB.events) \(offerer.counters)")
    }
}
