import CapstanTestSupport
import Codecs
import DTLS
import Foundation
import ICE
import MediaPipeline
import NIOCore
import NIOPosix
import RTP
@testable import SamplePeer
import SDP
import STUN
import Testing
import Transport

/// The daemon's loopback, played by Capstan's answerer stack in-process: an
/// ICE-lite, DTLS-server `TransportSession` that sends every VP8 packet back
/// from its own SSRC with its own continuous sequence numbers, losing some on
/// the way back, and turns PLIs for its SSRC into PLIs for the peer's.
final class EchoAnswerer: TransportMediaReceiver, TransportEventHandler, @unchecked Sendable {
    static let ssrc: UInt32 = 0xEC40_EC40
    let transport: TransportSession
    let drop: @Sendable (Int) -> Bool
    var peerVideoSSRC: UInt32?
    private var sequence: UInt16 = 1000
    private var forwarded = 0
    private(set) var plisForwarded = 0
    private let lock = NSLock()
    private var _connected = false
    var connected: Bool { lock.withLock { _connected } }

    init(transport: TransportSession, drop: @escaping @Sendable (Int) -> Bool) {
        self.transport = transport
        self.drop = drop
    }

    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        if case .connected = event { lock.withLock { _connected = true } }
    }

    func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard var rtp = try? RTPPacket(parsing: packet), rtp.payloadType == 96 else { return }
        peerVideoSSRC = rtp.ssrc
        rtp.ssrc = Self.ssrc
        rtp.sequenceNumber = sequence
        sequence &+= 1
        defer { forwarded += 1 }
        guard !drop(forwarded) else { return }
        rtp.bytes.withUnsafeBytes { _ = transport.sendRTP($0) }
    }

    func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let packets = try? RTCPCompoundPacket.parse(packet), let peer = peerVideoSSRC else { return }
        for case .pictureLossIndication(let pli) in packets where pli.mediaSSRC == Self.ssrc {
            plisForwarded += 1
            let upstream = RTCPCompoundPacket.serialize([.pictureLossIndication(
                PictureLossIndication(senderSSRC: Self.ssrc, mediaSSRC: peer))])
            upstream.withUnsafeBytes { _ = transport.sendRTCP($0) }
        }
    }

    func transportTick(now: UInt64) {}
    func nextTickDeadline(now: UInt64) -> UInt64? { nil }
}

final class ConnectWatcher: TransportEventHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _connected = false
    var connected: Bool { lock.withLock { _connected } }
    func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        if case .connected = event { lock.withLock { _connected = true } }
    }
}

extension TransportSession: @unchecked Sendable {}

@Suite("loopback over real SRTP: PeerMedia against an in-process echo", .serialized)
struct TransportEchoTests {
    struct Outcome {
        var sent: MediaSenderStatistics
        var echo: EchoStatistics
        var counters: [Int]
        var source: MediaSourceStatistics
        var plisForwarded: Int
    }

