import CapstanTestSupport
import DTLS
import Foundation
import NIOCore
import RTP
import SRTP
import STUN
import Testing
@testable import Transport

@Suite("Transport over real UDP on 127.0.0.1")
struct TransportSessionTests {
    static func rtpPacket(seq: UInt16, ssrc: UInt32, payloadByte: UInt8) -> [UInt8] {
        RTPPacket(marker: false, payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000,
                  ssrc: ssrc, payload: Array(repeating: payloadByte, count: 200)).bytes
    }

    @Test("offerer ↔ answerer: ICE, DTLS, SRTP RTP and RTCP both ways", arguments: SRTPProfile.allCases)
    func roundTrip(profile: SRTPProfile) async throws {
        let pair = try await LoopbackPair.make(profiles: [profile])
        defer { Task { try? await pair.shutdown() } }

        let connected = try await LoopbackPair.waitUntil {
            pair.answererEvents.isConnected && pair.offererEvents.isConnected
        }
        let debug = try await pair.onLoop { (pair.answererPort.counters, pair.offererPort.counters, pair.answerer.state, pair.offerer.state) }
        #expect(connected, "\(debug)")
        #expect(pair.answererEvents.events.contains(.connected(profile)))
        #expect(pair.offererEvents.events.contains(.connected(profile)))

        // Offerer → answerer: 50 RTP packets and an SR; answerer → offerer: RTP and a PLI.
        let sr = RTCPCompoundPacket.serialize([.senderReport(SenderReport(
            ssrc: 2222, ntpTimestamp: NTPTimestamp(unixNanoseconds: 1_700_000_000_000_000_000),
            rtpTimestamp: 9000, packetCount: 50, octetCount: 10_000, reportBlocks: []))])
        let pli = RTCPCompoundPacket.serialize([.pictureLossIndication(
            PictureLossIndication(senderSSRC: 1, mediaSSRC: 2222))])
        let sent: (Int, Int) = try await pair.onLoop {
            var upstream = 0, downstream = 0
            for seq in UInt16(0)..<50 {
                let packet = Self.rtpPacket(seq: seq, ssrc: 2222, payloadByte: UInt8(seq))
                if packet.withUnsafeBytes({ pair.offerer.sendRTP($0) }) { upstream += 1 }
            }
            _ = sr.withUnsafeBytes { pair.offerer.sendRTCP($0) }
            for seq in UInt16(1000)..<1010 {
                let packet = Self.rtpPacket(seq: seq, ssrc: 7777, payloadByte: 0xAB)
                if packet.withUnsafeBytes({ pair.answerer.sendRTP($0) }) { downstream += 1 }
            }
            _ = pli.withUnsafeBytes { pair.answerer.sendRTCP($0) }
            return (upstream, downstream)
        }
        #expect(sent.0 == 50 && sent.1 == 10)

        let delivered = try await LoopbackPair.waitUntil {
            pair.answererEvents.rtp.count == 50 && pair.offererEvents.rtp.count == 10
                && pair.answererEvents.rtcp.count == 1 && pair.offererEvents.rtcp.count == 1
        }
        #expect(delivered)
        // Decrypted packets equal what was sent, byte for byte and in order.
        for (index, received) in pair.answererEvents.rtp.enumerated() {
            #expect(received == Self.rtpPacket(seq: UInt16(index), ssrc: 2222, payloadByte: UInt8(index)))
        }
        #expect(pair.answererEvents.rtcp.first == sr)
        #expect(pair.offererEvents.rtcp.first == pli)
        let first = try #require(pair.offererEvents.rtp.first)
        let parsed = try RTPHeader(parsing: first)
        #expect(parsed.ssrc == 7777 && parsed.sequenceNumber == 1000)

        let counters = try await pair.onLoop { pair.answerer.counters }
        #expect(counters.rtpPacketsIn == 50)
        #expect(counters.rtcpPacketsIn == 1)
        #expect(counters.drops.total == 0)
        #expect(pair.answererEvents.ticks > 0, "media receiver is ticked while connected")
    }

