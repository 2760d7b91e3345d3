import CapstanTestSupport
import Testing
@testable import STUN

struct STUNMalformedTests {
    @Test("every truncation of the RFC 5769 §2.1 request throws .truncated")
    func truncations() {
        let full = RFC5769.request
        for n in 0..<full.count {
            let prefix = Array(full.prefix(n))
            let expected: STUNError = n < 20
                ? .truncated(needed: 20, available: n)
                : .truncated(needed: full.count, available: n)
            #expect(throws: expected) { try STUNMessage(parsing: prefix) }
            prefix.withUnsafeBytes { raw in
                #expect(!STUNMessage.looksLikeSTUN(raw))
                #expect(STUNMessage.peekUsername(raw) == nil)
                #expect(!STUNMessage.verifyIntegrity(raw, key: RFC5769.password))
                #expect(!STUNMessage.verifyFingerprint(raw))
            }
        }
    }

    static let header = "21 12 a4 42 00 01 02 03 04 05 06 07 08 09 0a 0b"

    @Test("malformed messages throw typed errors", arguments: [
        ("first two bits set", "40 01 00 00 " + header, STUNError.notSTUN),
        ("bad magic cookie", "00 01 00 00 21 12 a4 43 00 01 02 03 04 05 06 07 08 09 0a 0b",
         .badMagicCookie(0x2112_A443)),
        ("length not a multiple of 4 (unpadded attribute)", "00 01 00 09 " + header + " 00 06 00 05 61 62 63 64 65",
         .lengthNotMultipleOfFour(9)),
        ("trailing bytes after the declared length", "00 01 00 00 " + header + " 00 00 00 00",
         .trailingBytes(declared: 20, actual: 24)),
        ("attribute length overruns the message", "00 01 00 08 " + header + " 00 06 00 08 61 62 63 64",
         .attributeOverrun(type: 0x0006, offset: 20)),
        ("padding of the last attribute missing from the message", "00 01 00 08 " + header + " 00 06 00 05 61 62 63 64",
         .attributeOverrun(type: 0x0006, offset: 20)),
        ("second attribute header overruns", "00 01 00 0c " + header + " 00 25 00 00 80 22 00 05 61 62 63 64",
         .attributeOverrun(type: 0x8022, offset: 24)),
        ("PRIORITY of 3 bytes", "00 01 00 08 " + header + " 00 24 00 03 00 00 01 00",
         .badAttributeLength(type: 0x0024, length: 3)),
        ("USE-CANDIDATE with a value", "00 01 00 08 " + header + " 00 25 00 04 00 00 00 00",
         .badAttributeLength(type: 0x0025, length: 4)),
        ("ICE-CONTROLLING of 4 bytes", "00 01 00 08 " + header + " 80 2a 00 04 00 00 00 01",
         .badAttributeLength(type: 0x802A, length: 4)),
        ("MESSAGE-INTEGRITY of 16 bytes", "00 01 00 14 " + header + " 00 08 00 10" + String(repeating: " 00", count: 16),
         .badAttributeLength(type: 0x0008, length: 16)),
        ("FINGERPRINT of 8 bytes", "00 01 00 0c " + header + " 80 28 00 08 00 00 00 00 00 00 00 00",
         .badAttributeLength(type: 0x8028, length: 8)),
        ("XOR-MAPPED-ADDRESS family 3", "01 01 00 0c " + header + " 00 20 00 08 00 03 a1 47 e1 12 a6 43",
         .badAddressFamily(3)),
        ("XOR-MAPPED-ADDRESS IPv4 with 20 bytes", "01 01 00 18 " + header + " 00 20 00 14 00 01 a1 47" + String(repeating: " 00", count: 16),
         .badAttributeLength(type: 0x0020, length: 20)),
        ("XOR-MAPPED-ADDRESS IPv6 with 8 bytes", "01 01 00 0c " + header + " 00 20 00 08 00 02 a1 47 e1 12 a6 43",
         .badAttributeLength(type: 0x0020, length: 8)),
        ("MAPPED-ADDRESS of 2 bytes", "01 01 00 08 " + header + " 00 01 00 02 00 01 00 00",
         .badAttributeLength(type: 0x0001, length: 2)),
        ("ERROR-CODE of 2 bytes", "01 11 00 08 " + header + " 00 09 00 02 00 00 00 00",
         .badAttributeLength(type: 0x0009, length: 2)),
        ("ERROR-CODE class 2", "01 11 00 08 " + header + " 00 09 00 04 00 00 02 00",
         .badErrorCode(class: 2, number: 0)),
        ("ERROR-CODE number 100", "01 11 00 08 " + header + " 00 09 00 04 00 00 04 64",
         .badErrorCode(class: 4, number: 100)),
        ("UNKNOWN-ATTRIBUTES of odd length", "01 11 00 08 " + header + " 00 0a 00 03 00 01 00 00",
         .badAttributeLength(type: 0x000A, length: 3)),
        ("attribute after FINGERPRINT", "00 01 00 10 " + header + " 80 28 00 04 00 00 00 00 00 24 00 04 00 00 00 01",
         .attributeAfterFingerprint(type: 0x0024)),
    ])
    func malformed(name: String, bytes: String, expected: STUNError) {
        let b = hex(bytes)
        #expect(throws: expected, "\(name)") { try STUNMessage(parsing: b) }
        b.withUnsafeBytes { raw in
            _ = STUNMessage.peekUsername(raw)
            #expect(!STUNMessage.verifyIntegrity(raw, key: []))
        }
    }

    @Test("10,000 random byte strings (seed 5769) never crash any entry point")
    func randomBytes() {
        var g = SplitMix64(seed: 5769)
        var parsed = 0
        for i in 0..<10_000 {
            let n = Int.random(in: 0..<160, using: &g)
            var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            // Every other input gets a plausible header so the attribute walk is exercised.
            if i % 2 == 0, n >= 20 {
                b[0] &= 0x3F
                b.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
                let len = (n - 20) & ~3
                b = Array(b.prefix(20 + len))
                b[2] = UInt8(len >> 8); b[3] = UInt8(len & 0xFF)
            }
            if (try? STUNMessage(parsing: b)) != nil { parsed += 1 }
            b.withUnsafeBytes { raw in
                _ = STUNMessage.looksLikeSTUN(raw)
                _ = STUNMessage.peekUsername(raw)
                _ = STUNMessage.verifyIntegrity(raw, key: [1, 2, 3])
                _ = STUNMessage.verifyFingerprint(raw)
            }
        }
        #expect(parsed > 0, "the header-shaped half should sometimes parse")
    }

    @Test("mutations of the RFC 5769 vectors (seed 8489) never crash, and parse results re-serialize")
    func mutations() throws {
        var g = SplitMix64(seed: 8489)
        for base in [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response] {
            for _ in 0..<2_000 {
                var b = base
                for _ in 0..<Int.random(in: 1...4, using: &g) {
                    b[Int.random(in: 0..<b.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
                }
                if let m = try? STUNMessage(parsing: b) {
                    let again = m.serialize(integrityKey: nil, fingerprint: false)
                    _ = try STUNMessage(parsing: again)
                }
                b.withUnsafeBytes { raw in
                    _ = STUNMessage.peekUsername(raw)
                    _ = STUNMessage.verifyFingerprint(raw)
                }
            }
        }
    }
}
