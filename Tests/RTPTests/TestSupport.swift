import CapstanTestSupport
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
