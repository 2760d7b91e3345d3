import CapstanTestSupport
import RTP



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
