import DTLS
import Foundation
import ICE
import NIOCore
import NIOPosix
import SDP
import SRTP
import STUN
import Transport

/// One call from Capstan's own peer: offers over WHIP, runs controlling ICE
/// and the DTLS client on its own UDP port, and sends (and receives) SRTP.
///
/// Media methods must be called on `eventLoop`; `connect` and `hangUp` are
/// the async control plane. State is confined to the loop, hence
/// `@unchecked Sendable`.
public final class PublisherSession: TransportEventHandler, @unchecked Sendable {
    public let whip: WHIPClient
    public let transport: TransportSession
    public let port: MediaPort
    public let negotiated: NegotiatedSession
    public let resource: URL
    public var eventLoop: EventLoop { port.eventLoop }
    public let audioSSRC: UInt32
    public let videoSSRC: UInt32

    private let lock = NSLock()
    private var events: [TransportEvent] = []
    private var waiter: CheckedContinuation<TransportEvent, Never>?

    /// What the transport reported, in order.
    public var transportEvents: [TransportEvent] { lock.withLock { events } }

    private init(whip: WHIPClient, transport: TransportSession, port: MediaPort,
                 negotiated: NegotiatedSession, resource: URL, audioSSRC: UInt32, videoSSRC: UInt32) {
        self.whip = whip
        self.transport = transport
        self.port = port
        self.negotiated = negotiated
        self.resource = resource
        self.audioSSRC = audioSSRC
        self.videoSSRC = videoSSRC
    }

    /// Offers, gets the answer, and waits until ICE and DTLS are up.
    public static func connect(whip: WHIPClient, certificate: DTLSCertificate, group: EventLoopGroup,
                               audio: Bool = true, video: Bool = true, loopback: Bool = false,
                               videoCodec: SupportedCodec = .vp8,
                               timeout: Duration = .seconds(10)) async throws(SamplePeerError) -> PublisherSession {
        let credentials = ICECredentials.generate()
        var generator = SystemRandomNumberGenerator()
        let audioSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        let videoSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        let streamID = "capstan-peer-\(credentials.ufrag)"
        var offerOptions = OfferOptions(
            iceUfrag: credentials.ufrag, icePwd: credentials.password,
            fingerprint: .sha256(certificate.sha256Fingerprint),
            streams: LocalStreams(cname: streamID, streamID: streamID,
                                  audio: audio ? LocalTrack(ssrc: audioSSRC, trackID: "audio") : nil,
                                  video: video ? LocalTrack(ssrc: videoSSRC, trackID: "video") : nil),
            loopback: loopback, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        offerOptions.videoCodec = videoCodec
        let offer = SDPOfferer.offer(options: offerOptions)
        let answer = try await whip.publish(offer: offer.serialized)
        let negotiated: NegotiatedSession
        do {
            negotiated = try SDPOfferer.readAnswer(try SessionDescription(parsing: answer.sdp), for: offer)
        } catch {
            throw .negotiation(error.reason)
        }
        let candidates = negotiated.remoteCandidates
            .filter { $0.transport == .udp }
            .compactMap { IPEndpoint(address: $0.address, port: $0.port) }
        guard let first = candidates.first else { throw .negotiation("answer has no usable UDP candidate") }
        let bindHost = first.isIPv6 ? (first.addressString == "::1" ? "::1" : "::")
                                    : (first.addressString.hasPrefix("127.") ? "127.0.0.1" : "0.0.0.0")
        let port: MediaPort
        let transport: TransportSession
        do {
            port = try await MediaPort.bind(host: bindHost, port: 0, group: group)
            transport = try TransportSession(
                id: "peer-\(credentials.ufrag)", localUfrag: credentials.ufrag, localPassword: credentials.password,
                remoteUfrag: negotiated.remoteICEUfrag, remotePassword: negotiated.remoteICEPwd,
                iceMode: .controlling(remoteCandidates: candidates, tieBreaker: UInt64.random(in: 0...UInt64.max)),
                dtlsRole: negotiated.dtlsRole == .server ? .server : .client,
                certificate: certificate,
                remoteFingerprints: negotiated.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) })
        } catch {
            throw .transport(String(describing: error))
        }
        let session = PublisherSession(whip: whip, transport: transport, port: port, negotiated: negotiated,
                                       resource: answer.resource, audioSSRC: audioSSRC, videoSSRC: videoSSRC)
        let outcome = await session.startAndWait(timeout: timeout)
        switch outcome {
        case .connected:
            return session
        case .failed(let detail):
            await session.tearDown()
            throw .transport(detail)
        default:
            await session.tearDown()
            throw .timeout("ICE/DTLS not connected within \(timeout)")
        }
    }

    private func startAndWait(timeout: Duration) async -> TransportEvent {
        let loop = port.eventLoop
        let timeoutTask = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resume(with: .failed(detail: "timeout"))
        }
        defer { timeoutTask.cancel() }
        return await withCheckedContinuation { continuation in
            lock.withLock { waiter = continuation }
            loop.execute { [self] in
                transport.eventHandler = self
                port.register(transport, asDefault: true)
                transport.start(now: NIODeadline.now().uptimeNanoseconds)
            }
        }
    }

    private func resume(with event: TransportEvent) {
        let continuation: CheckedContinuation<TransportEvent, Never>? = lock.withLock {
            defer { waiter = nil }
            return waiter
        }
        continuation?.resume(returning: event)
    }

    public func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        lock.withLock { events.append(event) }
        switch event {
        case .connected, .failed, .closed: resume(with: event)
        case .iceSelected: break
        }
    }

    /// DELETEs the WHIP resource, closes DTLS and the port.
    public func hangUp() async throws(SamplePeerError) {
        do {
            try await whip.hangUp(resource)
        } catch {
            await tearDown()
            throw error
        }
        await tearDown()
    }

    /// Closes DTLS and the UDP port without signalling.
    public func tearDown() async {
        _ = try? await port.eventLoop.submit { [self] in
            transport.close(now: NIODeadline.now().uptimeNanoseconds)
            port.unregister(transport)
        }.get()
        try? await port.close()
    }
}
