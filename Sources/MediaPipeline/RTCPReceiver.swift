import RTP

/// The receiving side of RTCP for one session (RFC 3550 §6): keeps reception
/// statistics per remote SSRC, remembers each source's last sender report, and
/// about once per `intervalNs` builds a compound packet of a receiver report (a
/// report block per source: fraction lost, cumulative lost, extended highest
/// sequence number, jitter, LSR and DLSR, §6.4.2) and an SDES CNAME (§6.5.1),
/// as RFC 3550 §6.1 requires of every compound packet.
///
/// Sans-I/O; times are nanoseconds on the caller's monotonic clock. The interval
/// is not randomized: the caller may jitter `poll` if it wants to. The first report
/// is due half an interval after the first packet (RFC 3550 §6.2).
public struct RTCPReceiver: Sendable {
    private struct Source: Sendable {
        var ssrc: UInt32
        var clockRate: Int
        var statistics = RTPReceptionStatistics()
        var lastSR: (compactNTP: UInt32, receivedAtNs: UInt64)?
    }

    /// The SSRC this receiver reports as.
    public let localSSRC: UInt32
    /// The CNAME in every report.
    public let cname: String
    /// The report interval.
    public let intervalNs: UInt64
    /// When the next report is due; nil before the first packet.
    public private(set) var nextDeadline: UInt64?
    /// Reports built.
    public private(set) var reportsSent = 0

    private var sources: [Source] = []
    /// The SDES packet with our CNAME: the same in every report.
    private let sourceDescription: [UInt8]

    /// Creates a receiver.
    public init(localSSRC: UInt32, cname: String, intervalNs: UInt64 = 1_000_000_000) {
        self.localSSRC = localSSRC
        self.cname = cname
        self.intervalNs = intervalNs
        var sdes: [UInt8] = []
        SourceDescription(chunks: [SourceDescription.Chunk(source: localSSRC, items: [.cname(cname)])]).write(to: &sdes)
        sourceDescription = sdes
    }

    /// The remote sources seen, in order of their first packet.
    public var sourceSSRCs: [UInt32] { sources.map(\.ssrc) }

    /// The reception statistics of one source.
    public func statistics(ssrc: UInt32) -> RTPReceptionStatistics? {
        sources.first { $0.ssrc == ssrc }?.statistics
    }

    /// Records one received RTP packet (every copy, before the jitter buffer, as
    /// RFC 3550 A.1 counts duplicates as received).
    public mutating func receivedRTP(ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32, clockRate: Int,
                                     arrivalNs: UInt64) {
        let i = sourceIndex(ssrc: ssrc, clockRate: clockRate)
        sources[i].statistics.record(sequence: sequenceNumber, rtpTimestamp: timestamp, arrivalNs: arrivalNs,
                                     clockRate: sources[i].clockRate)
        if nextDeadline == nil { nextDeadline = arrivalNs &+ intervalNs / 2 }
    }

    /// Records a sender report from a remote source, for LSR and DLSR.
    public mutating func receivedSenderReport(_ info: SenderInfo, arrivalNs: UInt64) {
        guard let i = sources.firstIndex(where: { $0.ssrc == info.ssrc }) else { return }
        sources[i].lastSR = (info.ntpTimestamp.compact, arrivalNs)
    }

    /// The report when one is due, else nil; schedules the next.
    public mutating func poll(now: UInt64) -> [RTCPPacket]? {
        guard takeDeadline(now: now) else { return nil }
        return makeReport(now: now)
    }

    /// Whether a report is due at `now`; if so, schedules the next one.
    private mutating func takeDeadline(now: UInt64) -> Bool {
        guard let deadline = nextDeadline, now >= deadline else { return false }
        let next = deadline &+ intervalNs
        nextDeadline = next > now ? next : now &+ intervalNs  // polled late: a full interval from now
        return true
    }

    /// `poll(now:)` writing the compound packet (RR + SDES) into `bytes`,
    /// replacing its contents; returns false when no report is due. Nothing is
    /// allocated once `bytes` has grown to a report's size.
    public mutating func poll(now: UInt64, into bytes: inout [UInt8]) -> Bool {
        guard takeDeadline(now: now) else { return false }
        writeReport(now: now, into: &bytes)
        return true
    }

    /// Builds a report now (e.g. to send with a NACK or PLI, which RFC 4585 §3.1
    /// puts in a compound packet), starting a new interval for the fraction lost.
    /// More than 31 sources take several RRs. The packets are exactly those
    /// `poll(now:into:)` writes, read back.
    public mutating func makeReport(now: UInt64) -> [RTCPPacket] {
        var bytes: [UInt8] = []
        writeReport(now: now, into: &bytes)
        do { return try RTCPCompoundPacket.parse(bytes) } catch {
            preconditionFailure("RTCPReceiver wrote a report it cannot parse: \(error)")
        }
    }

    /// The one report writer: RR(s) with a block per source, then SDES, into
    /// `bytes` (replacing its contents).
    private mutating func writeReport(now: UInt64, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        var start = 0
        repeat {
            let end = min(start + 31, sources.count)
            ReceiverReport.write(ssrc: localSSRC, blockCount: end - start, to: &bytes) { index in
                let i = start + index
                return sources[i].statistics.makeReportBlock(ssrc: sources[i].ssrc, lastSR: sources[i].lastSR,
                                                             now: now)
            }
            start = end
        } while start < sources.count
        bytes.append(contentsOf: sourceDescription)
        reportsSent += 1
    }

    private mutating func sourceIndex(ssrc: UInt32, clockRate: Int) -> Int {
        if let i = sources.firstIndex(where: { $0.ssrc == ssrc }) { return i }
        sources.append(Source(ssrc: ssrc, clockRate: clockRate))
        return sources.count - 1
    }
}
