import CapstanTestSupport
import Testing
@testable import SRTP

/// Known-answer vectors from libsrtp's own validation driver
/// (cisco/libsrtp `test/srtp_driver.c`, `srtp_validate()` and
/// `srtp_validate_gcm()`). The RTP vectors were also recomputed here with
/// Python's `cryptography` package from the RFC 3711 §4.3.1 key derivation,
/// §4.1.1 AES-CM and §4.2 HMAC-SHA1, and the RFC 7714 §8.1 GCM IV: they match
/// byte for byte.
struct KnownAnswerVector: Sendable, CustomTestStringConvertible {
    let profile: SRTPProfile
    let rtcp: Bool
    let masterKeySalt: [UInt8]
    let plaintext: [UInt8]
    let protected: [UInt8]
    var testDescription: String { "\(profile) \(rtcp ? "SRTCP" : "SRTP")" }
}

private let cmKey = hex("e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6")
private let gcmKey = hex("000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab")
private let rtpPlain = hex("800f1234decafbadcafebabe abababababababababababababababab")
private let rtcpPlain = hex("81c8000bcafebabe abababababababababababababababab")

let knownAnswerVectors: [KnownAnswerVector] = [
    KnownAnswerVector(profile: .aes128CMHMACSHA1_80, rtcp: false, masterKeySalt: cmKey, plaintext: rtpPlain,
                      protected: hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb")),
    KnownAnswerVector(profile: .aes128CMHMACSHA1_80, rtcp: true, masterKeySalt: cmKey, plaintext: rtcpPlain,
                      protected: hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798")),
    KnownAnswerVector(profile: .aeadAES128GCM, rtcp: false, masterKeySalt: gcmKey, plaintext: rtpPlain,
                      protected: hex("800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e d2976826f796b201df3131a127e8a392")),
    KnownAnswerVector(profile: .aeadAES128GCM, rtcp: true, masterKeySalt: gcmKey, plaintext: rtcpPlain,
                      protected: hex("81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025 c52c6fbea2b3b446ea31123ba88ce61e 80000001")),
]

@Suite struct SRTPKnownAnswerTests {
    @Test(arguments: knownAnswerVectors)
    func protectMatchesReference(_ vector: KnownAnswerVector) throws {
        let session = try SRTPSession(profile: vector.profile, localKeySalt: vector.masterKeySalt,
                                      remoteKeySalt: vector.masterKeySalt)
        var buffer = vector.plaintext + [UInt8](repeating: 0, count: 32)
        let length = try buffer.withUnsafeMutableBytes { buf in
            vector.rtcp ? try session.protectRTCP(buf, length: vector.plaintext.count)
                        : try session.protectRTP(buf, length: vector.plaintext.count)
        }
        #expect(Array(buffer[0..<length]) == vector.protected)
    }

    @Test(arguments: knownAnswerVectors)
    func unprotectRecoversReference(_ vector: KnownAnswerVector) throws {
        let session = try SRTPSession(profile: vector.profile, localKeySalt: vector.masterKeySalt,
                                      remoteKeySalt: vector.masterKeySalt)
        var buffer = vector.protected
        let length = try buffer.withUnsafeMutableBytes { buf in
            vector.rtcp ? try session.unprotectRTCP(buf, length: vector.protected.count)
                        : try session.unprotectRTP(buf, length: vector.protected.count)
        }
        #expect(Array(buffer[0..<length]) == vector.plaintext)
    }
}
