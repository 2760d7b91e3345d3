import Testing
@testable import Inspection

/// The arithmetic every file time goes through: exact when the result fits
/// (checked against Int128), clamped when it does not, never a trap.
@Suite struct SaturatingTimeTests {
    static let edges: [Int64] = [.min, .min + 1, -9_223_372_036_854, -48_000, -1, 0, 1, 47_999, 48_000,
                                 442_721_857_728_000, 442_721_857_728_001, 9_223_372_036_854, .max - 1, .max]

    static func clamp(_ v: Int128) -> Int64 { v > Int128(Int64.max) ? .max : v < Int128(Int64.min) ? .min : Int64(v) }

    @Test func againstInt128() {
        var rng = SystemRandomNumberGenerator()
        let values = Self.edges + (0..<2_000).map { _ in Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...62, using: &rng) }
        for a in values {
            #expect(SaturatingTime.nanoseconds(samples: a) == Self.clamp(Int128(a) * 1_000_000_000 / 48_000), "\(a)")
            #expect(SaturatingTime.magnitude(a) == Self.clamp(Int128(a).magnitude > UInt128(Int64.max) ? Int128(Int64.max) : Int128(a.magnitude)))
            for b in Self.edges {
                #expect(SaturatingTime.add(a, b) == Self.clamp(Int128(a) + Int128(b)), "\(a) + \(b)")
                #expect(SaturatingTime.subtract(a, b) == Self.clamp(Int128(a) - Int128(b)), "\(a) - \(b)")
                #expect(SaturatingTime.multiply(a, b) == Self.clamp(Int128(a) * Int128(b)), "\(a) × \(b)")
            }
        }
    }

    @Test func formatterTakesAnyTime() {
        #expect(ReportFormatter.seconds(.min) == "-9223372036.854 s")
        #expect(ReportFormatter.seconds(.max) == "9223372036.854 s")
        #expect(ReportFormatter.seconds(-1_500_000) == "-0.002 s")
    }
}
