import DTLS
import ICE
import SRTP
import STUN

/// One peer's transport on the shared media port: an ICE agent (lite when
/// Capstan answers, controlling when Capstan's own peer offers), a DTLS
/// endpoint, and the SRTP contexts its handshake keys.
///
/// Datagrams come in already classified (RFC 7983) from `MediaPort`;
/// decrypted RTP/RTCP goes to the attached `TransportMediaReceiver`;
/// milestones and failures go to the `TransportEventHandler`.
///
/// Not thread-safe: owned by the media port's event loop. Every method must
/// be called on that loop.
public final class TransportSession {
    /// How this side takes part in ICE.
    public enum ICEMode {
        /// ICE-lite answerer (RFC 8445 §2.5): answers checks, follows nomination.
        case lite
        /// Full controlling agent checking these remote candidates (the sample peer).
        case controlling(remoteCandidates: [IPEndpoint], tieBreaker: UInt64)
    }

    public enum State: String, Sendable {
        case checking, handshaking, connected, failed, closed
    }

    public struct Counters: Sendable, Equatable {
        public var rtpPacketsIn: UInt64 = 0
        public var rtpBytesIn: UInt64 = 0
        public var rtcpPacketsIn: UInt64 = 0
        public var rtpPacketsOut: UInt64 = 0
        public var rtcpPacketsOut: UInt64 = 0
        public var stunIn: UInt64 = 0
        public var dtlsIn: UInt64 = 0
        /// DTLS application data records (SCTP packets of the data channels) in and out.
        public var applicationDataIn: UInt64 = 0
        public var applicationDataOut: UInt64 = 0
        public var drops = TransportDropCounters()
        public init() {}
    }

    public let id: String
    public private(set) var localUfrag: String
    // Read on every tick and packet; event-loop confined, so no dynamic
    // exclusivity check (~75 instructions per access).
    @exclusivity(unchecked) public private(set) var state: State = .checking
    /// The remote address ICE selected, if any.
    public var selectedRemote: IPEndpoint? { selected?.endpoint }
    /// The selected path's protocol: `tcp` when ICE selected a pair on an ICE-TCP
    /// connection (RFC 6544), `udp` for the shared datagram socket; nil before selection.
    public var selectedProtocol: PathProtocol? {
        selected == nil ? nil : (selectedLink == nil ? .udp : .tcp)
    }
    /// The selected address with its NIO form, built when ICE selects (or
    /// moves to) an address: media and feedback sent to it do not convert
    /// the address per datagram.
    @exclusivity(unchecked) private var selected: DatagramDestination?
    /// The ICE-TCP connection of the selected pair; nil when it is on the datagram socket.
    @exclusivity(unchecked) private var selectedLink: StreamLink?
    // Read or bumped for every packet; accesses never overlap (event-loop
    // confined), so the dynamic exclusivity check is skipped (DESIGN.md §7).
    @exclusivity(unchecked) public private(set) var counters = Counters()
    public private(set) var profile: SRTPProfile?

    public weak var eventHandler: TransportEventHandler?
    /// Set by MediaBridge when the session goes active; cleared on teardown.
    @exclusivity(unchecked) public weak var mediaReceiver: TransportMediaReceiver? {
        didSet { deadlineMayHaveMoved?() }
    }

    /// Set when the session's data channels are attached (on active);
    /// cleared on teardown. Without one, application data is dropped and
    /// counted (`dtls-app-data`).
    public weak var applicationDataReceiver: TransportApplicationDataReceiver? {
        didSet {
            dtls.deliversApplicationData = applicationDataReceiver != nil
            deadlineMayHaveMoved?()
        }
    }

    /// Where outgoing datagrams go: the MediaPort it is registered on, or an
    /// in-memory wire in the receive-path benchmark (Benchmarks/).
    @_spi(Benchmarks) public weak var sink: DatagramSink?
    /// Called when an address proves itself (valid ICE check or response),
    /// so the port can route DTLS and SRTP from it to this session: with the
    /// ICE-TCP connection it came on, or nil for the datagram socket.
    var addressValidated: ((IPEndpoint, StreamLink?) -> Void)?
    /// Called when something other than a datagram or a poll may have moved
    /// `nextDeadline(now:)` earlier (the media receiver attached, a call
    /// through the public API), so the port can re-arm its timer.
    var deadlineMayHaveMoved: (() -> Void)?

