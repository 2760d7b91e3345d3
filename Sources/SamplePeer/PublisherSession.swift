import DTLS
import Foundation
import ICE
import NIOCore
import NIOPosix
import SDP
import SRTP
import STUN
@_spi(Benchmarks) import Transport

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
    /// ICE servers the WHIP server advertised (reported, not used: host candidates only).
    public let iceServers: [String]
    public var eventLoop: EventLoop { port.eventLoop }
    public let audioSSRC: UInt32
    public let videoSSRC: UInt32
    /// The ICE-TCP connection media goes over with `transportProtocol: .tcp`; nil on UDP.
    public let tcpLink: ICETCPClientConnection?

    private let lock = NSLock()
    private var events: [TransportEvent] = []
    private var waiter: CheckedContinuation<TransportEvent, Never>?
    private var dtlsConnected = false
    private var iceSelected = false
    private var connectedProfile: SRTPProfile?

    /// What the transport reported, in order.
    public var transportEvents: [TransportEvent] { lock.withLock { events } }
    /// When the session became connected (DTLS up and an ICE pair selected), uptime nanoseconds.
    public var connectedAt: UInt64? { lock.withLock { connectedTime } }
    private var connectedTime: UInt64?

    private init(whip: WHIPClient, transport: TransportSession, port: MediaPort,
                 negotiated: NegotiatedSession, resource: URL, iceServers: [String], audioSSRC: UInt32, videoSSRC: UInt32,
                 tcpLink: ICETCPClientConnection?) {
        self.iceServers = iceServers
        self.tcpLink = tcpLink
        self.whip = whip
        self.transport = transport
        self.port = port
        self.negotiated = negotiated
        self.resource = resource
        self.audioSSRC = audioSSRC
        self.videoSSRC = videoSSRC
    }

    /// Offers, gets the answer, and waits until ICE has selected a pair *and* DTLS is up.
    ///
    /// The UDP port is bound before the offer, so the offer lists our host candidates and a
    /// full-ICE server can check us (RFC 8445 §7.3). Once the server answered 201, any failure
    /// DELETEs the resource it made (RFC 9725 §4.2), best effort.
    ///
    /// With `transportProtocol: .tcp` the peer is an ICE-TCP active agent (RFC 6544): its offer
    /// lists one `tcptype active` candidate (port 9), it connects to the answer's
    /// `tcptype passive` candidate and runs ICE, DTLS and SRTP over that one connection
    /// (RFC 4571 framing). The UDP port is still bound: its event loop and tick drive the session.
    public static func connect(whip: WHIPClient, certificate: DTLSCertificate, group: EventLoopGroup,
                               audio: Bool = true, video: Bool = true, loopback: Bool = false,
                               videoCodec: SupportedCodec = .vp8, transportProtocol: PathProtocol = .udp,
                               offerShape: OfferShape = .capstan,
                               timeout: Duration = .seconds(10)) async throws(SamplePeerError) -> PublisherSession {
        let credentials: (ufrag: String, password: String)
        if offerShape == .capstan {
            let generated = ICECredentials.generate()
            credentials = (generated.ufrag, generated.password)
        } else {
            let own = offerShape.credentials()  // the sender's own ufrag/pwd format
            credentials = (own.ufrag, own.pwd)
        }
        var generator = SystemRandomNumberGenerator()
        let audioSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        let videoSSRC = UInt32.random(in: 1...UInt32.max, using: &generator)
        let streamID = "capstan-peer-\(credentials.ufrag)"
        let local = LocalCandidates.forEndpoint(whip.endpoint)
        let port: MediaPort
        do {
            port = try await MediaPort.bind(host: local.bindHost, port: 0, group: group)
        } catch {
            throw .transport("bind \(local.bindHost): \(error)")
        }
        var offerOptions = OfferOptions(
            iceUfrag: credentials.ufrag, icePwd: credentials.password,
            fingerprint: .sha256(certificate.sha256Fingerprint),
            candidates: transportProtocol == .tcp ? local.activeTCPCandidates : local.candidates(port: port.localAddress.port),
            streams: LocalStreams(cname: streamID, streamID: streamID,
                                  audio: audio ? LocalTrack(ssrc: audioSSRC, trackID: "audio") : nil,
                                  video: video ? LocalTrack(ssrc: videoSSRC, trackID: "video") : nil),
            loopback: loopback, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
        offerOptions.videoCodec = videoCodec
        // A real sender's shape (OBS, FFmpeg): its text goes out as it is, parsed
        // only to read the answer against it.
        let shaped = offerShape.offer(ufrag: credentials.ufrag, pwd: credentials.password,
                                      fingerprint: offerOptions.fingerprint, candidates: offerOptions.candidates,
                                      port: port.localAddress.port, audioSSRC: audioSSRC, videoSSRC: videoSSRC,
                                      sessionID: offerOptions.sessionID)
        let offer: SessionDescription
        if let shaped {
            do {
                offer = try SessionDescription(parsing: shaped)
            } catch {
                try? await port.close()
                throw .negotiation("the \(offerShape.rawValue)-shaped offer does not parse: \(error)")
            }
        } else {
            offer = SDPOfferer.offer(options: offerOptions)
        }
        let answer: WHIPClient.Answer
        do {
            answer = try await whip.publish(offer: shaped ?? offer.serialized)
        } catch {
            try? await port.close()
            throw error
        }
        /// Ends what exists so far: the port, and the server's resource.
        func abandon(_ error: SamplePeerError) async -> SamplePeerError {
            try? await port.close()
            try? await whip.hangUp(answer.resource)
            return error
        }
        let negotiated: NegotiatedSession
        do {
            negotiated = try SDPOfferer.readAnswer(try SessionDescription(parsing: answer.sdp), for: offer)
        } catch {
            throw await abandon(.negotiation(error.reason))
        }
        // Remote candidates we can reach from the bound address, best first (RFC 8445 §6.1.2.3).
        let boundIPv6 = port.localAddress.isIPv6
        var candidates = negotiated.remoteCandidates
            .filter { transportProtocol == .tcp ? $0.transport == .tcp && $0.tcpType == .passive : $0.transport == .udp }
            .sorted { $0.priority > $1.priority }
            .compactMap { IPEndpoint(address: $0.address, port: $0.port) }
            .filter { $0.isIPv6 == boundIPv6 }
        // A lite server never checks us: without a candidate of its own nothing can connect.
        // A full agent may still reach us at ours (a peer-reflexive pair, triggered check).
        if candidates.isEmpty && (negotiated.remoteICELite || transportProtocol == .tcp) {
            let kind = transportProtocol == .tcp ? "TCP passive" : "UDP"
            throw await abandon(.negotiation("the answer has no \(kind) candidate reachable from \(local.bindHost)"))
        }
        // ICE-TCP: one connection to the best passive candidate; the checks go over it.
        var tcpLink: ICETCPClientConnection?
        if transportProtocol == .tcp {
            let target = candidates[0]
            do {
                tcpLink = try await port.connectTCP(to: target, timeout: .seconds(Int64(max(1, timeout / .seconds(1)))))
            } catch {
                throw await abandon(.transport("ICE-TCP connect to \(target): \(error)"))
            }
            candidates = [target]
        }
        let transport: TransportSession
        do {
            transport = try TransportSession(
                id: "peer-\(credentials.ufrag)", localUfrag: credentials.ufrag, localPassword: credentials.password,
                remoteUfrag: negotiated.remoteICEUfrag, remotePassword: negotiated.remoteICEPwd,
                iceMode: .controlling(remoteCandidates: candidates, tieBreaker: UInt64.random(in: 0...UInt64.max)),
                dtlsRole: negotiated.dtlsRole == .server ? .server : .client,
                certificate: certificate,
                remoteFingerprints: negotiated.remoteFingerprints.map { (algorithm: $0.algorithm, value: $0.value) },
                iceConnectTimeoutNs: UInt64(max(0, timeout / .nanoseconds(1))))
        } catch {
            throw await abandon(.transport(String(describing: error)))
        }
        let session = PublisherSession(whip: whip, transport: transport, port: port, negotiated: negotiated,
                                       resource: answer.resource, iceServers: answer.iceServers,
                                       audioSSRC: audioSSRC, videoSSRC: videoSSRC, tcpLink: tcpLink)
        let outcome = await session.startAndWait(timeout: timeout)
        switch outcome {
        case .connected:
            return session
        case .failed(let detail):
            await session.tearDown()
            try? await whip.hangUp(answer.resource)
            throw .transport(Self.explain(detail))
        default:
            await session.tearDown()
            try? await whip.hangUp(answer.resource)
            throw .timeout("ICE/DTLS not connected within \(timeout)")
        }
    }

    /// The transport's failure detail with what it means for a WHIP client.
    static func explain(_ detail: String) -> String {
        switch detail {
        case "dtls-failed": "dtls-failed: the DTLS handshake failed (the server's certificate does not match the answer's a=fingerprint, or the handshake broke)"
        case "ice-timeout", "timeout": "\(detail): no ICE check was answered (the answer's candidates are unreachable)"
        default: detail
        }
    }

    private func startAndWait(timeout: Duration) async -> TransportEvent {
        let loop = port.eventLoop
        let timeoutTask = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard let self else { return }
            let (dtls, ice) = self.lock.withLock { (self.dtlsConnected, self.iceSelected) }
            // DTLS up without a selected pair is the issue-13 state: the server's ClientHello
            // was answered, but no check of ours was answered, so there is nowhere to send.
            let detail = dtls && !ice ? "DTLS connected but ICE selected no pair within \(timeout) (no check of ours was answered)"
                : ice && !dtls ? "ICE selected a pair but DTLS did not connect within \(timeout)"
                : "ICE/DTLS not connected within \(timeout)"
            self.resume(with: .failed(detail: detail))
        }
        defer { timeoutTask.cancel() }
        return await withCheckedContinuation { continuation in
            lock.withLock { waiter = continuation }
            loop.execute { [self] in
                transport.eventHandler = self
                port.register(transport, asDefault: true)
                // ICE-TCP: everything the session sends goes framed on the connection.
                if let tcpLink { transport.sink = tcpLink }
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

    /// Connected means both: DTLS finished (SRTP keys) and ICE selected the pair media goes
    /// to. A DTLS server can finish its handshake before its own checks succeed (issue 13).
    public func transport(_ session: TransportSession, didEmit event: TransportEvent) {
        let ready: TransportEvent? = lock.withLock {
            events.append(event)
            switch event {
            case .connected(let profile):
                dtlsConnected = true
                connectedProfile = profile
            case .iceSelected:
                iceSelected = true
            case .failed, .closed:
                return event
            }
            guard dtlsConnected && iceSelected else { return nil }
            if connectedTime == nil { connectedTime = NIODeadline.now().uptimeNanoseconds }
            return connectedProfile.map { .connected($0) }
        }
        if let ready { resume(with: ready) }
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
        await tcpLink?.close()
        try? await port.close()
    }
}
