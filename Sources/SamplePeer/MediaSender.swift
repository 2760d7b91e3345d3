import Foundation
import MediaPipeline
import RTP

/// One session's sending side: numbers the shared source's frames for this
/// session's SSRCs (own `RTPSequencer`s, random initial sequence numbers and
/// timestamps, RFC 3550 §5.1), sends an RTCP SR per SSRC about every second
/// (RFC 3550 §6.4.1), answers generic NACKs from a ~1 s `SendHistory`
/// (RFC 4585 §6.2.1) and passes PLI/FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1)
/// on to the shared encoder — unless told to ignore them, as OBS does.
///
/// Not thread-safe: owned by the session's media loop, like its sink.
public final class MediaSender {
    public let videoSSRC: UInt32?
    public let audioSSRC: UInt32?
    public let cname: String
    /// Counts so far.
    public private(set) var statistics = MediaSenderStatistics()
    /// PLI and FIR are counted but not passed on to the encoder, as OBS does
    /// (its keyframe-request handling was never merged): the receiver must
    /// wait for the sender's own keyframe interval.
    public var ignoresKeyframeRequests = false
    /// Generic NACKs are counted but nothing is retransmitted.
    public var ignoresNACK = false
    /// Capture time of the first video frame sent.
    private var firstVideoCaptureTime: UInt64?
    /// When the first video frame went out (uptime nanoseconds).
    public private(set) var firstVideoSendTime: UInt64?

    private let sink: RTPPacketSink
    private let keyframeRequest: (UInt64) -> Void
    private var video: RTPSequencer?
    private var audio: OpusPacketizer?
    private let videoTimestampBase: UInt32
    private let audioTimestampBase: UInt32
    private var videoHistory = SendHistory()
    private var audioHistory = SendHistory()
    /// The last frame sent per stream: (RTP timestamp, due time) anchors the
    /// RTP↔NTP mapping of the SRs.
    private var videoAnchor: (rtp: UInt32, time: UInt64)?
    private var audioAnchor: (rtp: UInt32, time: UInt64)?
    private var videoPackets: UInt32 = 0
    private var videoOctets: UInt32 = 0
    private var audioPackets: UInt32 = 0
    private var audioOctets: UInt32 = 0
    private var nextReportTime: UInt64?
    /// When each recent frame (by counter) went out, for the loopback RTT.
    private var frameSendTimes: [(index: Int, time: UInt64)]
    private let wallClock: () -> UInt64

    /// Nanoseconds between SRs (RFC 3550 §6.2 suggests ~5 s; one second keeps A/V sync quick to settle).
    public static let reportIntervalNs: UInt64 = 1_000_000_000