    // The ICE agent: exactly one of the two is set, for the session's life.
    // Each is mutated in place through its stored property (`lite!.poll`):
    // an enum with the agent as payload had to be copied out and stored back
    // on every STUN datagram and every tick — a ~200-byte memcpy and a
    // retain/release of each of its strings, arrays and dictionaries, ~1,700
    // instructions per tick (scripts/bench-receive --control). Accesses never
    // overlap (event-loop confined): no dynamic exclusivity check.
    @exclusivity(unchecked) private var lite: ICELiteAgent?
    @exclusivity(unchecked) private var controlling: ICEControllingAgent?
    /// What the controlling agent checks (empty for a lite session).
    private let remoteCandidates: [IPEndpoint]
    private let dtls: DTLSEndpoint
    private let dtlsRole: DTLSRole
    @exclusivity(unchecked) private var dtlsStarted = false
    @exclusivity(unchecked) private var srtp: SRTPSession?
    /// The session's SRTP contexts once connected; for the receive-path
    /// benchmark, which measures libsrtp alone on the very same context.
    @_spi(Benchmarks) public var srtpSession: SRTPSession? { srtp }
    /// Scratch for outgoing protection; one allocation for the session's life.
    private let sendScratch: UnsafeMutableRawBufferPointer

    /// Largest datagram we protect or unprotect.
    public static let maxDatagram = 1500

    public init(
        id: String,
        localUfrag: String,
        localPassword: String,
        remoteUfrag: String?,
        remotePassword: String?,
        iceMode: ICEMode,
        dtlsRole: DTLSRole,
        certificate: DTLSCertificate,
        remoteFingerprints: [(algorithm: String, value: String)],
        profiles: [SRTPProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80],
        consentTimeoutNs: UInt64 = 30_000_000_000,
        iceConnectTimeoutNs: UInt64 = 10_000_000_000
    ) throws {
        self.id = id
        self.localUfrag = localUfrag
        self.dtlsRole = dtlsRole
        switch iceMode {
        case .lite:
            lite = ICELiteAgent(
                localUfrag: localUfrag, localPassword: localPassword,
                remoteUfrag: remoteUfrag, remotePassword: remotePassword,
                consentTimeoutNs: consentTimeoutNs)
            controlling = nil
            remoteCandidates = []
        case .controlling(let candidates, let tieBreaker):
            var config = ICEControllingConfiguration()
            config.consentTimeoutNs = consentTimeoutNs
            config.connectTimeoutNs = iceConnectTimeoutNs
            lite = nil
            controlling = ICEControllingAgent(
                localUfrag: localUfrag, localPassword: localPassword,
                remoteUfrag: remoteUfrag ?? "", remotePassword: remotePassword ?? "",
                tieBreaker: tieBreaker, configuration: config)
            remoteCandidates = candidates
        }
        dtls = try DTLSEndpoint(role: dtlsRole, certificate: certificate,
                                remoteFingerprints: remoteFingerprints, profiles: profiles)
        sendScratch = .allocate(byteCount: Self.maxDatagram + 64, alignment: 16)
    }

    deinit {
        sendScratch.deallocate()
    }

    /// Starts the controlling agent's checks. A lite session waits for checks.
    public func start(now: UInt64) {
        guard controlling != nil else { return }
        apply(controlling!.start(remoteCandidates: remoteCandidates, now: now), now: now)
        deadlineMayHaveMoved?()
    }

    /// Remote ICE credentials learned after creation (trickle) or changed (ICE restart).
    public func setRemoteCredentials(ufrag: String, password: String) {
        lite?.setRemoteCredentials(ufrag: ufrag, password: password)
    }

    /// ICE restart (RFC 8445 §9) with new credentials on both sides; the
    /// selected pair and DTLS/SRTP survive.
    public func restartICE(localUfrag: String, localPassword: String,
                           remoteUfrag: String, remotePassword: String) {
        guard lite != nil else { return }
        lite!.restart(localUfrag: localUfrag, localPassword: localPassword,
                      remoteUfrag: remoteUfrag, remotePassword: remotePassword)
        self.localUfrag = localUfrag
        deadlineMayHaveMoved?()
    }

    // MARK: - Inbound

    /// A STUN datagram from `remote`, on the datagram socket or (`link`) an ICE-TCP
    /// connection; whatever it needs answered goes back the same way.
    @_spi(Benchmarks) public func receiveSTUN(_ datagram: UnsafeRawBufferPointer, from remote: IPEndpoint,
                                               via link: StreamLink? = nil, now: UInt64) {
        counters.stunIn &+= 1
        if lite != nil {
            switch lite!.handle(datagram, from: remote, now: now) {
            case .respond(let bytes, let to):
                addressValidated?(to, link)
                send(bytes, to: to, via: link)
            case .respondAndSelect(let bytes, let to, let selected):
                addressValidated?(to, link)
                send(bytes, to: to, via: link)
                select(selected, via: link, now: now)
            case .error(let bytes, let to):
                counters.drops.increment(.stunRejected)
                send(bytes, to: to, via: link)
            case .drop:
                counters.drops.increment(.stunRejected)
            }
        } else if controlling != nil {
            let actions = controlling!.handle(datagram, from: remote, now: now)
            if actions.isEmpty { counters.drops.increment(.stunRejected) }
            apply(actions, now: now)
        }
    }

