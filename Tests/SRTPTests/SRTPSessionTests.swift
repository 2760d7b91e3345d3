import CapstanTestSupport
import Testing
@testable import SRTP

private func randomBytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

/// A pair of sessions facing each other: what `a` protects, `b` unprotects.
private func pair(_ profile: SRTPProfile) throws -> (a: SRTPSession, b: SRTPSession) {
    let k1 = randomBytes(profile.keyLength + profile.saltLength)
    let k2 = randomBytes(profile.keyLength + profile.saltLength)
    return (try SRTPSession(profile: profile, localKeySalt: k1, remoteKeySalt: k2),
            try SRTPSession(profile: profile, localKeySalt: k2, remoteKeySalt: k1))
}

private func rtpPacket(seq: UInt16, ssrc: UInt32 = 0x1234_5678, payload: Int = 160) -> [UInt8] {
    var p: [UInt8] = [0x80, 111, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, 0x10, 0x00,
                      UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xFF), UInt8(ssrc >> 8 & 0xFF), UInt8(ssrc & 0xFF)]
    p += (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seq)) }
    return p
}

/// RTCP receiver report with one report block (RFC 3550 §6.4.2).
private let rtcpPacket: [UInt8] = hex("81c90007 12345678 cafebabe 00000001 00000010 00000000 00000000 00000000")

private func protect(_ s: SRTPSession, _ packet: [UInt8], rtcp: Bool) throws -> [UInt8] {
    var buffer = packet + [UInt8](repeating: 0, count: rtcp ? s.profile.rtcpTrailerLength : s.profile.rtpTrailerLength)
    let n = try buffer.withUnsafeMutableBytes { b in
        rtcp ? try s.protectRTCP(b, length: packet.count) : try s.protectRTP(b, length: packet.count)
    }
    return Array(buffer[0..<n])
}

private func unprotect(_ s: SRTPSession, _ packet: [UInt8], rtcp: Bool) throws -> [UInt8] {
    var buffer = packet
    let n = try buffer.withUnsafeMutableBytes { b in
        rtcp ? try s.unprotectRTCP(b, length: packet.count) : try s.unprotectRTP(b, length: packet.count)
    }
    return Array(buffer[0..<n])
}

@Suite struct SRTPSessionTests {
    @Test(arguments: SRTPProfile.allCases, [false, true])
    func roundTripBothDirections(profile: SRTPProfile, rtcp: Bool) throws {
        let (a, b) = try pair(profile)
        for seq in UInt16(1)...20 {
            let packet = rtcp ? rtcpPacket : rtpPacket(seq: seq)
            let protectedAB = try protect(a, packet, rtcp: rtcp)
            #expect(protectedAB.count == packet.count + (rtcp ? profile.rtcpTrailerLength : profile.rtpTrailerLength))
            #expect(protectedAB != packet)
            #expect(try unprotect(b, protectedAB, rtcp: rtcp) == packet)
            let protectedBA = try protect(b, packet, rtcp: rtcp)
            #expect(try unprotect(a, protectedBA, rtcp: rtcp) == packet)
        }
    }

    @Test(arguments: SRTPProfile.allCases, [false, true])
    func replayIsRejected(profile: SRTPProfile, rtcp: Bool) throws {
        let (a, b) = try pair(profile)
        let packet = try protect(a, rtcp ? rtcpPacket : rtpPacket(seq: 7), rtcp: rtcp)
        _ = try unprotect(b, packet, rtcp: rtcp)
        #expect(throws: SRTPError.replayFailed) { try unprotect(b, packet, rtcp: rtcp) }
    }

    @Test(arguments: SRTPProfile.allCases)
    func packetOlderThanWindowIsReplayOld(profile: SRTPProfile) throws {
        let (a, b) = try pair(profile)
        let old = try protect(a, rtpPacket(seq: 1), rtcp: false)
        for seq in UInt16(2)...200 { _ = try protect(a, rtpPacket(seq: seq), rtcp: false) }
        let new = try protect(a, rtpPacket(seq: 1200), rtcp: false)
        _ = try unprotect(b, new, rtcp: false)
        #expect(throws: SRTPError.replayOld) { try unprotect(b, old, rtcp: false) }
    }

    @Test(arguments: SRTPProfile.allCases, [false, true])
    func flippedBitFailsAuthentication(profile: SRTPProfile, rtcp: Bool) throws {
        let (a, b) = try pair(profile)
        var packet = try protect(a, rtcp ? rtcpPacket : rtpPacket(seq: 9), rtcp: rtcp)
        packet[rtcp ? 10 : 20] ^= 0x01
        #expect(throws: SRTPError.authenticationFailed) { try unprotect(b, packet, rtcp: rtcp) }
    }