    /// - Parameters:
    ///   - videoSSRC/videoPayloadType, audioSSRC/audioPayloadType: the
    ///     negotiated streams (nil SSRC: not sent).
    ///   - sink: where packets go.
    ///   - keyframeRequest: called with `now` on a PLI or FIR for the video SSRC.
    ///   - wallClock: Unix time in nanoseconds, for the SRs' NTP timestamps.
    public init(videoSSRC: UInt32?, videoPayloadType: UInt8 = 96, audioSSRC: UInt32?, audioPayloadType: UInt8 = 111,
                cname: String, sink: RTPPacketSink, keyframeRequest: @escaping (UInt64) -> Void,
                wallClock: @escaping () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1e9) }) {
        self.videoSSRC = videoSSRC
        self.audioSSRC = audioSSRC
        self.cname = cname
        self.sink = sink
        self.keyframeRequest = keyframeRequest
        self.wallClock = wallClock
        videoTimestampBase = .random(in: 0...UInt32.max)
        audioTimestampBase = .random(in: 0...UInt32.max)
        if let videoSSRC {
            video = RTPSequencer(ssrc: videoSSRC, payloadType: videoPayloadType,
                                 initialSequenceNumber: .random(in: 0...UInt16.max))
        }
        if let audioSSRC {
            // The timestamp is set from the first packet's index (see `send(audio:)`).
            audio = OpusPacketizer(sequencer: RTPSequencer(ssrc: audioSSRC, payloadType: audioPayloadType,
                                                           initialSequenceNumber: .random(in: 0...UInt16.max)),
                                   initialTimestamp: 0)
        }
        frameSendTimes = Array(repeating: (-1, 0), count: 256)
    }

    // MARK: - Media

    /// Sends one video frame: the shared payloads with this session's headers,
    /// the marker on the last packet.
    public func send(video frame: SourceVideoFrame, now: UInt64) {
        guard var sequencer = video else { return }
        let timestamp = videoTimestampBase &+ UInt32(truncatingIfNeeded: frame.ticks)
        var sentAll = true
        for (index, payload) in frame.payloads.enumerated() {
            let packet = sequencer.makePacket(payload: payload, timestamp: timestamp,
                                              marker: index == frame.payloads.count - 1)
            let bytes = packet.bytes
            videoHistory.record(sequenceNumber: packet.sequenceNumber, bytes: bytes, now: now)
            if transmit(bytes) {
                videoPackets &+= 1
                videoOctets &+= UInt32(truncatingIfNeeded: payload.count)
                statistics.payloadOctetsSent += payload.count
            } else {
                sentAll = false
            }
        }
        video = sequencer
        videoAnchor = (timestamp, frame.captureTime)
        if sentAll {
            statistics.videoFramesSent += 1
            if frame.isKeyframe { statistics.keyframesSent += 1 }
            if firstVideoCaptureTime == nil {
                firstVideoCaptureTime = frame.captureTime
                firstVideoSendTime = now
            }
            if statistics.keyframesSent == 0 {
                statistics.videoFramesBeforeFirstKeyframe += 1
            } else if statistics.firstKeyframeAfterMs == nil, let first = firstVideoCaptureTime {
                statistics.firstKeyframeAfterMs = Int((frame.captureTime &- first) / 1_000_000)
            }
        }
        frameSendTimes[frame.index & 255] = (frame.index, now)
    }

    /// Sends one Opus packet.
    public func send(audio frame: SourceAudioFrame, now: UInt64) {
        guard var packetizer = audio else { return }
        if audioAnchor == nil {
            packetizer = OpusPacketizer(sequencer: packetizer.sequencer,
                                        initialTimestamp: audioTimestampBase &+ UInt32(truncatingIfNeeded: frame.ticks))
        }
        let timestamp = packetizer.nextTimestamp
        guard let packet = try? packetizer.packetize(frame.payload, startOfTalkspurt: audioAnchor == nil) else { return }
        audio = packetizer
        let bytes = packet.bytes
        audioHistory.record(sequenceNumber: packet.sequenceNumber, bytes: bytes, now: now)
        audioAnchor = (timestamp, frame.captureTime)
        if transmit(bytes) {
            audioPackets &+= 1
            audioOctets &+= UInt32(truncatingIfNeeded: frame.payload.count)
            statistics.payloadOctetsSent += frame.payload.count
            statistics.audioFramesSent += 1
        }
    }

    private func transmit(_ bytes: [UInt8]) -> Bool {
        let ok = bytes.withUnsafeBytes { sink.sendRTP($0) }
        if ok { statistics.packetsSent += 1 } else { statistics.sendFailures += 1 }
        return ok
    }

    /// When frame `index` (the picture's counter) went out, if it is recent.
    public func sendTime(ofFrame index: Int) -> UInt64? {
        let entry = frameSendTimes[index & 255]
        return entry.index == index ? entry.time : nil
    }

    // MARK: - RTCP

    /// Timers: sends the SRs when due (call often, e.g. on every port tick).
    /// When `tick` next has work: the next sender report once media flows
    /// (at once when none is scheduled yet: the tick schedules the first).
    public func nextTickDeadline(now: UInt64) -> UInt64? {
        guard videoAnchor != nil || audioAnchor != nil else { return nil }
        return nextReportTime ?? now
    }

    public func tick(now: UInt64) {
        guard videoAnchor != nil || audioAnchor != nil else { return }
        guard let due = nextReportTime else {
            nextReportTime = now + Self.reportIntervalNs / 4  // the first soon after media starts
            return
        }
        guard now >= due else { return }
        nextReportTime = now + Self.reportIntervalNs
        sendReports(now: now)
    }

    /// The SR compound for this instant: one SR per SSRC that has sent, then
    /// SDES with the CNAME (RFC 3550 §6.1). The RTP timestamp is the last
    /// frame's, advanced by the time since that frame was due.
    public func senderReports(now: UInt64) -> [UInt8]? {
        let ntp = NTPTimestamp(unixNanoseconds: wallClock())
        var packets: [RTCPPacket] = []
        var chunks: [SourceDescription.Chunk] = []
        if let ssrc = videoSSRC, let anchor = videoAnchor {
            packets.append(.senderReport(SenderReport(
                ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: Self.rtpTime(anchor, now: now, rate: 90_000),
                packetCount: videoPackets, octetCount: videoOctets)))
            chunks.append(.init(source: ssrc, items: [.init(type: SourceDescription.ItemType.cname, text: cname)]))
        }
        if let ssrc = audioSSRC, let anchor = audioAnchor {
            packets.append(.senderReport(SenderReport(
                ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: Self.rtpTime(anchor, now: now, rate: 48_000),
                packetCount: audioPackets, octetCount: audioOctets)))
            chunks.append(.init(source: ssrc, items: [.init(type: SourceDescription.ItemType.cname, text: cname)]))
        }
        guard !packets.isEmpty else { return nil }
        packets.append(.sourceDescription(SourceDescription(chunks: chunks)))
        return RTCPCompoundPacket.serialize(packets)
    }

    private func sendReports(now: UInt64) {
        guard let compound = senderReports(now: now) else { return }
        if compound.withUnsafeBytes({ sink.sendRTCP($0) }) { statistics.senderReportsSent += 1 }
    }

    static func rtpTime(_ anchor: (rtp: UInt32, time: UInt64), now: UInt64, rate: UInt64) -> UInt32 {
        if now >= anchor.time {
            return anchor.rtp &+ UInt32(truncatingIfNeeded: (now - anchor.time) * rate / 1_000_000_000)
        }
        return anchor.rtp &- UInt32(truncatingIfNeeded: (anchor.time - now) * rate / 1_000_000_000)
    }

    /// Handles an RTCP compound from the remote: NACKs for our SSRCs are
    /// answered from the history, PLI/FIR for our video SSRC ask the encoder
    /// for a keyframe. Everything else (RR, SR of echoed streams, REMB) is ignored.
    public func handleRTCP(_ raw: UnsafeRawBufferPointer, now: UInt64) {
        guard let packets = try? RTCPCompoundPacket.parse(raw) else { return }
        for packet in packets {
            switch packet {
            case .genericNACK(let nack):
                let history: SendHistory
                if nack.mediaSSRC == videoSSRC { history = videoHistory }
                else if nack.mediaSSRC == audioSSRC { history = audioHistory }
                else { continue }
                statistics.nacksReceived += 1
                if ignoresNACK { continue }
                for sequenceNumber in nack.lostSequenceNumbers {
                    if let bytes = history.packet(sequenceNumber: sequenceNumber, now: now),
                       bytes.withUnsafeBytes({ sink.sendRTP($0) }) {
                        statistics.nacksServed += 1
                    } else {
                        statistics.nacksUnavailable += 1
                    }
                }
            case .pictureLossIndication(let pli) where pli.mediaSSRC == videoSSRC && videoSSRC != nil:
                statistics.plisReceived += 1
                if !ignoresKeyframeRequests { keyframeRequest(now) }
            case .fullIntraRequest(let fir) where videoSSRC != nil && fir.entries.contains(where: { $0.ssrc == videoSSRC }):
                statistics.firsReceived += 1
                if !ignoresKeyframeRequests { keyframeRequest(now) }
            default:
                continue
            }
        }
    }
}