    @_spi(Benchmarks) public func receiveDTLS(_ datagram: UnsafeRawBufferPointer, from remote: IPEndpoint,
                                               via link: StreamLink? = nil, now: UInt64) {
        counters.dtlsIn &+= 1
        // A client waits for ICE before it starts; a closed or failed session
        // takes nothing more.
        guard state != .failed && state != .closed, dtlsRole == .server || dtlsStarted else {
            counters.drops.increment(.dtlsRejected)
            return
        }
        lastDTLSSource = remote
        lastDTLSLink = link
        if !dtlsStarted {
            dtlsStarted = true
            if state == .checking { state = .handshaking }
            handle(dtls.start(now: now), now: now)
        }
        let outputs = dtls.receive(datagram, now: now)
        if outputs.isEmpty && state == .connected {
            // A stray or garbage record after the handshake: counted, harmless.
            counters.drops.increment(.dtlsRejected)
        }
        handle(outputs, now: now)
    }

    /// Unprotects an SRTP or SRTCP datagram in place in `buffer` (which the
    /// port owns and reuses) and hands the plaintext to the media receiver.
    func receiveSRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int, isRTCP: Bool, now: UInt64) {
        guard let srtp else {
            counters.drops.increment(.srtpNotReady)
            return
        }
        do {
            if isRTCP {
                let plain = try srtp.unprotectRTCP(buffer, length: length)
                counters.rtcpPacketsIn &+= 1
                mediaReceiver?.transportDidReceiveRTCP(UnsafeRawBufferPointer(rebasing: buffer[0..<plain]), now: now)
            } else {
                let plain = try srtp.unprotectRTP(buffer, length: length)
                counters.rtpPacketsIn &+= 1
                counters.rtpBytesIn &+= UInt64(length)
                mediaReceiver?.transportDidReceiveRTP(UnsafeRawBufferPointer(rebasing: buffer[0..<plain]), now: now)
            }
        } catch {
            counters.drops.increment(Self.dropReason(for: error))
        }
    }

    static func dropReason(for error: SRTPError) -> TransportDropReason {
        switch error {
        case .authenticationFailed: .srtpAuthentication
        case .replayOld, .replayFailed: .srtpReplay
        default: .srtpMalformed
        }
    }

    // MARK: - Timers

    /// Drives ICE (consent, retransmissions), DTLS retransmissions and the
    /// media receiver's timers. The port calls it when `nextDeadline(now:)`
    /// is due; calling it earlier does no harm.
    public func poll(now: UInt64) {
        if lite != nil {
            if case .consentLost = lite!.poll(now: now) { fail("consent-lost") }
        } else if controlling != nil {
            apply(controlling!.poll(now: now), now: now)
        }
        if dtlsStarted, state == .handshaking, let deadline = dtls.nextTimeout, deadline <= now {
            handle(dtls.handleTimeout(now: now), now: now)
        }
        if state == .connected {
            mediaReceiver?.transportTick(now: now)
            applicationDataReceiver?.transportTick(now: now)
        }
    }

    // MARK: - Application data (data channels)

    /// Encrypts one SCTP packet as DTLS application data and sends it to the
    /// selected (or last DTLS) address. False when not connected.
    @discardableResult
    public func sendApplicationData(_ data: UnsafeRawBufferPointer) -> Bool {
        guard state == .connected else { return false }
        let outputs = dtls.write(applicationData: data)
        guard !outputs.isEmpty else { return false }
        counters.applicationDataOut &+= 1
        handle(outputs, now: 0)
        return true
    }

    /// The earliest time `poll(now:)` has something to do: the ICE agent's
    /// consent or check deadline, DTLS's retransmission timer while
    /// handshaking, the media receiver's timers once connected; nil when
    /// nothing is due until a datagram arrives.
    public func nextDeadline(now: UInt64) -> UInt64? {
        var deadline = UInt64.max
        if let d = lite?.nextDeadline { deadline = d }
        if let d = controlling?.nextDeadline, d < deadline { deadline = d }
        if dtlsStarted, state == .handshaking, let d = dtls.nextTimeout, d < deadline { deadline = d }
        if state == .connected, let d = mediaReceiver?.nextTickDeadline(now: now), d < deadline { deadline = d }
        if state == .connected, let d = applicationDataReceiver?.nextTickDeadline(now: now), d < deadline { deadline = d }
        return deadline == .max ? nil : deadline
    }

    // MARK: - Outbound media

    /// Protects an RTP packet and sends it to the selected remote address.
    /// Returns false when the session cannot send (not connected — no keys, no
    /// selected pair, closed or failed — or too large).
    @discardableResult
    public func sendRTP(_ packet: UnsafeRawBufferPointer) -> Bool {
        sendProtected(packet, rtcp: false)
    }

    /// Protects an RTCP compound packet and sends it.
    @discardableResult
    public func sendRTCP(_ packet: UnsafeRawBufferPointer) -> Bool {
        sendProtected(packet, rtcp: true)
    }

    private func sendProtected(_ packet: UnsafeRawBufferPointer, rtcp: Bool) -> Bool {
        // Not after the remote closed DTLS or the session failed: nobody is listening.
        guard state == .connected, let srtp, let destination = selected, packet.count <= Self.maxDatagram else { return false }
        let link = selectedLink
        sendScratch.copyMemory(from: packet)
        do {
            let length = rtcp
                ? try srtp.protectRTCP(sendScratch, length: packet.count)
                : try srtp.protectRTP(sendScratch, length: packet.count)
            if rtcp { counters.rtcpPacketsOut &+= 1 } else { counters.rtpPacketsOut &+= 1 }
            let protected = UnsafeRawBufferPointer(rebasing: sendScratch[0..<length])
            if let link { link.sendFrame(protected) } else { sink?.send(protected, to: destination) }
            return true
        } catch {
            return false
        }
    }

    /// Sends DTLS close_notify and stops the session.
    public func close(now: UInt64) {
        guard state != .closed && state != .failed else { return }
        if dtlsStarted { handle(dtls.close(), now: now) }
        state = .closed
        mediaReceiver = nil
        applicationDataReceiver = nil
    }

    // MARK: - Internals

    private func select(_ remote: IPEndpoint, via link: StreamLink? = nil, now: UInt64) {
        let changed = selectedRemote != remote || selectedLink !== link
        if changed {
            selected = DatagramDestination(remote)
            selectedLink = link
        }
        addressValidated?(remote, link)
        if changed { eventHandler?.transport(self, didEmit: .iceSelected(remote)) }
        if dtlsRole == .client && !dtlsStarted {
            dtlsStarted = true
            state = .handshaking
            handle(dtls.start(now: now), now: now)
        } else if state == .checking && dtlsRole == .server {
            state = .handshaking
        }
    }

    private func apply(_ actions: [ICEControllingAction], now: UInt64) {
        for action in actions {
            switch action {
            case .send(let bytes, let to):
                send(bytes, to: to)
            case .connected(let remote):
                addressValidated?(remote, nil)
                select(remote, now: now)
            case .failed(let reason):
                fail(reason.description)
            }
        }
    }

    private func handle(_ outputs: [DTLSOutput], now: UInt64) {
        for output in outputs {
            switch output {
            case .send(let bytes):
                // A server answers where the last record came from (it may be before ICE
                // selected anything); otherwise the selected path.
                if dtlsRole == .server, let remote = lastDTLSSource {
                    send(bytes, to: remote, via: lastDTLSLink)
                } else if let remote = selectedRemote {
                    send(bytes, to: remote, via: selectedLink)
                }
            case .connected(let material):
                do {
                    let keys = material.keys(for: dtlsRole)
                    srtp = try SRTPSession(profile: material.profile,
                                           localKeySalt: keys.local, remoteKeySalt: keys.remote,
                                           allowRepeatTransmit: true)
                    profile = material.profile
                    state = .connected
                    eventHandler?.transport(self, didEmit: .connected(material.profile))
                } catch {
                    fail("srtp-failed")
                }
            case .failed:
                fail("dtls-failed")
            case .closed:
                guard state != .closed && state != .failed else { break }
                state = .closed
                eventHandler?.transport(self, didEmit: .closed)
            case .applicationData(let bytes):
                guard state == .connected, let receiver = applicationDataReceiver else {
                    counters.drops.increment(.dtlsApplicationData)
                    break
                }
                counters.applicationDataIn &+= 1
                bytes.withUnsafeBytes { receiver.transportDidReceiveApplicationData($0, now: now) }
            }
        }
    }

    /// Source of the last DTLS datagram, used to answer before ICE selection
    /// completes (a client may send ClientHello right after its first check).
    var lastDTLSSource: IPEndpoint?
    /// The ICE-TCP connection the last DTLS record came on (nil: the datagram socket).
    private var lastDTLSLink: StreamLink?

    private func fail(_ detail: String) {
        guard state != .failed && state != .closed else { return }
        state = .failed
        eventHandler?.transport(self, didEmit: .failed(detail: detail))
    }

    private func send(_ bytes: [UInt8], to remote: IPEndpoint, via link: StreamLink? = nil) {
        bytes.withUnsafeBytes { datagram in
            if let link {
                link.sendFrame(datagram)
            } else if let selected, selected.endpoint == remote {
                sink?.send(datagram, to: selected)
            } else {
                sink?.send(datagram, to: remote)
            }
        }
    }
}
