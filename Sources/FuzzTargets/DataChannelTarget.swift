import DCEP

/// DCEP (RFC 8832) from a hostile data channel peer: any bytes parse or are
/// refused; what parses serializes back to exactly the same bytes (the parse
/// is strict: no trailing bytes, lengths must add up).
enum DataChannelTarget {
    @Sendable static func dcep(_ data: UnsafeRawBufferPointer) {
        guard let message = try? DCEPMessage(parsing: data) else { return }
        let serialized = message.serialized
        fuzzCheck(serialized.elementsEqual(data), "DCEP round trip changed \(data.count) bytes")
        fuzzCheck((try? DCEPMessage(parsing: serialized)) == message, "DCEP re-parse differs")
    }
}
