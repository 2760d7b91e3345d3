import MediaPipeline
import RTP

/// The video half of a `MediaBridge`: jitter buffer with NACK →
/// depacketizer (VP8 or H.264, `VideoDepacketizer`) → keyframe gate, with the keyframe requester and the
/// track's sender-report clock. Hands whole frames that a decoder can
/// decode to the bridge. Not thread-safe; owned by its bridge.
/// The stateful parts are `@exclusivity(unchecked)`: they are touched only on
/// the session's event loop, never re-entrantly, and the dynamic check on every
/// mutating call was a third of the recording pipeline's instructions
/// (scripts/bench-hotpaths, recording-pipeline).
final class VideoTrackReceiver {
    let spec: MediaBridgeConfiguration.Track
    var ssrc: UInt32?
    @exclusivity(unchecked) var jitterBuffer: JitterBuffer
    @exclusivity(unchecked) var depacketizer: VideoDepacketizer
    @exclusivity(unchecked) var gate = VideoGate()
    @exclusivity(unchecked) var requester: KeyframeRequester
    @exclusivity(unchecked) var clock: SenderReportClock
    @exclusivity(unchecked) private var actions: [JitterBufferAction] = []
    /// Depacketizer output, reused; emptied after handling so the frame's
    /// buffer goes back to the depacketizer (no allocation per frame).
    @exclusivity(unchecked) private var events: [VideoDepacketizerEvent] = []
    /// Arrival time of the packet being handed on.
    private var arrivalNs: UInt64 = 0
    /// The earliest arrival among the packets of the frame being assembled
    /// (a keyframe's packets arrive over tens of ms; its first packet is the
    /// better anchor for the mapping), and that frame's timestamp.
    private var frameArrivalNs: UInt64 = 0
    private var frameTimestamp: UInt32?
    unowned let bridge: MediaBridge

    // Counters for the sidecar.
    var framesWritten = 0
    var keyframesWritten = 0
    var framesHeldBack = 0
    var nacksSent = 0
    var resolutions: [RecordingSidecar.Resolution] = []
    /// RTX (RFC 4588): the retransmission stream's SSRC (from SDP, else the
    /// first RTX packet's), retransmissions fed to the jitter buffer,
    /// padding-only packets (probes) dropped, retransmissions of packets not
    /// (or no longer) missing dropped, and RTX packets of another stream.
    var rtxSSRC: UInt32?
    var rtxPackets = 0
    var rtxPaddingDropped = 0
    var rtxUnneeded = 0
    var rtxForeignDropped = 0

    init(spec: MediaBridgeConfiguration.Track, configuration: MediaBridgeConfiguration, bridge: MediaBridge) {
        self.spec = spec
        self.ssrc = spec.ssrcs.first
        self.rtxSSRC = spec.rtxSSRCs.first
        var jb = configuration.videoJitterBuffer
        jb.nackEnabled = jb.nackEnabled && spec.nack
        jitterBuffer = JitterBuffer(configuration: jb)
        depacketizer = VideoDepacketizer(codec: spec.videoCodec ?? .vp8, formatParameters: spec.formatParameters)
        var requests = configuration.keyframeRequests
        requests.allowPLI = requests.allowPLI && spec.pli
        requests.allowFIR = requests.allowFIR && spec.fir
        requester = KeyframeRequester(configuration: requests)
        clock = SenderReportClock(clockRate: spec.clockRate)
        self.bridge = bridge
        actions.reserveCapacity(64)
        events.reserveCapacity(8)
    }

    /// The session went active: PLI at once.
    func start(now: UInt64) {
        send(requester.start(now: now))
    }

    func receive(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8,
                 payload: UnsafeRawBufferPointer, now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.insert(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker,
                            payloadType: payloadType, payload: payload, now: now, into: &actions)
        handleActions(now: now)
    }

