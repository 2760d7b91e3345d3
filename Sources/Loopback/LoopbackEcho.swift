import Foundation
import RTP
import Transport

/// Loopback mode (DESIGN §3): everything a peer sends comes back to it from
/// Capstan's own SSRCs, with continuous sequence numbers and timestamps and
/// Capstan's own sender reports. The peer's NACKs on the echoed video are
/// served from a history, or forwarded upstream as NACKs for the packets we
/// never got; its PLI/FIR become a PLI upstream (rate-limited).
///
/// Not thread-safe: runs on the media port's event loop as the session's
/// `TransportMediaReceiver` (next to the recording, if any).
public final class LoopbackEcho: TransportMediaReceiver {
    /// Where echoed RTP and our RTCP go (the session's transport).
    public struct Output {
        public var sendRTP: (UnsafeRawBufferPointer) -> Void
        public var sendRTCP: (UnsafeRawBufferPointer) -> Void
        public init(sendRTP: @escaping (UnsafeRawBufferPointer) -> Void, sendRTCP: @escaping (UnsafeRawBufferPointer) -> Void) {
            self.sendRTP = sendRTP
            self.sendRTCP = sendRTCP
        }
    }

    /// What one negotiated track looks like: the payload type the peer uses
    /// and the SSRC we echo it from.
    public struct Track: Sendable {
        public var payloadType: UInt8
        public var localSSRC: UInt32
        public var clockRate: Int
        public init(payloadType: UInt8, localSSRC: UInt32, clockRate: Int) {
            self.payloadType = payloadType
            self.localSSRC = localSSRC
            self.clockRate = clockRate
        }
    }

    public struct Counters: Sendable, Equatable {
        public var echoed: UInt64 = 0
        public var retransmitted: UInt64 = 0
        public var nacksForwarded: UInt64 = 0
        public var keyframeRequestsForwarded: UInt64 = 0
        public var senderReports: UInt64 = 0
        public var unknownPayloadType: UInt64 = 0
    }

    private var audio: EchoStream?
    private var video: EchoStream?
    private let audioPayloadType: UInt8?
    private let videoPayloadType: UInt8?
    private let output: Output
    private let cname: String
    private var nextReportAt: UInt64?
    private var lastKeyframeRequestAt: UInt64?
    public private(set) var counters = Counters()
    /// Sender SSRC on the RTCP we send upstream.
    private var rtcpSenderSSRC: UInt32 { video?.localSSRC ?? audio?.localSSRC ?? 1 }

    public static let reportIntervalNs: UInt64 = 1_000_000_000
    public static let keyframeRequestIntervalNs: UInt64 = 300_000_000

    public init(audio: Track?, video: Track?, cname: String, output: Output) {
        self.audio = audio.map { EchoStream(localSSRC: $0.localSSRC, clockRate: $0.clockRate) }
        self.video = video.map { EchoStream(localSSRC: $0.localSSRC, clockRate: $0.clockRate) }
        audioPayloadType = audio?.payloadType
        videoPayloadType = video?.payloadType
        self.cname = cname
        self.output = output
    }

    public func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let header = try? RTPHeader(parsing: packet) else { return }
        let rewritten: [UInt8]?
        if header.payloadType == videoPayloadType, video != nil {
            rewritten = video!.rewrite(packet, header: header, now: now)
        } else if header.payloadType == audioPayloadType, audio != nil {
            rewritten = audio!.rewrite(packet, header: header, now: now)
        } else {
            counters.unknownPayloadType &+= 1
            return
        }
        guard let rewritten else { return }
        counters.echoed &+= 1
        rewritten.withUnsafeBytes(output.sendRTP)
        if nextReportAt == nil { nextReportAt = now + Self.reportIntervalNs / 2 }
    }

    public func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let packets = try? RTCPCompoundPacket.parse(packet) else { return }
        var upstream: [RTCPPacket] = []
        for rtcp in packets {
            switch rtcp {
            case .genericNACK(let nack):
                upstream += serveNACK(nack)
            case .pictureLossIndication(let pli) where pli.mediaSSRC == video?.localSSRC:
                upstream += keyframeRequest(now: now)
            case .fullIntraRequest(let fir) where fir.entries.contains { $0.ssrc == video?.localSSRC }:
                upstream += keyframeRequest(now: now)
            default:
                break
            }
        }
        if !upstream.isEmpty {
            RTCPCompoundPacket.serialize(upstream).withUnsafeBytes(output.sendRTCP)
        }
    }

    /// The only timer of the echo: the next sender report.
    public func nextTickDeadline(now: UInt64) -> UInt64? { nextReportAt }

    public func transportTick(now: UInt64) {
        guard let due = nextReportAt, now >= due else { return }
        nextReportAt = now + Self.reportIntervalNs
        var reports: [RTCPPacket] = []
        let ntp = NTPTimestamp(unixNanoseconds: UInt64(Date().timeIntervalSince1970 * 1e9))
        for stream in [video, audio].compactMap({ $0 }) {
            guard let rtpTimestamp = stream.rtpTimestamp(at: now) else { continue }
            reports.append(.senderReport(SenderReport(
                ssrc: stream.localSSRC, ntpTimestamp: ntp, rtpTimestamp: rtpTimestamp,
                packetCount: stream.packetsSent, octetCount: stream.octetsSent, reportBlocks: [])))
        }
        guard !reports.isEmpty else { return }
        let sources = [video, audio].compactMap { $0?.localSSRC }
        reports.append(.sourceDescription(SourceDescription(chunks: sources.map {
            SourceDescription.Chunk(source: $0, items: [.cname(cname)])
        })))
        counters.senderReports &+= 1
        RTCPCompoundPacket.serialize(reports).withUnsafeBytes(output.sendRTCP)
    }

    /// Retransmits what the history holds; returns a NACK upstream for the rest.
    private func serveNACK(_ nack: GenericNACK) -> [RTCPPacket] {
        let stream: EchoStream?
        if nack.mediaSSRC == video?.localSSRC { stream = video } else if nack.mediaSSRC == audio?.localSSRC { stream = audio } else { return [] }
        guard let stream, let remote = stream.remoteSSRC else { return [] }
        var missing: [UInt16] = []
        for sequence in nack.lostSequenceNumbers {
            if let packet = stream.retransmission(of: sequence) {
                packet.withUnsafeBytes(output.sendRTP)
                counters.retransmitted &+= 1
            } else if let upstream = stream.upstreamSequence(of: sequence) {
                missing.append(upstream)
            }
        }
        guard !missing.isEmpty else { return [] }
        counters.nacksForwarded &+= 1
        return [.genericNACK(GenericNACK(senderSSRC: rtcpSenderSSRC, mediaSSRC: remote, lostSequenceNumbers: missing))]
    }

    private func keyframeRequest(now: UInt64) -> [RTCPPacket] {
        guard let remote = video?.remoteSSRC else { return [] }
        if let last = lastKeyframeRequestAt, now - last < Self.keyframeRequestIntervalNs { return [] }
        lastKeyframeRequestAt = now
        counters.keyframeRequestsForwarded &+= 1
        return [.pictureLossIndication(PictureLossIndication(senderSSRC: rtcpSenderSSRC, mediaSSRC: remote))]
    }
}