    func run(seconds: Double, drop: @escaping @Sendable (Int) -> Bool) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let encoderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let echoPort = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let peerPort = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
        let echoCert = try DTLSCertificate.generateECDSA()
        let peerCert = try DTLSCertificate.generateECDSA()
        let peerCreds = ICECredentials.generate(), echoCreds = ICECredentials.generate()
        let offer = SDPOfferer.offer(options: OfferOptions(
            iceUfrag: peerCreds.ufrag, icePwd: peerCreds.password, fingerprint: .sha256(peerCert.sha256Fingerprint),
            streams: LocalStreams(cname: "peer", streamID: "s", video: LocalTrack(ssrc: 0x1111_1111, trackID: "v")),
            loopback: true, sessionID: 1))
        let negotiated = try SDPAnswerer.answer(
            offer: try SessionDescription(parsing: offer.serialized),
            options: AnswerOptions(iceUfrag: echoCreds.ufrag, icePwd: echoCreds.password,
                                   fingerprint: .sha256(echoCert.sha256Fingerprint),
                                   candidates: [.host(address: "127.0.0.1", port: echoPort.localAddress.port)],
                                   sessionID: 2))
        let view = try SDPOfferer.readAnswer(try SessionDescription(parsing: negotiated.answerSDP), for: offer)
        let echoTransport = try TransportSession(
            id: "echo", localUfrag: echoCreds.ufrag, localPassword: echoCreds.password,
            remoteUfrag: negotiated.session.remoteICEUfrag, remotePassword: negotiated.session.remoteICEPwd,
            iceMode: .lite, dtlsRole: negotiated.session.dtlsRole == .server ? .server : .client,
            certificate: echoCert,
            remoteFingerprints: negotiated.session.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) })
        let peerTransport = try TransportSession(
            id: "peer", localUfrag: peerCreds.ufrag, localPassword: peerCreds.password,
            remoteUfrag: view.remoteICEUfrag, remotePassword: view.remoteICEPwd,
            iceMode: .controlling(remoteCandidates: view.remoteCandidates.compactMap {
                IPEndpoint(address: $0.address, port: $0.port) }, tieBreaker: 7),
            dtlsRole: view.dtlsRole == .server ? .server : .client, certificate: peerCert,
            remoteFingerprints: view.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) })
        let echo = EchoAnswerer(transport: echoTransport, drop: drop)
        let watcher = ConnectWatcher()
        let loop = group.next()
        try await loop.submit {
            echoTransport.eventHandler = echo
            echoTransport.mediaReceiver = echo
            peerTransport.eventHandler = watcher
            echoPort.register(echoTransport)
            peerPort.register(peerTransport, asDefault: true)
            peerTransport.start(now: NIODeadline.now().uptimeNanoseconds)
        }.get()
        #expect(await eventually { echo.connected && watcher.connected }, "ICE/DTLS did not come up")

        let video = VideoFormat(width: 640, height: 360, fps: 30)
        let source = try MediaSource(configuration: MediaSourceConfiguration(video: video, audio: false),
                                     eventLoop: encoderGroup.next())
        let media = try await loop.submit {
            let media = try PeerMedia(eventLoop: loop, sink: peerTransport, videoSSRC: 0x1111_1111, videoPayloadType: 96,
                                      audioSSRC: nil, audioPayloadType: 111, cname: "peer",
                                      keyframeRequest: { now in source.eventLoop.execute { source.requestKeyframe(now: now) } },
                                      loopbackPattern: TestPattern(width: 640, height: 360))
            peerTransport.mediaReceiver = media
            return media
        }.get()
        try await source.eventLoop.submit { source.subscribe(media); source.run() }.get()
        // Until `seconds` worth of frames were sent (30 fps): a busy machine
        // encodes late, so the count, not the clock, ends the run (bounded).
        let target = Int(seconds * 30)
        _ = try await eventually(timeout: .seconds(Int64(seconds * 15)), interval: .milliseconds(50)) {
            try await loop.submit { media.sender.statistics.videoFramesSent >= target }.get()
        }
        try await source.eventLoop.submit { source.stop() }.get()
        // Then until the echo has settled: no frame came back for 300 ms (bounded).
        var last = -1, quietSince = ContinuousClock.now
        _ = try await eventually(timeout: .seconds(5), interval: .milliseconds(50)) {
            let echoed = try await loop.submit { media.echo!.statistics.videoFramesEchoed }.get()
            if echoed != last { last = echoed; quietSince = .now }
            return ContinuousClock.now - quietSince >= .milliseconds(300)
        }
        let outcome = try await loop.submit {
            media.echo!.finish(now: NIODeadline.now().uptimeNanoseconds)
            return Outcome(sent: media.sender.statistics, echo: media.echo!.statistics, counters: media.echo!.counters,
                           source: source.statistics, plisForwarded: echo.plisForwarded)
        }.get()
        try await loop.submit {
            peerTransport.mediaReceiver = nil
            echoTransport.mediaReceiver = nil
        }.get()
        try await echoPort.close()
        try await peerPort.close()
        try await group.shutdownGracefully()
        try await encoderGroup.shutdownGracefully()
        return outcome
    }

    @Test("a clean echo over SRTP: ≥ 95 % of frames echoed and decoded, counters in order, RTT measured")
    func cleanEcho() async throws {
        let outcome = try await run(seconds: 2) { _ in false }
        let sent = outcome.sent.videoFramesSent
        #expect(sent >= 20, "the encoder skips frames on a busy machine, but not most of them")
        #expect(LoopbackVerdict(framesSent: sent, framesEchoed: outcome.echo.videoFramesEchoed).passed,
                "\(outcome.echo.videoFramesEchoed) of \(sent) echoed")
        #expect(Double(outcome.echo.videoFramesDecoded) >= 0.95 * Double(sent))
        #expect(outcome.counters == outcome.counters.sorted() && Set(outcome.counters).count == outcome.counters.count)
        #expect(outcome.echo.countersOutOfOrder == 0)
        let rtt = try #require(outcome.echo.rttMeanMs)
        #expect(rtt > 0 && rtt < 500, "rtt \(rtt) ms")
    }

    @Test("an echo losing half its packets: the shortfall shows, PLIs reach the shared encoder, the verdict fails")
    func lossyEcho() async throws {
        let outcome = try await run(seconds: 2) { $0 % 2 == 1 }
        let sent = outcome.sent.videoFramesSent
        let verdict = LoopbackVerdict(framesSent: sent, framesEchoed: outcome.echo.videoFramesEchoed)
        #expect(!verdict.passed, "\(outcome.echo.videoFramesEchoed) of \(sent) echoed")
        #expect(outcome.echo.plisSent > 0)
        #expect(outcome.plisForwarded > 0)
        #expect(outcome.sent.plisReceived > 0)
        #expect(outcome.source.keyframeRequests > 0 && outcome.source.keyframesEncoded > 1)
    }
}