    /// An RTX packet (the negotiated RTX payload type): a retransmission is
    /// unwrapped — original sequence number from its first two octets, the
    /// RTX header's timestamp and marker (RFC 4588 §4) — and goes into the
    /// jitter buffer like the original, when the buffer still misses it.
    func receiveRTX(ssrc packetSSRC: UInt32, timestamp: UInt32, marker: Bool, payload: UnsafeRawBufferPointer,
                    now: UInt64) {
        if let rtxSSRC {
            guard packetSSRC == rtxSSRC else {
                rtxForeignDropped += 1
                return
            }
        } else {
            // No FID group: the first RTX packet names the stream, unless it
            // claims the media SSRC (RTX always has its own, RFC 4588 §5).
            guard packetSSRC != ssrc, !spec.ssrcs.contains(packetSSRC) else {
                rtxForeignDropped += 1
                return
            }
            rtxSSRC = packetSSRC
        }
        switch RTXPayload.content(of: payload) {
        case .padding:
            rtxPaddingDropped += 1
        case .retransmission(let osn, let range):
            guard jitterBuffer.isMissing(sequenceNumber: osn) else {
                rtxUnneeded += 1
                return
            }
            rtxPackets += 1
            receive(sequenceNumber: osn, timestamp: timestamp, marker: marker, payloadType: spec.payloadType,
                    payload: UnsafeRawBufferPointer(rebasing: payload[range]), now: now)
        }
    }

    /// When `poll` next has work: the jitter buffer's wait or NACK, a keyframe-request retry.
    var nextDeadline: UInt64? {
        guard let retry = requester.nextDeadline else { return jitterBuffer.nextDeadline }
        guard let buffer = jitterBuffer.nextDeadline else { return retry }
        return min(retry, buffer)
    }

    func poll(now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.poll(now: now, into: &actions)
        handleActions(now: now)
        send(requester.poll(now: now))
    }

    /// End of the stream: hand out what is held.
    func flush(now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.flush(into: &actions)
        handleActions(now: now)
        depacketizer.handleGap(into: &events)  // what `flush()` does, into the reused events
        handleEvents(now: now)
    }

    private func handleActions(now: UInt64) {
        for action in actions {
            switch action {
            case .packet(let packet):
                arrivalNs = packet.arrivalNs
                if frameTimestamp != packet.timestamp {
                    frameTimestamp = packet.timestamp
                    frameArrivalNs = packet.arrivalNs
                } else {
                    frameArrivalNs = min(frameArrivalNs, packet.arrivalNs)
                }
                jitterBuffer.withPayload(of: packet) { payload in
                    depacketizer.push(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                                      marker: packet.marker, payload: payload, into: &events)
                }
                handleEvents(now: now)
            case .gap:
                // A gap that only cut off a picture's upper VP9 layers (the
                // picture was salvaged) is no loss to the gate; if a whole
                // picture went too, the next frame says so (`followsLoss`).
                let lost = depacketizer.handleGap(into: &events)
                handleEvents(now: now)
                if lost && gate.noteLoss() { send(requester.requestKeyframe(now: now)) }
            case .restart:
                depacketizer.handleGap(into: &events)
                handleEvents(now: now)
                if gate.noteLoss() { send(requester.requestKeyframe(now: now)) }
            case .sendNACK(let list):
                guard let ssrc else { break }
                nacksSent += 1
                bridge.sendFeedback(.genericNACK(GenericNACK(senderSSRC: bridge.configuration.localSSRC,
                                                             mediaSSRC: ssrc, lostSequenceNumbers: list)))
            }
        }
    }

    private func handleEvents(now: UInt64) {
        for event in events { handle(event, now: now) }
        events.removeAll(keepingCapacity: true)
    }

    private func handle(_ event: VideoDepacketizerEvent, now: UInt64) {
        switch event {
        case .dropped:
            framesHeldBack += 1
            if gate.noteLoss() { send(requester.requestKeyframe(now: now)) }
        case .frame(let frame):
            switch gate.admit(frame) {
            case .forward:
                if frame.isKeyframe { requester.keyframeReceived(now: now) }
                let anchorArrival = frame.rtpTimestamp == frameTimestamp ? min(frameArrivalNs, arrivalNs) : arrivalNs
                let mapped = clock.map(rtpTimestamp: frame.rtpTimestamp, arrivalUnixNs: bridge.unixNs(anchorArrival))
                bridge.writeVideo(frame, mappedUnixNs: mapped.unixNs, arrivalNs: arrivalNs)
            case .dropAwaitingKeyframe:
                framesHeldBack += 1
                if !requester.isWaiting { send(requester.requestKeyframe(now: now)) }
            case .dropAfterLoss:
                framesHeldBack += 1
                send(requester.requestKeyframe(now: now))
            }
        }
    }

    private func send(_ request: KeyframeRequestAction?) {
        guard let request, let ssrc else { return }
        bridge.sendFeedback(request.rtcpPacket(senderSSRC: bridge.configuration.localSSRC, mediaSSRC: ssrc))
    }
}
