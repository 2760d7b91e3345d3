import CapstanTestSupport
import DTLS
import ICE
import Foundation
import NIOCore
import NIOPosix
import RTP
import SDP
import SRTP
import STUN
@testable import Transport

/// Collects what a TransportSession reports; touched on the event loop and
/// read from the test through a lock.
final class Recorder: TransportEventHandler, TransportMediaReceiver, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [TransportEvent] = []
    private var _rtp: [[UInt8]] = []
    private var _rtcp: [[UInt8]] = []
    private var _ticks = 0
    private var _nextTick: UInt64 = 0

    var events: [TransportEvent] { lock.withLock { _events } }
    var rtp: [[UInt8]] { lock.withLock { _rtp } }
    var rtcp: [[UInt8]] { lock.withLock { _rtcp } }
    var ticks: Int { lock.withLock { _ticks } }

    var isConnected: Bool {
        events.contains { if case .connected = $0 { true } else { false } }
    }

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        lock.withLock { _events.append(event) }
    }
    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        lock.withLock { _rtp.append(Array(packet)) }
    }
    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        lock.withLock { _rtcp.append(Array(packet)) }
    }
    func transportTick(now: UInt64) {
        lock.withLock {
            _ticks += 1
            _nextTick = now + 10_000_000
        }
    }
    /// Ticked every 10 ms while connected (a receiver with a periodic timer).
    func nextTickDeadline(now: UInt64) -> UInt64? { lock.withLock { _nextTick } }
}

/// Capstan's own offerer stack (controlling ICE, DTLS client) against its
/// answerer stack (ICE-lite, DTLS server), each on its own UDP port on
/// 127.0.0.1, negotiated through real SDP.
struct LoopbackPair {
    let group: MultiThreadedEventLoopGroup
    let answererPort: MediaPort
    let offererPort: MediaPort
    let answerer: TransportSession
    let offerer: TransportSession
    /// The ICE credentials each side was created with.
    let answererCredentials: (ufrag: String, pwd: String)
    let offererCredentials: (ufrag: String, pwd: String)
    let answererEvents = Recorder()
    let offererEvents = Recorder()

    static func make(host: String = "127.0.0.1",
                     profiles: [SRTPProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80],
                     offererCertificate: DTLSCertificate? = nil,
                     tamperFingerprint: Bool = false,
                     sweepInterval: TimeAmount = .seconds(1),
                     readInterval: TimeAmount = .zero) async throws -> LoopbackPair {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let answererPort = try await MediaPort.bind(host: host, port: 0, group: group, sweepInterval: sweepInterval,
                                                    readInterval: readInterval)
        let offererPort = try await MediaPort.bind(host: host, port: 0, group: group)

        let answererCert = try DTLSCertificate.generateECDSA()
        let offererCert = try offererCertificate ?? DTLSCertificate.generateECDSA()
        let offerCreds = ICECredentialsForTest.make()
        let answerCreds = ICECredentialsForTest.make()

        let offer = SDPOfferer.offer(options: OfferOptions(
            iceUfrag: offerCreds.ufrag, icePwd: offerCreds.pwd,
            fingerprint: .sha256(offererCert.sha256Fingerprint),
            streams: LocalStreams(cname: "peer", streamID: "s",
                                  audio: LocalTrack(ssrc: 1111, trackID: "a"),
                                  video: LocalTrack(ssrc: 2222, trackID: "v")),
            sessionID: 1))
        // Through text, as a signaller would carry it.
        let offerOnWire = try SessionDescription(parsing: offer.serialized)
        let hostCandidate = ICECandidate.host(address: host, port: answererPort.localAddress.port)
        let negotiated = try SDPAnswerer.answer(offer: offerOnWire, options: AnswerOptions(
            iceUfrag: answerCreds.ufrag, icePwd: answerCreds.pwd,
            fingerprint: .sha256(answererCert.sha256Fingerprint),
            candidates: [hostCandidate], mode: .recvonly, sessionID: 2))
        let answerOnWire = try SessionDescription(parsing: negotiated.answerSDP)
        let offererView = try SDPOfferer.readAnswer(answerOnWire, for: offer)

        var remoteFingerprintsForAnswerer = negotiated.session.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) }
        if tamperFingerprint {
            remoteFingerprintsForAnswerer = [(algorithm: "sha-256", value: try DTLSCertificate.generateECDSA().sha256Fingerprint)]
        }
        let answerer = try TransportSession(
            id: "answerer", localUfrag: answerCreds.ufrag, localPassword: answerCreds.pwd,
            remoteUfrag: negotiated.session.remoteICEUfrag, remotePassword: negotiated.session.remoteICEPwd,
            iceMode: .lite, dtlsRole: negotiated.session.dtlsRole == .server ? .server : .client,
            certificate: answererCert, remoteFingerprints: remoteFingerprintsForAnswerer, profiles: profiles)
        let candidates = offererView.remoteCandidates.compactMap { IPEndpoint(address: $0.address, port: $0.port) }
        let offerer = try TransportSession(
            id: "offerer", localUfrag: offerCreds.ufrag, localPassword: offerCreds.pwd,
            remoteUfrag: offererView.remoteICEUfrag, remotePassword: offererView.remoteICEPwd,
            iceMode: .controlling(remoteCandidates: candidates, tieBreaker: 42),
            dtlsRole: offererView.dtlsRole == .server ? .server : .client,
            certificate: offererCert,
            remoteFingerprints: offererView.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) },
            profiles: profiles)

        let pair = LoopbackPair(group: group, answererPort: answererPort, offererPort: offererPort,
                                answerer: answerer, offerer: offerer,
                                answererCredentials: answerCreds, offererCredentials: offerCreds)
        try await group.next().submit {
            answerer.eventHandler = pair.answererEvents
            answerer.mediaReceiver = pair.answererEvents
            offerer.eventHandler = pair.offererEvents
            offerer.mediaReceiver = pair.offererEvents
            answererPort.register(answerer)
            offererPort.register(offerer, asDefault: true)
            offerer.start(now: NIODeadline.now().uptimeNanoseconds)
        }.get()
        return pair
    }

    /// Waits (bounded) until `condition` holds.
    static func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(10), condition)
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await answererPort.eventLoop.submit(body).get()
    }

    func shutdown() async throws {
        try await answererPort.close()
        try await offererPort.close()
        try await group.shutdownGracefully()
    }
}

enum ICECredentialsForTest {
    static func make() -> (ufrag: String, pwd: String) {
        let credentials = ICECredentials.generate()
        return (credentials.ufrag, credentials.password)
    }
}

extension TransportSession: @unchecked Sendable {}
