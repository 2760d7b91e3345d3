import Codecs
import MediaPipeline
import RTP

/// The receive side of `capstan peer --loopback`: takes the echoed VP8 stream,
/// puts frames together (`VP8Depacketizer`, RFC 7741), decodes them with
/// libvpx, reads the test pattern's frame counter back to match each frame to
/// the one sent, and measures the round trip.
///
/// After a loss, interframes are not decoded until the next keyframe, which
/// it asks for with a PLI (rate-limited).
///
/// Not thread-safe: owned by the session's media loop.
public final class EchoReceiver {
    public let pattern: TestPattern
    public let videoPayloadType: UInt8
    /// Counts so far.
    public private(set) var statistics = EchoStatistics()
    /// The first `counterLimit` frame counters decoded, in decode order.
    public private(set) var counters: [Int] = []
    /// How many counters `counters` keeps.
    public static let counterLimit = 100_000
    /// The echo's video SSRC, learned from the first packet.
    public private(set) var remoteSSRC: UInt32?

    private var depacketizer = VP8Depacketizer()
    private let decoder: VP8Decoder
    private let sendTime: (Int) -> UInt64?
    private let requestKeyframe: (UInt32) -> Void
    private var waitingForKeyframe = true
    private var lastPLI: UInt64?
    private var rttSum = 0.0
    private var rttCount = 0

    /// - Parameters:
    ///   - pattern: the size of the video sent (to read the counter).
    ///   - videoPayloadType: the negotiated VP8 payload type.
    ///   - sendTime: when the frame with this counter was sent, if known.
    ///   - requestKeyframe: sends a PLI for the given remote SSRC.
    public init(pattern: TestPattern, videoPayloadType: UInt8 = 96, sendTime: @escaping (Int) -> UInt64?,
                requestKeyframe: @escaping (UInt32) -> Void) throws(CodecsError) {
        self.pattern = pattern
        self.videoPayloadType = videoPayloadType
        self.sendTime = sendTime
        self.requestKeyframe = requestKeyframe
        decoder = try VP8Decoder()
    }

    /// One echoed RTP packet (decrypted). Other payload types are ignored.
    public func receiveRTP(_ raw: UnsafeRawBufferPointer, now: UInt64) {
        guard let header = try? RTPHeader(parsing: raw), header.payloadType == videoPayloadType else { return }
        if remoteSSRC == nil { remoteSSRC = header.ssrc }
        guard header.ssrc == remoteSSRC else { return }
        statistics.videoPacketsEchoed += 1
        let events = depacketizer.push(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                                       marker: header.marker,
                                       payload: UnsafeRawBufferPointer(rebasing: raw[header.payloadRange]))
        handle(events, now: now)
    }

    /// The stream ended: a frame half put together counts as incomplete.
    public func finish(now: UInt64) {
        handle(depacketizer.flush(), now: now)
    }

    private func handle(_ events: [VP8DepacketizerEvent], now: UInt64) {
        for event in events {
            switch event {
            case .dropped:
                statistics.videoFramesIncomplete += 1
                lost(now: now)
            case .frame(let frame):
                statistics.videoFramesEchoed += 1
                decode(frame, now: now)
            }
        }
    }

    private func decode(_ frame: AssembledVP8Frame, now: UInt64) {
        if frame.followsLoss && !frame.isKeyframe { waitingForKeyframe = true }
        if frame.isKeyframe { waitingForKeyframe = false }
        guard !waitingForKeyframe else {
            statistics.videoFramesUndecodable += 1
            lost(now: now)
            return
        }
        guard let decoded = try? decoder.decode(frame.data, copyImage: true), !decoded.isCorrupted,
              let image = decoded.image, let counter = pattern.readFrameCounter(in: image) else {
            statistics.videoFramesUndecodable += 1
            waitingForKeyframe = true
            lost(now: now)
            return
        }
        statistics.videoFramesDecoded += 1
        if let last = counters.last, counter <= last { statistics.countersOutOfOrder += 1 }
        if counters.count < Self.counterLimit { counters.append(counter) }
        if let sent = sendTime(counter), now >= sent {
            let ms = Double(now - sent) / 1e6
            rttSum += ms
            rttCount += 1
            statistics.rttMinMs = min(statistics.rttMinMs ?? ms, ms)
            statistics.rttMaxMs = max(statistics.rttMaxMs ?? ms, ms)
            statistics.rttMeanMs = rttSum / Double(rttCount)
        }
    }

    /// Asks the echo for a keyframe, at most every 250 ms.
    private func lost(now: UInt64) {
        guard let ssrc = remoteSSRC else { return }
        if let last = lastPLI, now &- last < 250_000_000 { return }
        lastPLI = now
        statistics.plisSent += 1
        requestKeyframe(ssrc)
    }
}
