import CapstanTestSupport
import Testing
@testable import STUN

struct STUNRoundTripTests {
    static let everyAttribute: [STUNAttribute] = [
        .mappedAddress(IPEndpoint("10.1.2.3:4000")!),
        .mappedAddress(IPEndpoint("[fe80::1:2]:65535")!),
        .xorMappedAddress(IPEndpoint("203.0.113.9:1")!),
        .xorMappedAddress(IPEndpoint("[2001:db8::ffff:1]:50000")!),
        .username("remote:local"),
        .username("ünï:çødé"),
        .errorCode(STUNErrorCode(code: 487, reason: "Role Conflict")),
        .errorCode(STUNErrorCode(code: 300, reason: "")),
        .errorCode(STUNErrorCode(code: 699, reason: "x")),
        .unknownAttributes([0x0031, 0x7FFF, 0x0001]),
        .priority(0x7E7F_00FF),
        .useCandidate,
        .iceControlled(0x0123_4567_89AB_CDEF),
        .iceControlling(UInt64.max),
        .software("Capstan"),
        .unknown(type: 0xC057, value: [0x00, 0x01, 0x00, 0x0A]),
        .unknown(type: 0x8055, value: [1, 2, 3]),
        .unknown(type: 0x0031, value: []),
    ]

    @Test("each attribute survives serialize → parse", arguments: everyAttribute)
    func single(attribute: STUNAttribute) throws {
        let m = STUNMessage(type: .bindingRequest, attributes: [attribute])
        let bytes = m.serialize(integrityKey: nil, fingerprint: false)
        #expect(bytes.count == m.encodedSize(integrity: false, fingerprint: false))
        #expect(bytes.count % 4 == 0)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed == m)
    }

    @Test("all attributes in every message class, with integrity and fingerprint",
          arguments: STUNMessageClass.allCases)
    func everyClass(messageClass: STUNMessageClass) throws {
        let key = Array("a-password-of-22-chars".utf8)
        let m = STUNMessage(type: STUNMessageType(method: .binding, messageClass: messageClass),
                            attributes: Self.everyAttribute)
        let bytes = m.serialize(integrityKey: key, fingerprint: true)
        #expect(bytes.count == m.encodedSize(integrity: true, fingerprint: true))
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.type.messageClass == messageClass)
        #expect(parsed.transactionID == m.transactionID)
        #expect(Array(parsed.attributes.dropLast(2)) == Self.everyAttribute)
        #expect(parsed.messageIntegrity?.count == 20)
        #expect(parsed.fingerprint != nil)
        bytes.withUnsafeBytes { raw in
            #expect(STUNMessage.looksLikeSTUN(raw))
            #expect(STUNMessage.verifyIntegrity(raw, key: key))
            #expect(!STUNMessage.verifyIntegrity(raw, key: key + [1]))  // (key + [0] is the same HMAC key)
            #expect(STUNMessage.verifyFingerprint(raw))
        }
        // Re-serializing the parsed message ignores the parsed MI/FP values and recomputes them.
        #expect(parsed.serialize(integrityKey: key, fingerprint: true) == bytes)
    }

    @Test("integrity without fingerprint, fingerprint without integrity")
    func partialTrailers() throws {
        let m = STUNMessage(type: .bindingSuccess, attributes: [.xorMappedAddress(IPEndpoint("[::1]:9")!)])
        let key = Array("pw".utf8)
        let a = m.serialize(integrityKey: key, fingerprint: false)
        a.withUnsafeBytes { raw in
            #expect(STUNMessage.verifyIntegrity(raw, key: key))
            #expect(!STUNMessage.verifyFingerprint(raw))
            #expect(!STUNMessage.hasFingerprint(raw))
        }
        let b = m.serialize(integrityKey: nil, fingerprint: true)
        b.withUnsafeBytes { raw in
            #expect(!STUNMessage.verifyIntegrity(raw, key: key))
            #expect(STUNMessage.verifyFingerprint(raw))
        }
        #expect(try STUNMessage(parsing: a).messageIntegrity != nil)
        #expect(try STUNMessage(parsing: b).fingerprint != nil)
        // An empty key is allowed by HMAC and still verifies.
        let c = m.serialize(integrityKey: [], fingerprint: false)
        c.withUnsafeBytes { raw in
            #expect(STUNMessage.verifyIntegrity(raw, key: []))
            #expect(!STUNMessage.verifyIntegrity(raw, key: key))
        }
    }

    @Test("attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 8489 §14.5)")
    func afterIntegrityIgnored() throws {
        let key = Array("pw".utf8)
        var bytes = STUNMessage(type: .bindingRequest, attributes: [.priority(1)])
            .serialize(integrityKey: key, fingerprint: false)
        bytes += [0x00, 0x24, 0x00, 0x04, 0, 0, 0, 2]   // a second PRIORITY after MI
        let length = bytes.count - 20
        bytes[2] = UInt8(length >> 8); bytes[3] = UInt8(length & 0xFF)
        let m = try STUNMessage(parsing: bytes)
        #expect(m.priority == 1)
        #expect(m.attributes.count == 2)
        bytes.withUnsafeBytes { #expect(STUNMessage.verifyIntegrity($0, key: key)) }
    }

    @Test("message type encoding (RFC 8489 §5)", arguments: [
        (STUNMessageClass.request, UInt16(0x0001)),
        (.indication, 0x0011), (.successResponse, 0x0101), (.errorResponse, 0x0111),
    ])
    func messageType(messageClass: STUNMessageClass, raw: UInt16) {
        let t = STUNMessageType(method: .binding, messageClass: messageClass)
        #expect(t.rawValue == raw)
        #expect(STUNMessageType(rawValue: raw) == t)
        // A method using every bit: 0xFFF with each class.
        let big = STUNMessageType(method: STUNMethod(rawValue: 0xFFF), messageClass: messageClass)
        #expect(STUNMessageType(rawValue: big.rawValue) == big)
        #expect(big.rawValue & 0xC000 == 0)
    }

    @Test("transaction id bytes round trip")
    func transactionID() {
        let bytes = RFC5769.transactionID
        let t = STUNTransactionID(bytes: bytes)
        #expect(t?.bytes == bytes)
        #expect(t?.description == "b7e7a701bc34d686fa87dfae")
        #expect(STUNTransactionID(bytes: bytes.dropLast()) == nil)
        var g = SplitMix64(seed: 1)
        #expect(STUNTransactionID.random(using: &g) != STUNTransactionID.random(using: &g))
    }

    @Test("CRC-32 check value (\"123456789\" → 0xCBF43926)")
    func crc() {
        Array("123456789".utf8).withUnsafeBytes { #expect(CRC32.checksum($0) == 0xCBF4_3926) }
        [UInt8]().withUnsafeBytes { #expect(CRC32.checksum($0) == 0) }
    }

    @Test("HMAC-SHA1 RFC 2202 §3 test case 2")
    func hmac() {
        let key = Array("Jefe".utf8), data = Array("what do ya want for nothing?".utf8)
        var out = [UInt8](repeating: 0, count: 20)
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBytes { HMACSHA1.mac(key: k, data: d, into: $0) }
            }
        }
        #expect(out == hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"))
    }
}
