import Codecs
import MediaPipeline
import RTP

/// The audio half of a `MediaBridge`: jitter buffer (no NACK) → Opus
/// depacketizer (RED packets split, lost packets recovered from their
/// redundancy) → gap filler, with the track's sender-report clock. Every
/// Opus packet and filler goes to the bridge with its position in samples,
/// so the audio is continuous and lasts as long as wall-clock time.
/// Not thread-safe; owned by its bridge.
/// The stateful parts are `@exclusivity(unchecked)` (see `VideoTrackReceiver`).
final class AudioTrackReceiver {
    let spec: MediaBridgeConfiguration.Track
    var ssrc: UInt32?
    @exclusivity(unchecked) var jitterBuffer: JitterBuffer
    @exclusivity(unchecked) var depacketizer = OpusDepacketizer()
    @exclusivity(unchecked) var filler: AudioGapFiller
    @exclusivity(unchecked) var clock: SenderReportClock
    @exclusivity(unchecked) private var actions: [JitterBufferAction] = []
    unowned let bridge: MediaBridge

    /// 48 kHz samples handed to the bridge (packets and fillers).
    var position: Int64 = 0
    /// The unwrapped RTP timestamp that is sample 0 of `position` (moved at
    /// each discontinuity so the timeline goes on without a hole).
    var rtpAtZero: Int64?
    /// Receiver-clock time (Unix ns) of sample 0: the first packet's mapped
    /// time, fixed for the whole recording. Sender reports never move it; the
    /// clock is re-based at discontinuities so sample `position` stays at
    /// `unixAtZero + position / 48 kHz`.
    var unixAtZero: Int64 = 0
    var framesWritten = 0
    var malformed = 0
    /// Packets dropped because the audio already ran further ahead of the
    /// wall clock than any real sender's clock drifts (overlapping
    /// timestamps from a hostile sender would otherwise stretch the file).
    var aheadOfWallClock = 0
    /// RED (RFC 2198): the negotiated payload type, packets received with it,
    /// lost packets recovered from their redundancy, packets refused.
    let redPayloadType: UInt8?
    var redPackets = 0
    var redRecovered = 0
    var redDropped = 0
    private var lastArrivalUnixNs: Int64?
    private var firstArrivalUnixNs: Int64?

    init(spec: MediaBridgeConfiguration.Track, configuration: MediaBridgeConfiguration, bridge: MediaBridge) {
        self.spec = spec
        self.ssrc = spec.ssrcs.first
        redPayloadType = spec.redPayloadType
        jitterBuffer = JitterBuffer(configuration: configuration.audioJitterBuffer)
        filler = AudioGapFiller(stereo: spec.channels == 2)
        // Discontinuities are the gap filler's to find (it knows packet
        // durations); the clock only maps and re-bases when told.
        clock = SenderReportClock(clockRate: spec.clockRate, maxJumpSeconds: .max)
        self.bridge = bridge
        actions.reserveCapacity(16)
    }

    func receive(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8,
                 payload: UnsafeRawBufferPointer, now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.insert(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker,
                            payloadType: payloadType, payload: payload, now: now, into: &actions)
        handleActions(now: now)
    }

    /// When `poll` next has work (the jitter buffer's wait or NACK).
    var nextDeadline: UInt64? { jitterBuffer.nextDeadline }

    func poll(now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.poll(now: now, into: &actions)
        handleActions(now: now)
    }

    func flush(now: UInt64) {
        actions.removeAll(keepingCapacity: true)
        jitterBuffer.flush(into: &actions)
        handleActions(now: now)
    }

    /// File-time arithmetic for `position` samples, in ns (no overflow for
    /// any position a session can reach; saturating beyond).
    static func nanoseconds(samples: Int64) -> Int64 {
        SenderReportClock.nanoseconds(ticks: samples, rate: 48_000)
    }

    private func handleActions(now: UInt64) {
        for action in actions {
            guard case .packet(let packet) = action else { continue }  // gaps show in the timestamps
            jitterBuffer.withPayload(of: packet) { payload in
                if packet.payloadType == redPayloadType {
                    handleRED(payload, timestamp: packet.timestamp, arrivalNs: packet.arrivalNs)
                } else {
                    handleOpus(payload, timestamp: packet.timestamp, arrivalNs: packet.arrivalNs)
                }
            }
        }
    }