    @Test(arguments: SRTPProfile.allCases)
    func protectWithoutTrailerRoomIsBufferTooSmall(profile: SRTPProfile) throws {
        let (a, _) = try pair(profile)
        var packet = rtpPacket(seq: 3)
        let count = packet.count
        #expect(throws: SRTPError.bufferTooSmall) {
            try packet.withUnsafeMutableBytes { b in try a.protectRTP(b, length: count) }
        }
    }

    @Test(arguments: SRTPProfile.allCases)
    func shortAndGarbageInputThrowsWithoutCrashing(profile: SRTPProfile) throws {
        let (_, b) = try pair(profile)
        for length in 0..<80 {
            for rtcp in [false, true] {
                var garbage = randomBytes(length)
                if length > 0 { garbage[0] = rtcp ? 0x81 : 0x80 }
                #expect(throws: SRTPError.self) { try unprotect(b, garbage, rtcp: rtcp) }
            }
        }
        // A length larger than the buffer is a bad parameter, not a read overrun.
        var small = [UInt8](repeating: 0x80, count: 16)
        #expect(throws: SRTPError.badParameter) {
            try small.withUnsafeMutableBytes { buf in try b.unprotectRTP(buf, length: 64) }
        }
        // An RTP header claiming a header extension longer than the packet.
        var lying = hex("9000000100000000cafebabe bede0fff") + randomBytes(40)
        let n = lying.count
        #expect(throws: SRTPError.self) {
            try lying.withUnsafeMutableBytes { buf in try b.unprotectRTP(buf, length: n) }
        }
    }

    @Test func wrongKeyLengthIsBadParameter() {
        #expect(throws: SRTPError.badParameter) {
            try SRTPSession(profile: .aeadAES128GCM, localKeySalt: randomBytes(30), remoteKeySalt: randomBytes(28))
        }
        #expect(throws: SRTPError.badParameter) {
            try SRTPSession(profile: .aes128CMHMACSHA1_80, localKeySalt: randomBytes(30), remoteKeySalt: randomBytes(30),
                            replayWindow: 10)
        }
    }

    @Test func errorNamesAreStable() {
        #expect(SRTPError.authenticationFailed.name == "auth_fail")
        #expect(SRTPError.replayOld.name == "replay_old")
        #expect(SRTPError.replayFailed.name == "replay_fail")
        #expect(SRTPError.badParameter.name == "bad_param")
        #expect(SRTPError.bufferTooSmall.name == "buffer_too_small")
        #expect(SRTPError.other(3).name == "other")
    }
}

@Suite struct SRTPKeyingMaterialTests {
    /// RFC 5764 §4.2: client key, server key, client salt, server salt.
    @Test(arguments: SRTPProfile.allCases)
    func splitsExportedLayout(profile: SRTPProfile) throws {
        let k = profile.keyLength, s = profile.saltLength
        let exported = (0..<profile.exportedKeyingMaterialLength).map { UInt8($0) }
        let m = try SRTPKeyingMaterial(exported: exported, profile: profile)
        #expect(m.clientWriteKey == Array(exported[0..<k]))
        #expect(m.serverWriteKey == Array(exported[k..<2 * k]))
        #expect(m.clientWriteSalt == Array(exported[2 * k..<2 * k + s]))
        #expect(m.serverWriteSalt == Array(exported[2 * k + s..<2 * k + 2 * s]))
        let client = m.keys(for: .client), server = m.keys(for: .server)
        #expect(client.local == m.clientWriteKey + m.clientWriteSalt)
        #expect(client.remote == m.serverWriteKey + m.serverWriteSalt)
        #expect(server.local == client.remote)
        #expect(server.remote == client.local)
    }

    @Test func wrongExportedLengthThrows() {
        #expect(throws: SRTPError.badParameter) {
            try SRTPKeyingMaterial(exported: [UInt8](repeating: 0, count: 60), profile: .aeadAES128GCM)
        }
    }

    @Test func profileConstants() {
        #expect(SRTPProfile.aeadAES128GCM.ianaIdentifier == 0x0007)
        #expect(SRTPProfile.aes128CMHMACSHA1_80.ianaIdentifier == 0x0001)
        #expect(SRTPProfile(openSSLName: "SRTP_AEAD_AES_128_GCM") == .aeadAES128GCM)
        #expect(SRTPProfile(openSSLName: "SRTP_AES128_CM_SHA1_80") == .aes128CMHMACSHA1_80)
        #expect(SRTPProfile.aeadAES128GCM.exportedKeyingMaterialLength == 56)
        #expect(SRTPProfile.aes128CMHMACSHA1_80.exportedKeyingMaterialLength == 60)
    }
}
