import CapstanTestSupport
import Testing
@testable import RTP

@Suite struct RTCPTests {
    // RFC 3550 §6.4.1 by hand: V=2 P=0 RC=1 → 0x81; PT=200 → 0xC8; length = 52/4 - 1 = 12.
    // SSRC 0x01020304; NTP 0xE5F1A2B3.80000000; RTP ts 0x12345; 100 packets; 16000 octets.
    // Block: SSRC 0x0A0B0C0D, fraction 0x40, cumulative lost -2 (0xFFFFFE), ext. highest
    // 0x00010005, jitter 0x20, LSR 0xA2B38000, DLSR 0x00010000 (1 s).
    static let senderReport = hex("""
        81 C8 000C 01020304
        E5F1A2B3 80000000 00012345 00000064 00003E80
        0A0B0C0D 40 FFFFFE 00010005 00000020 A2B38000 00010000
        """)
    // RFC 3550 §6.5 by hand: SC=1, PT=202, chunk SSRC, CNAME(1) len 2 "ab", null + 3 pad → 12 → length 3.
    static let sdes = hex("81 CA 0003 01020304 01 02 61 62 00 00 00 00")
    // RFC 3550 §6.4.2 by hand: RC=1 PT=201 length (8+24)/4-1 = 7.
    static let receiverReport = hex("81 C9 0007 11111111 22222222 00 000000 0000FFFF 00000000 00000000 00000000")
    // RFC 3550 §6.6 by hand: SC=1 PT=203, reason length 3 "bye" → 12 bytes, length 2.
    static let bye = hex("81 CB 0002 11111111 03 62 79 65")
    // RFC 4585 §6.2.1 by hand: FMT=1 PT=205, lost 100,101,103,116 → PID 100 (0x64),
    // BLP bits 1,3,16 (LSB = PID+1) → 0x8005.
    static let nack = hex("81 CD 0003 AAAAAAAA BBBBBBBB 0064 8005")
    // RFC 4585 §6.3.1 by hand: FMT=1 PT=206 length 2.
    static let pli = hex("81 CE 0002 AAAAAAAA BBBBBBBB")
    // RFC 5104 §4.3.1 by hand: FMT=4 PT=206, media SSRC 0, entry SSRC CCCCCCCC seq 5.
    static let fir = hex("84 CE 0004 AAAAAAAA 00000000 CCCCCCCC 05 000000")
    // draft-alvestrand-rmcat-remb-03 §2.2; vector from libwebrtc
    // modules/rtp_rtcp/source/rtcp_packet/remb_unittest.cc (kPacket): exp 1, mantissa 0x3FB93.
    static let remb = hex("""
        8F CE 0007 12345678 00000000 52454D42
        03 07FB93 23456789 2345678A 2345678B
        """)
    // A real Chromium transport-wide CC feedback (RTPFB FMT 15, P=1) as captured in
    // olivermichel/webrtc-analysis test/include/data.h (twcc_pkt1).
    static let twcc = hex("""
        AF CD 0007 00000001 DD586EB6 0001 0009 5E9110 00 2009 1C0C 2C38 0004 0008 1801
        """)
    // RFC 3611 §4.4 XR with one Receiver Reference Time block (BT=4), by hand.
    static let xr = hex("80 CF 0004 01020304 04 00 0002 E5F1A2B3 80000000")
    // RFC 3550 §6.7 APP, subtype 0, name "TEST".
    static let app = hex("80 CC 0002 01020304 54455354")
    // PSFB FMT 15 that is not REMB, RTPFB FMT 3 (TMMBR, RFC 5104 §4.2.1).
    static let afbOther = hex("8F CE 0003 AAAAAAAA 00000000 41424344")
    static let tmmbr = hex("83 CD 0004 AAAAAAAA 00000000 BBBBBBBB 0C0F4064")

    static let singles: [[UInt8]] = [senderReport, sdes, receiverReport, bye, nack, pli, fir, remb, twcc, xr, app,
                                     afbOther, tmmbr]

    @Test(arguments: singles)
    func singlePacketRoundTrip(bytes: [UInt8]) throws {
        let packet = try RTCPPacket(parsing: bytes)
        #expect(packet.bytes == bytes)
        #expect(packet.bytesViaBuffer == bytes)
        #expect(packet.encodedSize == bytes.count)
        #expect(RTCPCompoundPacket.serialize(try RTCPCompoundPacket.parse(bytes)) == bytes)
    }

