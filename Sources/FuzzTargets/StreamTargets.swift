import RTP

/// Byte streams a peer controls outright: an ICE-TCP connection (RFC 6544), framed as
/// RFC 4571 says. The deframer sees any bytes, cut into reads anywhere.
enum StreamTargets {
    static let maxFrame = 2048

    /// The input's first octet seeds where reads are cut; the rest is the stream. Every
    /// frame handed on must be exactly what a one-shot reading of the stream finds, the
    /// deframer must never hold more than one unfinished frame, and it must stop at the
    /// first LENGTH over the limit.
    @Sendable static func iceTCP(_ data: UnsafeRawBufferPointer) {
        guard let seed = data.first else { return }
        let stream = UnsafeRawBufferPointer(rebasing: data[1...])
        // The reference: frames read straight off the whole stream.
        var expected: [Range<Int>] = []
        var offset = 0
        var oversize: Int?
        while stream.count - offset >= 2 {
            let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
            if length > maxFrame { oversize = length; break }
            guard stream.count - offset - 2 >= length else { break }
            expected.append((offset + 2)..<(offset + 2 + length))
            offset += 2 + length
        }
        var deframer = RFC4571Deframer(maxFrameBytes: maxFrame)
        var seen = 0
        var start = 0
        var step = Int(seed % 17) + 1
        var outcome = RFC4571Deframer.Outcome.ok
        while start < stream.count && outcome == .ok {
            let end = min(stream.count, start + step)
            outcome = deframer.feed(UnsafeRawBufferPointer(rebasing: stream[start..<end])) { frame in
                fuzzCheck(seen < expected.count, "a frame the stream does not hold")
                let want = UnsafeRawBufferPointer(rebasing: stream[expected[seen]])
                fuzzCheck(frame.count == want.count && frame.elementsEqual(want), "frame \(seen) differs")
                seen += 1
                return true
            }
            fuzzCheck(deframer.bufferedBytes <= maxFrame + 1, "buffered \(deframer.bufferedBytes) octets")
            start = end
            step = (step * 7 + Int(seed)) % 97 + 1
        }
        fuzzCheck(seen == expected.count, "\(seen) of \(expected.count) frames handed on")
        if let oversize {
            fuzzCheck(outcome == .oversize(length: oversize), "oversize LENGTH \(oversize) not reported: \(outcome)")
        } else {
            fuzzCheck(outcome == .ok, "a stream without oversize LENGTH stopped: \(outcome)")
        }
    }
}
