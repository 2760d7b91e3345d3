import RTP

/// Bytes from a hex string; whitespace ignored.
func hex(_ string: String) -> [UInt8] {
    let digits = string.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd hex")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Runs `body` and returns its typed error, or nil if it did not throw.
func caught<T>(_ body: () throws(RTPError) -> T) -> RTPError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// SplitMix64: a small deterministic generator for the fuzz tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RTPPacket {
    /// Writes through `write(into:)` into an exactly sized buffer.
    var bytesViaBuffer: [UInt8] {
        var buffer = [UInt8](repeating: 0xEE, count: encodedSize)
        let written = buffer.withUnsafeMutableBytes { write(into: $0) }
        precondition(written == buffer.count)
        return buffer
    }
}

extension RTCPPacket {
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes
    }

    var bytesViaBuffer: [UInt8] {
        var buffer = [UInt8](repeating: 0xEE, count: encodedSize)
        let written = buffer.withUnsafeMutableBytes { write(into: $0) }
        precondition(written == buffer.count)
        return buffer
    }
}