    static let compounds: [(bytes: [UInt8], kinds: [String])] = [
        (senderReport + sdes, ["senderReport", "sourceDescription"]),
        (receiverReport + sdes + bye, ["receiverReport", "sourceDescription", "goodbye"]),
        (nack + pli, ["genericNACK", "pictureLossIndication"]),
        (receiverReport + remb + twcc, ["receiverReport", "remb", "raw"]),
        (senderReport + xr + fir + app, ["senderReport", "raw", "fullIntraRequest", "raw"]),
    ]

    static func kind(_ packet: RTCPPacket) -> String {
        switch packet {
        case .senderReport: "senderReport"
        case .receiverReport: "receiverReport"
        case .sourceDescription: "sourceDescription"
        case .goodbye: "goodbye"
        case .genericNACK: "genericNACK"
        case .pictureLossIndication: "pictureLossIndication"
        case .fullIntraRequest: "fullIntraRequest"
        case .remb: "remb"
        case .raw: "raw"
        }
    }

    @Test(arguments: compounds)
    func compoundRoundTrip(bytes: [UInt8], kinds: [String]) throws {
        let packets = try RTCPCompoundPacket.parse(bytes)
        #expect(packets.map(Self.kind) == kinds)
        #expect(RTCPCompoundPacket.serialize(packets) == bytes)
        #expect(RTCPCompoundPacket.encodedSize(of: packets) == bytes.count)
    }

    @Test func senderReportFieldsAndHandBuiltBytes() throws {
        guard case .senderReport(let sr) = try RTCPPacket(parsing: Self.senderReport) else {
            Issue.record("not an SR")
            return
        }
        let built = SenderReport(
            ssrc: 0x0102_0304, ntpTimestamp: NTPTimestamp(seconds: 0xE5F1_A2B3, fraction: 0x8000_0000),
            rtpTimestamp: 0x12345, packetCount: 100, octetCount: 16000,
            reportBlocks: [ReportBlock(ssrc: 0x0A0B_0C0D, fractionLost: 0x40, cumulativeLost: -2,
                                       extendedHighestSequenceNumber: 0x1_0005, jitter: 0x20,
                                       lastSenderReport: 0xA2B3_8000, delaySinceLastSenderReport: 0x1_0000)])
        #expect(sr == built)
        #expect(RTCPPacket.senderReport(built).bytes == Self.senderReport)
        #expect(sr.senderInfo.ntpTimestamp.compact == 0xA2B3_8000)
    }

