/// A jitter buffer made for recording, for the RTP packets of one SSRC.
///
/// Sans-I/O: the owner calls `insert` for every packet and `poll` on a timer (see
/// `nextDeadline`), with the time from its monotonic clock in nanoseconds, and
/// carries out the returned actions. The buffer
///
/// - hands packets out in sequence order (`.packet`), at once when nothing is
///   missing before them (after a short start-up hold, `startupDelayNs`, during
///   which packets sent before the first one to arrive are still taken);
/// - drops duplicates and packets that come after their place was given up
///   (counted as `duplicates` and `late`);
/// - for video, asks for missing packets with `.sendNACK`: first after
///   `initialNackDelayNs`, then every `max(rtt, minNackRetryIntervalNs) ·
///   nackRetryFactor`, at most `maxNackAttempts` times, and not when the answer
///   could not arrive before the packet is given up;
/// - waits at most `maxWaitNs` from the moment a packet is found missing, then
///   skips it with `.gap(from:to:)` and goes on: it never stalls;
/// - takes a sequence number jump beyond its window, confirmed by a second
///   packet that follows the first, as a restart of the stream (`.restart`).
///
/// Payloads are copied into a slab of `maxPayloadSize`-octet cells. The slab grows
/// only when more packets are held at once than ever before (its high-water mark
/// is the reordering depth plus one call's output, not `capacity`); otherwise
/// inserting does not allocate. A handed-out packet's cell is recycled at the next
/// call, so its payload stays readable until then. The action arrays allocate
/// unless the caller uses the `into:` variants with an array it reuses;
/// `.sendNACK` allocates its list.
public struct JitterBuffer: Sendable {
    private enum SlotState: UInt8, Sendable {
        case empty, present, missing, emitted, skipped
    }

    private struct Slot: Sendable {
        var sequence: Int64 = -1
        var state: SlotState = .empty
        var marker = false
        var payloadType: UInt8 = 0
        var timestamp: UInt32 = 0
        var length = 0
        var arrivalNs: UInt64 = 0
        var detectedNs: UInt64 = 0
        var nextNackNs: UInt64 = 0
        var nackCount = 0
        var cell = -1
    }

    /// The settings.
    public let configuration: JitterBufferConfiguration
    /// The counters.
    public private(set) var statistics = JitterBufferStatistics()
    /// The round-trip time used to pace NACK retries.
    public private(set) var roundTripTimeNs: UInt64

    private let capacity: Int
    private let mask: Int
    private var slots: [Slot] = []
    private var slab: [UInt8] = []
    /// The unwrapped sequence number whose payload each slab cell holds.
    private var cellOwner: [Int64] = []
    private var freeCells: [Int] = []
    /// Cells of packets handed out by the last call, recycled at the next.
    private var cellsToRecycle: [Int] = []
    /// Unwrapped sequence numbers; nil before the first packet.
    private var highest: Int64?
    private var nextToEmit: Int64 = 0
    private var missingCount = 0
    private var nextNackDueNs: UInt64 = .max
    private var probation: UInt16?
    /// Until then nothing is handed out and earlier packets extend the window back.
    private var startupUntilNs: UInt64?

    /// The first packet unwraps to `origin + sequenceNumber`, far from zero so
    /// that packets reordered before it stay positive.
    private static let origin: Int64 = 1 << 32

    /// Creates an empty buffer.
    public init(configuration: JitterBufferConfiguration) {
        self.configuration = configuration
        var capacity = 8
        while capacity < configuration.capacity { capacity <<= 1 }
        self.capacity = capacity
        self.mask = capacity - 1
        self.roundTripTimeNs = configuration.initialRoundTripTimeNs
    }

    /// Sets the round-trip time used to pace NACK retries (from RTCP).
    public mutating func updateRoundTripTime(_ nanoseconds: UInt64) {
        roundTripTimeNs = nanoseconds
    }

    /// Packets held that wait for an earlier missing one.
    public var bufferedCount: Int {
        guard let highest else { return 0 }
        var count = 0
        var s = nextToEmit
        while s <= highest {
            if slots[index(s)].state == .present && slots[index(s)].sequence == s { count += 1 }
            s += 1
        }
        return count
    }

    /// The next time `poll` has something to do (a skip or a NACK), or nil when
    /// nothing is missing.
    public var nextDeadline: UInt64? {
        if let startupUntilNs { return startupUntilNs }
        guard let highest, missingCount > 0 else { return nil }
        var deadline = configuration.nackEnabled ? nextNackDueNs : .max
        if nextToEmit <= highest {
            let slot = slots[index(nextToEmit)]
            if slot.sequence == nextToEmit && slot.state == .missing {
                deadline = min(deadline, slot.detectedNs &+ configuration.maxWaitNs)
            }
        }
        return deadline == .max ? nil : deadline
    }