    /// A RED packet (RFC 2198), in sequence order: its redundant blocks that
    /// fall into the hole between where the audio so far ends and the
    /// primary — packets that were lost — are written first (recovered,
    /// timestamp = packet timestamp − offset), then the primary; the gap
    /// filler fills only what no block covered. Blocks already written are
    /// ignored. A refused RED header drops the packet (`redDropped`).
    private func handleRED(_ payload: UnsafeRawBufferPointer, timestamp: UInt32, arrivalNs: UInt64) {
        redPackets += 1
        let opus = spec.payloadType
        do throws(REDPayload.Fault) {
            try REDPayload.forEachBlock(in: payload) { block in
                guard block.payloadType == opus else {
                    if block.isPrimary { redDropped += 1 }  // a primary we did not negotiate
                    return
                }
                let data = UnsafeRawBufferPointer(rebasing: payload[block.range])
                if block.isPrimary {
                    handleOpus(data, timestamp: timestamp, arrivalNs: arrivalNs)
                } else {
                    recover(data, timestamp: timestamp &- UInt32(block.timestampOffset), primary: timestamp,
                            arrivalNs: arrivalNs)
                }
            }
        } catch {
            redDropped += 1
        }
    }

    /// Writes a redundant block when it fills (part of) the hole before the primary.
    private func recover(_ data: UnsafeRawBufferPointer, timestamp: UInt32, primary: UInt32, arrivalNs: UInt64) {
        // Nothing before the first packet is recovered: the recording starts there.
        guard let next = filler.nextTimestamp, Int32(bitPattern: timestamp &- next) >= 0 else { return }
        guard let samples = try? OpusDepacketizer.duration(of: data),
              Int64(Int32(bitPattern: primary &- timestamp)) >= Int64(samples) else { return }
        redRecovered += 1
        handleOpus(data, timestamp: timestamp, arrivalNs: arrivalNs)
    }

    /// One Opus packet, in order: gap fill before it, then the packet.
    private func handleOpus(_ payload: UnsafeRawBufferPointer, timestamp: UInt32, arrivalNs: UInt64) {
        let samples: Int
        do { samples = try depacketizer.depacketize(payload) } catch {
            malformed += 1
            return
        }
        let arrival = bridge.unixNs(arrivalNs)
        if firstArrivalUnixNs == nil { firstArrivalUnixNs = arrival }
        // Audio may run ahead of the wall clock by 2 s plus 0.1 % (drift), no more.
        let wall = max(0, arrival.subtractingSaturating(firstArrivalUnixNs!))
        if Self.nanoseconds(samples: position) > wall.addingSaturating(2_000_000_000 + wall / 1_000) {
            aheadOfWallClock += 1
            return
        }
        let elapsed = lastArrivalUnixNs.map { max(0, arrival.subtractingSaturating($0)) / 1_000_000 * 48 }
        lastArrivalUnixNs = arrival
        let fill = filler.push(timestamp: timestamp, samples: samples, elapsedSamples: elapsed)
        let mapped = clock.map(rtpTimestamp: timestamp, arrivalUnixNs: arrival)
        for gapPacket in fill.fillPackets {
            gapPacket.data.withUnsafeBytes { bridge.writeAudio($0, position: position, samples: gapPacket.samples, arrivalNs: nil) }
            position += Int64(gapPacket.samples)
        }
        if rtpAtZero == nil {
            rtpAtZero = mapped.unwrapped
            unixAtZero = mapped.unixNs
        } else if fill.isDiscontinuity {
            // Sample `position` is this packet: the timeline goes on
            // without a hole, and so does the mapping.
            rtpAtZero = mapped.unwrapped &- position
            clock.rebase(unwrapped: mapped.unwrapped,
                         toUnixNs: unixAtZero.addingSaturating(Self.nanoseconds(samples: position)))
        }
        // Overlap (timestamp earlier than the previous end): the packet
        // goes right after the previous one.
        bridge.writeAudio(payload, position: position, samples: samples, arrivalNs: arrivalNs)
        position += Int64(samples)
    }
}
