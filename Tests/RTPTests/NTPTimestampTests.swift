import Testing
import RTP

@Suite struct NTPTimestampTests {
    // RFC 868 / RFC 5905: 1970-01-01 is 2208988800 s (0x83AA7E80) after 1900-01-01.
    static let cases: [(unixNs: UInt64, seconds: UInt32, fraction: UInt32)] = [
        (0, 0x83AA_7E80, 0),
        (500_000_000, 0x83AA_7E80, 0x8000_0000),
        (1_250_000_000, 0x83AA_7E81, 0x4000_0000),
        (1_700_000_000_000_000_000, 0xE8FE_6F80, 0),  // 2023-11-14T22:13:20Z: 1700000000 + 2208988800
    ]

    @Test(arguments: cases)
    func convertsUnixTime(unixNs: UInt64, seconds: UInt32, fraction: UInt32) {
        let ntp = NTPTimestamp(unixNanoseconds: unixNs)
        #expect(ntp.seconds == seconds)
        #expect(ntp.fraction == fraction)
        #expect(ntp.unixNanoseconds == unixNs)
    }

    @Test func compactIsMiddle32Bits() {
        let ntp = NTPTimestamp(seconds: 0x83AA_7E80, fraction: 0x8000_1234)
        #expect(ntp.compact == 0x7E80_8000)
        #expect(ntp.rawValue == 0x83AA_7E80_8000_1234)
    }

    @Test(arguments: [UInt64(1), 999_999_999, 1_234_567_891, 1_760_000_000_123_456_789])
    func nanosecondRoundTrip(unixNs: UInt64) {
        #expect(NTPTimestamp(unixNanoseconds: unixNs).unixNanoseconds == unixNs)
    }
}
