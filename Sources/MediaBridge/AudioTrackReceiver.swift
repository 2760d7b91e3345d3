import Codecs
import MediaPipeline
import RTP

/// The audio half of a `MediaBridge`: jitter buffer (no NACK) → Opus
/// depacketizer → gap filler, with the track's sender-report clock. Every
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
    /// The unwrapped RTP timestamp that is sample 0 of `position`.
    var rtpAtZero: Int64?
    /// Wall-clock time (Unix ns, current sender-report anchor) of sample 0.
    var unixAtZero: Int64 = 0
    var framesWritten = 0
    var malformed = 0
    private var lastPacket: (rtp: UInt32, unwrapped: Int64)?

    init(spec: MediaBridgeConfiguration.Track, configuration: MediaBridgeConfiguration, bridge: MediaBridge) {
        self.spec = spec
        self.ssrc = spec.ssrcs.first
        jitterBuffer = JitterBuffer(configuration: configuration.audioJitterBuffer)
        filler = AudioGapFiller(stereo: spec.channels == 2)
        clock = SenderReportClock(clockRate: spec.clockRate)
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

    /// The wall-clock time of sample 0 under the current sender-report anchor.
    func refreshOrigin() {
        guard let rtpAtZero, let last = lastPacket, let unix = clock.unixNanoseconds(of: last.rtp) else { return }
        unixAtZero = unix - (last.unwrapped - rtpAtZero) * 1_000_000_000 / 48_000
    }

    private func handleActions(now: UInt64) {
        for action in actions {
            guard case .packet(let packet) = action else { continue }  // gaps show in the timestamps
            jitterBuffer.withPayload(of: packet) { payload in
                let samples: Int
                do { samples = try depacketizer.depacketize(payload) } catch {
                    malformed += 1
                    return
                }
                let fill = filler.push(timestamp: packet.timestamp, samples: samples)
                let unix = clock.map(rtpTimestamp: packet.timestamp, arrivalUnixNs: UInt64(bridge.unixNs(packet.arrivalNs)))
                if rtpAtZero == nil || fill.isDiscontinuity {
                    // Sample `position` is this packet: the timeline goes on without a hole.
                    rtpAtZero = fill.timestamp - position
                }
                unixAtZero = unix - (fill.timestamp - rtpAtZero!) * 1_000_000_000 / 48_000
                lastPacket = (packet.timestamp, fill.timestamp)
                for gapPacket in fill.fillPackets {
                    gapPacket.data.withUnsafeBytes { bridge.writeAudio($0, position: position, samples: gapPacket.samples, arrivalNs: nil) }
                    position += Int64(gapPacket.samples)
                }
                // Overlap (timestamp earlier than the previous end): the packet
                // goes right after the previous one.
                bridge.writeAudio(payload, position: position, samples: samples, arrivalNs: packet.arrivalNs)
                position += Int64(samples)
            }
        }
    }
}