    @Test func sdesAndByeFields() throws {
        let packets = try RTCPCompoundPacket.parse(Self.receiverReport + Self.sdes + Self.bye)
        guard case .sourceDescription(let sdes) = packets[1], case .goodbye(let bye) = packets[2] else {
            Issue.record("wrong kinds")
            return
        }
        #expect(sdes.chunks == [SourceDescription.Chunk(source: 0x0102_0304, items: [.cname("ab")])])
        #expect(sdes.chunks.first?.cname == "ab")
        #expect(bye == Goodbye(sources: [0x1111_1111], reason: "bye"))
        #expect(bye.reasonText == "bye")
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7])
    func sdesChunkPaddingForEveryTextLength(length: Int) throws {
        // Each chunk is SSRC + (2 + n) + ≥1 null octet, padded to 32 bits (RFC 3550 §6.5).
        let sdes = SourceDescription(chunks: [
            SourceDescription.Chunk(source: 1, items: [SourceDescription.Item(type: 1, data: Array(repeating: 0x61, count: length)),
                                                       SourceDescription.Item(type: 6, text: "t")]),
            SourceDescription.Chunk(source: 2, items: []),
        ])
        let bytes = RTCPPacket.sourceDescription(sdes).bytes
        #expect(bytes.count == 4 + ((4 + 2 + length + 3 + 1) + 3) / 4 * 4 + 8)
        #expect(try RTCPPacket(parsing: bytes) == .sourceDescription(sdes))
    }

    @Test func byeWithoutReasonAndWithManySources() throws {
        let bye = Goodbye(sources: [1, 2, 3])
        let bytes = RTCPPacket.goodbye(bye).bytes
        #expect(bytes == hex("83 CB 0003 00000001 00000002 00000003"))
        #expect(try RTCPPacket(parsing: bytes) == .goodbye(bye))
    }

    @Test func rembFields() throws {
        guard case .remb(let remb) = try RTCPPacket(parsing: Self.remb) else {
            Issue.record("not REMB")
            return
        }
        #expect(remb.senderSSRC == 0x1234_5678)
        #expect(remb.exponent == 1 && remb.mantissa == 0x3FB93)
        #expect(remb.bitrate == 522_022)
        #expect(remb.ssrcs == [0x2345_6789, 0x2345_678A, 0x2345_678B])
        let built = ReceiverEstimatedMaximumBitrate(senderSSRC: 0x1234_5678, bitrate: 522_022,
                                                    ssrcs: [0x2345_6789, 0x2345_678A, 0x2345_678B])
        #expect(RTCPPacket.remb(built).bytes == Self.remb)
    }

    @Test(arguments: [(UInt64(0), UInt8(0), UInt32(0)), (0x3FFFF, 0, 0x3FFFF), (0x40000, 1, 0x20000),
                      (1_000_000_000, 12, 244_140), (UInt64(0x3FFFF) << 43, 43, 0x3FFFF)])
    func rembBitrateEncoding(bitrate: UInt64, exponent: UInt8, mantissa: UInt32) {
        let remb = ReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: bitrate, ssrcs: [])
        #expect(remb.exponent == exponent)
        #expect(remb.mantissa == mantissa)
        #expect(remb.bitrate <= bitrate && remb.bitrate >= bitrate - (bitrate >> 17))
    }

    @Test func firFields() throws {
        let fir = FullIntraRequest(senderSSRC: 0xAAAA_AAAA, entries: [.init(ssrc: 0xCCCC_CCCC, sequenceNumber: 5)])
        #expect(RTCPPacket.fullIntraRequest(fir).bytes == Self.fir)
        #expect(try RTCPPacket(parsing: Self.fir) == .fullIntraRequest(fir))
    }

    @Test func unknownPacketsStayRaw() throws {
        for bytes in [Self.twcc, Self.xr, Self.app, Self.afbOther, Self.tmmbr] {
            guard case .raw(let raw) = try RTCPPacket(parsing: bytes) else {
                Issue.record("expected raw for PT \(bytes[1])")
                continue
            }
            #expect(raw.bytes == bytes)
            #expect(raw.packetType == bytes[1])
        }
    }

    @Test func paddedTypedPacketParsesWithoutPadding() throws {
        // PLI with P=1 and 4 octets of padding (last octet = 4), RFC 3550 §6.4.1 P bit.
        let padded = hex("A1 CE 0003 AAAAAAAA BBBBBBBB 00 00 00 04")
        let packet = try RTCPPacket(parsing: padded)
        #expect(packet == .pictureLossIndication(PictureLossIndication(senderSSRC: 0xAAAA_AAAA, mediaSSRC: 0xBBBB_BBBB)))
        #expect(packet.bytes == Self.pli)
    }

    @Test func headerIteratorAndFirstSenderInfo() throws {
        let compound = Self.receiverReport + Self.senderReport + Self.sdes
        try compound.withUnsafeBytes { raw throws in
            let headers = Array(RTCPHeaderIterator(raw))
            #expect(headers.map(\.header.packetType) == [201, 200, 202])
            #expect(headers.map(\.header.count) == [1, 1, 1])
            #expect(headers.map(\.range) == [0..<32, 32..<84, 84..<100])
            let info = try #require(RTCPCompoundPacket.firstSenderInfo(in: raw))
            #expect(info == SenderInfo(ssrc: 0x0102_0304, ntpTimestamp: NTPTimestamp(rawValue: 0xE5F1_A2B3_8000_0000),
                                       rtpTimestamp: 0x12345, packetCount: 100, octetCount: 16000))
        }
        Self.receiverReport.withUnsafeBytes { raw in
            #expect(RTCPCompoundPacket.firstSenderInfo(in: raw) == nil)
        }
    }
}