    /// True when the buffer still waits for `sequenceNumber`: found missing
    /// and not yet given up. A retransmission (RFC 4588) is used only then;
    /// one of a packet already held, handed out or given up (a sender's
    /// bandwidth probe resends old packets) must not look like a restart.
    public func isMissing(sequenceNumber: UInt16) -> Bool {
        guard let highest, !slots.isEmpty else { return false }
        let s = highest + Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest)))
        guard s >= nextToEmit, s <= highest else { return false }
        let slot = slots[index(s)]
        return slot.sequence == s && slot.state == .missing
    }

    // MARK: - Events

    /// Takes one received packet; returns what to do now.
    public mutating func insert(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8,
        payload: UnsafeRawBufferPointer, now: UInt64
    ) -> [JitterBufferAction] {
        var actions: [JitterBufferAction] = []
        insert(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payloadType: payloadType,
               payload: payload, now: now, into: &actions)
        return actions
    }

    /// Takes one received packet; returns what to do now.
    public mutating func insert(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8, payload: [UInt8], now: UInt64
    ) -> [JitterBufferAction] {
        payload.withUnsafeBytes {
            insert(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker, payloadType: payloadType,
                   payload: $0, now: now)
        }
    }

    /// Takes one received packet and appends what to do now to `actions`.
    public mutating func insert(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8,
        payload: UnsafeRawBufferPointer, now: UInt64, into actions: inout [JitterBufferAction]
    ) {
        recycleCells()
        statistics.received += 1
        guard payload.count <= configuration.maxPayloadSize else {
            statistics.oversized += 1
            return
        }
        if slots.isEmpty { slots = Array(repeating: Slot(), count: capacity) }
        guard let highest else {
            let s = Self.origin + Int64(sequenceNumber)
            self.highest = s
            nextToEmit = s
            if configuration.startupDelayNs > 0 { startupUntilNs = now &+ configuration.startupDelayNs }
            store(s, timestamp: timestamp, marker: marker, payloadType: payloadType, payload: payload, now: now)
            service(now: now, into: &actions)
            return
        }
        let s = highest + Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest)))
        let window = Int64(capacity)

        if s < nextToEmit, let until = startupUntilNs, now < until, highest - s < window {
            // Still starting: the packet was sent before the first one; take it.
            var m = s + 1
            while m < nextToEmit {
                slots[index(m)] = Slot(sequence: m, state: .missing, detectedNs: now,
                                       nextNackNs: now &+ configuration.initialNackDelayNs)
                missingCount += 1
                m += 1
            }
            if configuration.nackEnabled && s + 1 < nextToEmit {
                nextNackDueNs = min(nextNackDueNs, now &+ configuration.initialNackDelayNs)
            }
            nextToEmit = s
            store(s, timestamp: timestamp, marker: marker, payloadType: payloadType, payload: payload, now: now)
            service(now: now, into: &actions)
            return
        }
        if s < nextToEmit {
            let slot = slots[index(s)]
            if slot.sequence == s && slot.state == .emitted {
                statistics.duplicates += 1
            } else {
                statistics.late += 1
                if nextToEmit - s > window {
                    checkRestart(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker,
                                 payloadType: payloadType, payload: payload, now: now, into: &actions)
                    return
                }
            }
            service(now: now, into: &actions)
            return
        }
        if s - highest > Int64(Self.maxForwardJump) {
            statistics.late += 1
            checkRestart(sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker,
                         payloadType: payloadType, payload: payload, now: now, into: &actions)
            return
        }
        probation = nil
        if s >= nextToEmit + window {
            advanceWindow(to: s - window + 1, into: &actions)
        }
        let slot = slots[index(s)]
        if slot.sequence == s && slot.state == .present {
            statistics.duplicates += 1
            service(now: now, into: &actions)
            return
        }
        let highestNow = self.highest ?? highest  // advanceWindow may have moved it
        if s > highestNow {
            var m = max(highestNow + 1, nextToEmit)
            while m < s {
                let i = index(m)
                slots[i] = Slot(sequence: m, state: .missing, detectedNs: now,
                                nextNackNs: now &+ configuration.initialNackDelayNs)
                missingCount += 1
                m += 1
            }
            if configuration.nackEnabled && highestNow + 1 < s {
                nextNackDueNs = min(nextNackDueNs, now &+ configuration.initialNackDelayNs)
            }
            self.highest = s
        }
        store(s, timestamp: timestamp, marker: marker, payloadType: payloadType, payload: payload, now: now)
        service(now: now, into: &actions)
    }

    /// Advances time: skips packets waited for long enough and sends due NACKs.
    public mutating func poll(now: UInt64) -> [JitterBufferAction] {
        var actions: [JitterBufferAction] = []
        poll(now: now, into: &actions)
        return actions
    }

    /// Advances time, appending what to do to `actions`.
    public mutating func poll(now: UInt64, into actions: inout [JitterBufferAction]) {
        recycleCells()
        guard highest != nil else { return }
        service(now: now, into: &actions)
    }

    /// Hands out everything held and gives up every missing packet (end of stream).
    public mutating func flush(into actions: inout [JitterBufferAction]) {
        recycleCells()
        flushWindow(into: &actions)
    }

    /// Hands out everything held and gives up every missing packet (end of stream).
    public mutating func flush() -> [JitterBufferAction] {
        var actions: [JitterBufferAction] = []
        flush(into: &actions)
        return actions
    }

    // MARK: - Payload access

    /// Calls `body` with the payload of `packet`, which must come from this
    /// buffer's latest `insert`, `poll` or `flush` call (the next call recycles it).
    ///
    /// `mutating` although it changes nothing: called on a buffer stored in a
    /// class (as the track receivers hold theirs), a non-mutating call with a
    /// closure makes Swift copy the whole struct first — six arrays retained and
    /// released per packet; an exclusive access does not copy.
    public mutating func withPayload<R>(of packet: JitterBufferPacket, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(cellOwner[packet.cell] == packet.unwrapped && cellsToRecycle.contains(packet.cell),
                     "the payload of packet \(packet.sequenceNumber) is no longer held")
        let start = packet.cell * configuration.maxPayloadSize
        return try slab.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<start + packet.payloadLength]))
        }
    }

    /// A copy of the payload of `packet` (see `withPayload(of:_:)`).
    public mutating func payload(of packet: JitterBufferPacket) -> [UInt8] {
        withPayload(of: packet) { Array($0) }
    }

    // MARK: - Internals

    /// A packet further ahead than this is only believed when the next follows it.
    private static let maxForwardJump = 3000

    @inline(__always)
    private func index(_ s: Int64) -> Int { Int(truncatingIfNeeded: s) & mask }

    private mutating func store(_ s: Int64, timestamp: UInt32, marker: Bool, payloadType: UInt8,
                                payload: UnsafeRawBufferPointer, now: UInt64) {
        let i = index(s)
        var slot = slots[i]
        var recovered = false
        if slot.sequence == s && slot.state == .missing {
            missingCount -= 1
            recovered = slot.nackCount > 0
        }
        if recovered { statistics.recovered += 1 }
        let cell = takeCell()
        cellOwner[cell] = s
        slot = Slot(sequence: s, state: .present, marker: marker, payloadType: payloadType, timestamp: timestamp,
                    length: payload.count, arrivalNs: now, detectedNs: 0, nextNackNs: 0,
                    nackCount: recovered ? 1 : 0, cell: cell)
        slots[i] = slot
        let start = cell * configuration.maxPayloadSize
        if !payload.isEmpty {
            slab.withUnsafeMutableBytes { raw in
                UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + payload.count]).copyMemory(from: payload)
            }
        }
    }

    /// Skips due missing packets, hands out what is in order, then sends due NACKs.
    private mutating func service(now: UInt64, into actions: inout [JitterBufferAction]) {
        drain(now: now, into: &actions)
        if configuration.nackEnabled && missingCount > 0 && now >= nextNackDueNs {
            sendNACKs(now: now, into: &actions)
        }
    }

    private mutating func drain(now: UInt64, into actions: inout [JitterBufferAction]) {
        guard let highest else { return }
        if let until = startupUntilNs {
            guard now >= until else { return }
            startupUntilNs = nil
        }
        var gapStart: Int64?
        while nextToEmit <= highest {
            let i = index(nextToEmit)
            let slot = slots[i]
            guard slot.sequence == nextToEmit else { break }
            if slot.state == .present {
                closeGap(&gapStart, into: &actions)
                emit(i, into: &actions)
            } else if slot.state == .missing && now >= slot.detectedNs &+ configuration.maxWaitNs {
                skip(i, gapStart: &gapStart)
            } else {
                break
            }
            nextToEmit += 1
        }
        closeGap(&gapStart, into: &actions)
    }

    /// Hands out or skips every sequence number below `target`.
    private mutating func advanceWindow(to target: Int64, into actions: inout [JitterBufferAction]) {
        guard let highest else { return }
        var gapStart: Int64?
        let stop = min(target, highest + 1)
        while nextToEmit < stop {
            let i = index(nextToEmit)
            if slots[i].sequence == nextToEmit && slots[i].state == .present {
                closeGap(&gapStart, into: &actions)
                emit(i, into: &actions)
            } else {
                skip(i, gapStart: &gapStart)
            }
            nextToEmit += 1
        }
        if target > nextToEmit {  // never seen, beyond the old highest
            if gapStart == nil { gapStart = nextToEmit }
            statistics.lost += Int(target - nextToEmit)
            nextToEmit = target
            self.highest = target - 1
        }
        closeGap(&gapStart, into: &actions)
    }

    private mutating func flushWindow(into actions: inout [JitterBufferAction]) {
        guard let highest else { return }
        startupUntilNs = nil
        advanceWindow(to: highest + 1, into: &actions)
    }

    private mutating func takeCell() -> Int {
        if let cell = freeCells.popLast() { return cell }
        let cell = cellOwner.count
        cellOwner.append(-1)
        slab.append(contentsOf: repeatElement(0, count: configuration.maxPayloadSize))
        return cell
    }

    private mutating func recycleCells() {
        guard !cellsToRecycle.isEmpty else { return }
        freeCells.append(contentsOf: cellsToRecycle)
        cellsToRecycle.removeAll(keepingCapacity: true)
    }

    private mutating func emit(_ i: Int, into actions: inout [JitterBufferAction]) {
        let slot = slots[i]
        slots[i].state = .emitted
        slots[i].cell = -1
        cellsToRecycle.append(slot.cell)
        statistics.emitted += 1
        actions.append(.packet(JitterBufferPacket(
            sequenceNumber: UInt16(truncatingIfNeeded: slot.sequence), timestamp: slot.timestamp,
            marker: slot.marker, payloadType: slot.payloadType, arrivalNs: slot.arrivalNs,
            wasRecovered: slot.nackCount > 0, payloadLength: slot.length, unwrapped: slot.sequence, cell: slot.cell)))
    }

    private mutating func skip(_ i: Int, gapStart: inout Int64?) {
        if slots[i].sequence == nextToEmit && slots[i].state == .missing { missingCount -= 1 }
        slots[i] = Slot(sequence: nextToEmit, state: .skipped)
        statistics.lost += 1
        if gapStart == nil { gapStart = nextToEmit }
    }

    private func closeGap(_ gapStart: inout Int64?, into actions: inout [JitterBufferAction]) {
        guard let start = gapStart else { return }
        actions.append(.gap(from: UInt16(truncatingIfNeeded: start), to: UInt16(truncatingIfNeeded: nextToEmit - 1)))
        gapStart = nil
    }

    private mutating func sendNACKs(now: UInt64, into actions: inout [JitterBufferAction]) {
        guard let highest else { return }
        let retry = UInt64(Double(max(roundTripTimeNs, configuration.minNackRetryIntervalNs))
                           * configuration.nackRetryFactor)
        var list: [UInt16] = []
        var due: UInt64 = .max
        var s = nextToEmit
        while s <= highest {
            let i = index(s)
            if slots[i].sequence == s && slots[i].state == .missing
                && slots[i].nackCount < configuration.maxNackAttempts {
                let giveUpAt = slots[i].detectedNs &+ configuration.maxWaitNs
                if slots[i].nackCount > 0 && now &+ roundTripTimeNs > giveUpAt {
                    slots[i].nackCount = configuration.maxNackAttempts  // an answer would come too late
                } else if now >= slots[i].nextNackNs {
                    if slots[i].nackCount == 0 { statistics.nacked += 1 }
                    slots[i].nackCount += 1
                    slots[i].nextNackNs = now &+ retry
                    statistics.nackRequests += 1
                    list.append(UInt16(truncatingIfNeeded: s))
                }
                if slots[i].nackCount < configuration.maxNackAttempts {
                    due = min(due, slots[i].nextNackNs)
                }
            }
            s += 1
        }
        nextNackDueNs = due
        if !list.isEmpty { actions.append(.sendNACK(list)) }
    }

    /// A packet far outside the window: believed (as a restart of the stream) only
    /// when the next packet follows it, as in RFC 3550 Appendix A.1.
    private mutating func checkRestart(
        sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payloadType: UInt8,
        payload: UnsafeRawBufferPointer, now: UInt64, into actions: inout [JitterBufferAction]
    ) {
        guard probation == sequenceNumber else {
            probation = sequenceNumber &+ 1
            service(now: now, into: &actions)
            return
        }
        probation = nil
        statistics.late -= 1  // counted above, but it is the first packet of the new stream
        statistics.restarts += 1
        flushWindow(into: &actions)
        for i in slots.indices where slots[i].state == .missing { slots[i].state = .skipped }
        missingCount = 0
        nextNackDueNs = .max
        let s = Self.origin + Int64(sequenceNumber)
        highest = s
        nextToEmit = s
        actions.append(.restart(sequenceNumber: sequenceNumber))
        store(s, timestamp: timestamp, marker: marker, payloadType: payloadType, payload: payload, now: now)
        service(now: now, into: &actions)
    }
}
