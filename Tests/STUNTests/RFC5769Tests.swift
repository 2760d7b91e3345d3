import CapstanTestSupport
import Testing
@testable import STUN

/// RFC 5769 test vectors (§2.1–2.3). §2.4 (long-term credentials) is skipped: Capstan's ICE
/// uses short-term credentials only.
struct RFC5769Tests {
    static let tid = STUNTransactionID(bytes: RFC5769.transactionID)!

    @Test("RFC 5769 §2.1 sample request parses")
    func requestParses() throws {
        let m = try STUNMessage(parsing: RFC5769.request)
        #expect(m.type == .bindingRequest)
        #expect(m.transactionID == Self.tid)
        #expect(m.software == "STUN test client")
        #expect(m.priority == 0x6E00_01FF)
        #expect(m.iceControlled == 0x932F_F9B1_5126_3B36)
        #expect(m.username == "evtj:h6vY")
        #expect(m.messageIntegrity == hex("9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"))
        #expect(m.fingerprint == 0xE57A_3BCF)
    }

    @Test("RFC 5769 §2.2 IPv4 response parses: 192.0.2.1:32853")
    func ipv4Parses() throws {
        let m = try STUNMessage(parsing: RFC5769.ipv4Response)
        #expect(m.type == .bindingSuccess)
        #expect(m.software == "test vector")
        #expect(m.xorMappedAddress == IPEndpoint("192.0.2.1:32853"))
    }

    @Test("RFC 5769 §2.3 IPv6 response parses: [2001:db8:1234:5678:11:2233:4455:6677]:32853")
    func ipv6Parses() throws {
        let m = try STUNMessage(parsing: RFC5769.ipv6Response)
        #expect(m.type == .bindingSuccess)
        #expect(m.xorMappedAddress == IPEndpoint("[2001:db8:1234:5678:11:2233:4455:6677]:32853"))
        #expect(m.xorMappedAddress?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
    }

    @Test("integrity and fingerprint verify over the raw vector bytes", arguments: [
        ("2.1", RFC5769.request), ("2.2", RFC5769.ipv4Response), ("2.3", RFC5769.ipv6Response),
    ])
    func verifies(section: String, bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            #expect(STUNMessage.verifyIntegrity(raw, key: RFC5769.password), "§\(section)")
            #expect(STUNMessage.verifyFingerprint(raw), "§\(section)")
            #expect(!STUNMessage.verifyIntegrity(raw, key: Array("VOkJxbRl1RmTxUk/WvJxBT".utf8)), "§\(section)")
        }
        // Any flipped bit in the covered bytes breaks both checks.
        for i in [0, 3, 9, 25, bytes.count - 30] {
            var bad = bytes
            bad[i] ^= 0x01
            bad.withUnsafeBytes { raw in
                #expect(!STUNMessage.verifyIntegrity(raw, key: RFC5769.password), "§\(section) byte \(i)")
                #expect(!STUNMessage.verifyFingerprint(raw), "§\(section) byte \(i)")
            }
        }
    }

    @Test("serialize reproduces the §2.1 request byte for byte (0x20 padding as in the RFC)")
    func requestReproduces() {
        let m = STUNMessage(type: .bindingRequest, transactionID: Self.tid, attributes: [
            .software("STUN test client"), .priority(0x6E00_01FF),
            .iceControlled(0x932F_F9B1_5126_3B36), .username("evtj:h6vY"),
        ])
        #expect(m.serialize(integrityKey: RFC5769.password, fingerprint: true, paddingByte: 0x20) == RFC5769.request)
    }

    @Test("serialize reproduces the §2.2 and §2.3 responses byte for byte", arguments: [
        ("192.0.2.1:32853", RFC5769.ipv4Response),
        ("[2001:db8:1234:5678:11:2233:4455:6677]:32853", RFC5769.ipv6Response),
    ])
    func responseReproduces(address: String, bytes: [UInt8]) throws {
        let m = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: [
            .software("test vector"), .xorMappedAddress(try #require(IPEndpoint(address))),
        ])
        #expect(m.serialize(integrityKey: RFC5769.password, fingerprint: true, paddingByte: 0x20) == bytes)
    }

    @Test("parse → serialize with the parsed attributes reproduces the vector")
    func parsedRoundTrip() throws {
        for bytes in [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response] {
            let m = try STUNMessage(parsing: bytes)
            #expect(m.serialize(integrityKey: RFC5769.password, fingerprint: true, paddingByte: 0x20) == bytes)
        }
    }

    @Test("zero-padded serialization still verifies (RFC 8489 §14: padding is ignored)")
    func zeroPadding() throws {
        let m = try STUNMessage(parsing: RFC5769.request)
        let out = m.serialize(integrityKey: RFC5769.password, fingerprint: true)
        #expect(out.count == RFC5769.request.count)
        #expect(out != RFC5769.request)
        out.withUnsafeBytes { raw in
            #expect(STUNMessage.verifyIntegrity(raw, key: RFC5769.password))
            #expect(STUNMessage.verifyFingerprint(raw))
        }
        #expect(try STUNMessage(parsing: out) == m.withPaddingIndependentComputedAttributes(from: out))
    }

    @Test("peekUsername returns the local ufrag range of the §2.1 request")
    func peek() {
        RFC5769.request.withUnsafeBytes { raw in
            let r = STUNMessage.peekUsername(raw)
            #expect(r == 64..<68)
            if let r { #expect(Array(raw[r]) == Array("evtj".utf8)) }
            #expect(STUNMessage.usernameLocalPart(raw, equals: "evtj"))
            #expect(!STUNMessage.usernameLocalPart(raw, equals: "evt"))
            #expect(!STUNMessage.usernameLocalPart(raw, equals: "h6vY"))
        }
        RFC5769.ipv4Response.withUnsafeBytes { raw in
            #expect(STUNMessage.peekUsername(raw) == nil)
        }
    }
}

extension STUNMessage {
    /// `self` with its MESSAGE-INTEGRITY and FINGERPRINT values taken from `bytes`.
    func withPaddingIndependentComputedAttributes(from bytes: [UInt8]) throws -> STUNMessage {
        let other = try STUNMessage(parsing: bytes)
        var copy = self
        copy.attributes = attributes.filter { !STUNMessage.isComputed($0) }
            + other.attributes.filter { STUNMessage.isComputed($0) }
        return copy
    }
}
