import CapstanTestSupport
/// Bytes from hex as RFCs and captures print it: whitespace and line breaks
/// ignored, either case. The one hex decoder of the test suites.
public func hex(_ string: String) -> [UInt8] {
    let digits = string.unicodeScalars.filter { !$0.properties.isWhitespace }.map { scalar -> UInt8 in
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        default: preconditionFailure("not a hex digit: \(scalar)")
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// `hex(_:)` under the name some suites use.
public func bytes(hex string: String) -> [UInt8] { hex(string) }
