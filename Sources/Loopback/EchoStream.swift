import RTP

/// One echoed stream: rewrites a received RTP stream onto Capstan's own
/// SSRC with continuous sequence numbers and timestamps, keeps a short
/// history for retransmission, and maps sequence numbers back so the peer's
/// NACKs for packets we never received can be forwarded upstream.
///
/// A gap in the received stream stays a gap in the echoed one: the peer
/// sees exactly what was lost, asks for it, and the retransmission we get
/// upstream maps onto the same outgoing sequence number.
struct EchoStream {
    let localSSRC: UInt32
    let clockRate: Int
    private(set) var remoteSSRC: UInt32?
    private var inbound = SequenceNumberUnwrapper()
    private var timestamps = TimestampUnwrapper()
    private var firstInbound: Int64?
    private var firstTimestamp: Int64?
    private let sequenceOffset: UInt16
    private let timestampOffset: UInt32
    private(set) var lastTimestamp: UInt32?
    private(set) var lastSentAtNs: UInt64?
    private(set) var packetsSent: UInt32 = 0
    private(set) var octetsSent: UInt32 = 0
    /// Sent packets by outgoing sequence number (ring of `historySize`).
    private var history: [[UInt8]?]
    private var historySequence: [UInt16]
    let historySize: Int

    init(localSSRC: UInt32, clockRate: Int, historySize: Int = 512,
         sequenceOffset: UInt16 = .random(in: 0...UInt16.max), timestampOffset: UInt32 = .random(in: 0...UInt32.max)) {
        self.localSSRC = localSSRC
        self.clockRate = clockRate
        self.historySize = historySize
        self.sequenceOffset = sequenceOffset
        self.timestampOffset = timestampOffset
        history = Array(repeating: nil, count: historySize)
        historySequence = Array(repeating: 0, count: historySize)
    }

    /// Rewrites `packet` (plaintext RTP) for sending; nil for a packet too
    /// old to map. Records it in the history.
    mutating func rewrite(_ packet: UnsafeRawBufferPointer, header: RTPHeader, now: UInt64) -> [UInt8]? {
        if remoteSSRC != header.ssrc {
            // A new upstream SSRC (e.g. the peer restarted its sender): start
            // a fresh mapping that continues our numbering.
            if remoteSSRC != nil { restart() }
            remoteSSRC = header.ssrc
        }
        let sequence = inbound.unwrap(header.sequenceNumber)
        let timestamp = timestamps.unwrap(header.timestamp)
        if firstInbound == nil { firstInbound = sequence; firstTimestamp = timestamp }
        guard let firstInbound, let firstTimestamp, sequence >= firstInbound else { return nil }
        let outSequence = sequenceOffset &+ UInt16(truncatingIfNeeded: sequence - firstInbound + continuation)
        let outTimestamp = timestampOffset &+ UInt32(truncatingIfNeeded: timestamp - firstTimestamp + timestampContinuation)
        var bytes = Array(packet)
        bytes.withUnsafeMutableBytes {
            RTPHeader.rewrite($0, sequenceNumber: outSequence, timestamp: outTimestamp, ssrc: localSSRC)
        }
        let slot = Int(outSequence) % historySize
        history[slot] = bytes
        historySequence[slot] = outSequence
        lastTimestamp = outTimestamp
        lastSentAtNs = now
        packetsSent &+= 1
        octetsSent &+= UInt32(truncatingIfNeeded: header.payloadLength)
        highestOut = outSequence
        return bytes
    }

    private var continuation: Int64 = 0
    private var timestampContinuation: Int64 = 0
    private var highestOut: UInt16?

    private mutating func restart() {
        // Continue after the highest sequence number and timestamp sent.
        if let highestOut { continuation = Int64(highestOut &- sequenceOffset) + 1 }
        if let lastTimestamp { timestampContinuation = Int64(lastTimestamp &- timestampOffset) + Int64(clockRate / 50) }
        inbound = SequenceNumberUnwrapper()
        timestamps = TimestampUnwrapper()
        firstInbound = nil
        firstTimestamp = nil
    }

    /// The packet sent with `sequence`, when still in the history.
    func retransmission(of sequence: UInt16) -> [UInt8]? {
        let slot = Int(sequence) % historySize
        guard historySequence[slot] == sequence, let bytes = history[slot] else { return nil }
        return bytes
    }

    /// The upstream sequence number an outgoing one stands for.
    func upstreamSequence(of outgoing: UInt16) -> UInt16? {
        guard let firstInbound, remoteSSRC != nil else { return nil }
        let offsetFromStart = Int64(outgoing &- sequenceOffset) - continuation
        guard offsetFromStart >= 0 else { return nil }
        return UInt16(truncatingIfNeeded: firstInbound + offsetFromStart)
    }

    /// Our RTP timestamp for wall-clock `now`, extrapolated from the last packet sent.
    func rtpTimestamp(at now: UInt64) -> UInt32? {
        guard let lastTimestamp, let lastSentAtNs else { return nil }
        let elapsed = now >= lastSentAtNs ? now - lastSentAtNs : 0
        // Whole seconds and the rest apart: no overflow however long the call.
        let (seconds, nanoseconds) = elapsed.quotientAndRemainder(dividingBy: 1_000_000_000)
        let rate = UInt64(clockRate)
        let ticks = seconds &* rate &+ nanoseconds * rate / 1_000_000_000
        return lastTimestamp &+ UInt32(truncatingIfNeeded: ticks)
    }
}