    @Test("IPv6: ICE, DTLS and SRTP over [::1], XOR-MAPPED-ADDRESS and routing by IPv6 address")
    func ipv6() async throws {
        let pair = try await LoopbackPair.make(host: "::1")
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })
        let selected = try await pair.onLoop { pair.answerer.selectedRemote }
        #expect(selected?.isIPv6 == true && selected?.addressString == "::1")
        try await pair.onLoop {
            for seq in UInt16(0)..<10 {
                _ = Self.rtpPacket(seq: seq, ssrc: 2222, payloadByte: 9).withUnsafeBytes { pair.offerer.sendRTP($0) }
            }
        }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.rtp.count == 10 })
    }

    @Test("an RSA client certificate works against our ECDSA answerer")
    func rsaPeer() async throws {
        let pair = try await LoopbackPair.make(offererCertificate: try DTLSCertificate.generateRSA())
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })
    }

    @Test("a DTLS certificate that does not match the SDP fingerprint fails the session dtls-failed")
    func fingerprintMismatch() async throws {
        let pair = try await LoopbackPair.make(tamperFingerprint: true)
        defer { Task { try? await pair.shutdown() } }
        let failed = try await LoopbackPair.waitUntil {
            pair.answererEvents.events.contains(.failed(detail: "dtls-failed"))
        }
        #expect(failed)
        #expect(!pair.answererEvents.isConnected)
        let state = try await pair.onLoop { pair.answerer.state }
        #expect(state == .failed)
    }

    @Test("10,000 random datagrams from the peer's own address during a live session: dropped, counted, session survives")
    func garbageFlood() async throws {
        let pair = try await LoopbackPair.make()
        defer { Task { try? await pair.shutdown() } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })

        let target = pair.answererPort.localAddress
        // Sent from the offerer's socket, so they pass the address routing
        // and reach the session's STUN, DTLS and SRTP paths. First bytes are
        // spread over every RFC 7983 class. Sent in batches to stay within
        // socket buffers.
        var generator = SplitMix64(seed: 7983)
        let before = try await pair.onLoop { pair.answererPort.counters }
        for _ in 0..<100 {
            let batch: [[UInt8]] = (0..<100).map { _ in
                let length = Int(generator.next() % 1300) + 1
                var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                let classes: [UInt8] = [0, 1, 23, 128, 129, 200, 70, 255]
                bytes[0] = classes[Int(generator.next() % UInt64(classes.count))] | (bytes[0] & 0x01)
                if bytes.count > 1, bytes[0] >= 128 { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
                return bytes
            }
            try await pair.onLoop {
                for datagram in batch { datagram.withUnsafeBytes { pair.offererPort.send($0, to: target) } }
            }
            // Pacing, not waiting: 10 ms between batches of 100 keeps the
            // flood within the receiving socket's buffer.
            try await Task.sleep(for: .milliseconds(10))
        }

        // The session is still connected and media still flows. These 20
        // packets leave the same socket after the flood, and loopback UDP
        // keeps their order: once all have arrived, every flood datagram that
        // was going to arrive has been handled.
        let rtpBefore = pair.answererEvents.rtp.count
        try await pair.onLoop {
            for seq in UInt16(0)..<20 {
                let packet = Self.rtpPacket(seq: seq, ssrc: 2222, payloadByte: 1)
                _ = packet.withUnsafeBytes { pair.offerer.sendRTP($0) }
            }
        }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.rtp.count >= rtpBefore + 20 })
        let after = try await pair.onLoop { (pair.answererPort.counters, pair.answerer.counters) }
        let state = try await pair.onLoop { pair.answerer.state }
        #expect(state == .connected)
        #expect(!pair.answererEvents.events.contains { if case .failed = $0 { true } else { false } })

        // Loopback UDP may still lose a few; nearly all must arrive for the
        // test to mean anything.
        let received = after.0.datagramsIn - before.datagramsIn - 20
        #expect(received >= 9_500, "only \(received) of 10,000 reached the port")
        // Every garbage datagram that arrived was dropped and counted by
        // reason (ICE consent checks from the peer, a handful at most, are
        // the only legitimate traffic in that window).
        let dropped = after.1.drops.total + after.0.drops.total
        #expect(dropped + 10 >= received && dropped <= received,
                "received \(received), dropped \(dropped): \(after.1.drops.nonZero) \(after.0.drops.nonZero)")
        #expect(after.1.drops[.srtpAuthentication] + after.1.drops[.srtpMalformed] > 0)
        #expect(after.1.drops[.stunRejected] > 0)
        #expect(after.1.drops[.dtlsRejected] > 0)
        #expect(after.0.drops[.unknownClass] > 0)
    }
}

