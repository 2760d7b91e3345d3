import Codecs
import Foundation
import MediaPipeline
import RTP
import SDP
import STUN
import Signalling

/// The pure parsers of peer input (DESIGN §8): any bytes in, a value or a
/// thrown error out, never a trap; what parses survives its own round trip.
enum ParserTargets {
    static let stunKey = Array("capstanPasswordOf24Chars".utf8)

    @Sendable static func stun(_ data: UnsafeRawBufferPointer) {
        _ = STUNMessage.looksLikeSTUN(data)
        if let range = STUNMessage.peekUsername(data) {
            fuzzCheck(range.lowerBound >= 0 && range.upperBound <= data.count, "username range \(range) out of \(data.count)")
        }
        _ = STUNMessage.usernameLocalPart(data, equals: "CapS")
        _ = STUNMessage.hasFingerprint(data)
        _ = STUNMessage.verifyFingerprint(data)
        _ = STUNMessage.verifyIntegrity(data, key: stunKey)
        guard let message = try? STUNMessage(parsing: data) else { return }
        _ = message.username; _ = message.xorMappedAddress; _ = message.priority
        // Re-encoded (signed and fingerprinted, as the agents send), it parses back
        // to the same attributes and verifies.
        let bytes = message.serialize(integrityKey: stunKey, fingerprint: true)
        fuzzCheck(bytes.count == message.encodedSize(integrity: true, fingerprint: true), "encodedSize mismatch")
        let again: STUNMessage
        do { again = try STUNMessage(parsing: bytes) } catch { fuzzCheck(false, "re-encoded message does not parse: \(error)"); return }
        fuzzCheck(again.type == message.type && again.transactionID == message.transactionID, "header changed in round trip")
        fuzzCheck(again.serialize(integrityKey: stunKey, fingerprint: true) == bytes, "round trip not stable")
        bytes.withUnsafeBytes { raw in
            fuzzCheck(STUNMessage.verifyFingerprint(raw), "own FINGERPRINT does not verify")
            fuzzCheck(STUNMessage.verifyIntegrity(raw, key: stunKey), "own MESSAGE-INTEGRITY does not verify")
        }
    }

    @Sendable static func rtp(_ data: UnsafeRawBufferPointer) {
        guard let header = try? RTPHeader(parsing: data) else {
            fuzzCheck((try? RTPPacket(parsing: data)) == nil, "RTPPacket parses what RTPHeader rejects")
            return
        }
        fuzzCheck(header.payloadRange.lowerBound >= 12 && header.payloadRange.upperBound <= data.count,
                  "payload range \(header.payloadRange) out of \(data.count)")
        var walked = 0
        for element in header.extensions(in: data) {
            walked += 1
            _ = element
        }
        if let elements = try? header.extensionElements(in: data) { _ = elements.count }
        for id in UInt8(1)...15 {
            if let range = header.rangeOfExtension(id: id, in: data) {
                fuzzCheck(range.upperBound <= header.payloadRange.lowerBound, "extension \(id) range \(range) past the header")
            }
        }
        _ = walked
        let packet: RTPPacket
        do { packet = try RTPPacket(parsing: data) } catch { fuzzCheck(false, "RTPPacket rejects what RTPHeader parsed: \(error)"); return }
        var bytes: [UInt8] = []
        packet.write(to: &bytes)
        let again = try? RTPPacket(parsing: bytes)
        fuzzCheck(again == packet, "RTP packet round trip differs")
        // The in-place renumbering keeps everything else.
        var copy = bytes
        copy.withUnsafeMutableBytes { RTPHeader.rewrite($0, sequenceNumber: 7, timestamp: 9, ssrc: 11) }
        if let renumbered = try? RTPHeader(parsing: copy) {
            fuzzCheck(renumbered.sequenceNumber == 7 && renumbered.timestamp == 9 && renumbered.ssrc == 11, "rewrite lost")
        } else {
            fuzzCheck(false, "rewritten packet does not parse")
        }
    }

    @Sendable static func rtcp(_ data: UnsafeRawBufferPointer) {
        var iterator = RTCPHeaderIterator(data)
        var lastEnd = 0
        while let (_, range) = iterator.next() {
            fuzzCheck(range.lowerBound == lastEnd && range.upperBound <= data.count && !range.isEmpty,
                      "header iterator range \(range) after \(lastEnd) of \(data.count)")
            lastEnd = range.upperBound
            _ = try? RTCPPacket(parsing: UnsafeRawBufferPointer(rebasing: data[range]))
            if let report = try? SenderReport(parsing: UnsafeRawBufferPointer(rebasing: data[range])) {
                _ = report.senderInfo.ntpTimestamp
            }
        }
        _ = RTCPCompoundPacket.firstSenderInfo(in: data)
        guard let packets = try? RTCPCompoundPacket.parse(data) else { return }
        let bytes = RTCPCompoundPacket.serialize(packets)
        fuzzCheck(bytes.count == RTCPCompoundPacket.encodedSize(of: packets), "encodedSize mismatch")
        let again: [RTCPPacket]
        do { again = try RTCPCompoundPacket.parse(bytes) } catch { fuzzCheck(false, "re-encoded RTCP does not parse: \(error)"); return }
        fuzzCheck(RTCPCompoundPacket.serialize(again) == bytes, "RTCP round trip not stable")
    }

    static let answerOptions = AnswerOptions(
        iceUfrag: "CapS", icePwd: "capstanPasswordOf24Chars",
        fingerprint: .sha256("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"),
        candidates: [.host(address: "127.0.0.1", port: 40000)], mode: .recvonly, sessionID: 4242)

    @Sendable static func sdp(_ data: UnsafeRawBufferPointer) {
        guard let offer = try? SessionDescription(parsing: data) else { return }
        let text = offer.serialized
        let again: SessionDescription
        do { again = try SessionDescription(parsing: text) } catch { fuzzCheck(false, "serialized SDP does not parse: \(error)"); return }
        fuzzCheck(again.serialized == text, "SDP round trip not stable")
        guard let answer = try? SDPAnswerer.answer(offer: offer, options: answerOptions) else { return }
        let answerText = answer.answer.serialized
        fuzzCheck((try? SessionDescription(parsing: answerText)) != nil, "our answer does not parse")
    }

    @Sendable static func sdpfrag(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let fragment = try? TrickleFragment(parsing: text) else { return }
        _ = fragment.isICERestart(currentUfrag: "CapS", currentPwd: "capstanPasswordOf24Chars")
        for section in fragment.sections { _ = section.kind }
    }

    @Sendable static func vp8(_ data: UnsafeRawBufferPointer) {
        // The whole input as one payload: the descriptor round trip.
        if let descriptor = try? VP8PayloadDescriptor(parsing: data) {
            fuzzCheck(descriptor.encodedSize <= data.count, "descriptor size \(descriptor.encodedSize) > \(data.count)")
            var bytes: [UInt8] = []
            descriptor.write(to: &bytes)
            fuzzCheck(bytes.count == descriptor.encodedSize, "written descriptor size differs")
            fuzzCheck((try? VP8PayloadDescriptor(parsing: bytes)) == descriptor, "descriptor round trip differs")
            _ = try? VP8FrameHeader(parsing: UnsafeRawBufferPointer(rebasing: data[descriptor.encodedSize...]))
        }
        // Then as a packet sequence: [flags][timestamp step][length] payload …
        // flags: bit 0 marker, bit 1 sequence gap, bit 2 reordered by one.
        var reader = FuzzReader(data)
        var depacketizer = VP8Depacketizer(maxFrameSize: 64 * 1024)
        var sequence: UInt16 = 0xFFF0, timestamp: UInt32 = 0xFFFF_0000
        var events: [VP8DepacketizerEvent] = []
        var frames = 0, keyframes = 0, dropped = 0
        while !reader.isAtEnd {
            let flags = reader.u8()
            let step = reader.u8()
            let payload = reader.take(Int(reader.u8()) + 1)
            if flags & 2 != 0 { sequence &+= UInt16(flags >> 3) }
            if flags & 4 != 0 { sequence &-= 2 }
            timestamp &+= UInt32(step) &* 750
            events.removeAll(keepingCapacity: true)
            depacketizer.push(sequenceNumber: sequence, timestamp: timestamp, marker: flags & 1 != 0, payload: payload,
                              into: &events)
            sequence &+= 1
            for event in events {
                switch event {
                case .frame(let frame):
                    frames += 1
                    if frame.isKeyframe { keyframes += 1 }
                    fuzzCheck(!frame.data.isEmpty && frame.data.count <= 64 * 1024, "frame of \(frame.data.count) bytes")
                    fuzzCheck(!frame.isKeyframe || (frame.width ?? 0) > 0, "keyframe without a size")
                case .dropped: dropped += 1
                }
            }
        }
        fuzzCheck(depacketizer.framesAssembled == frames && depacketizer.keyframesAssembled == keyframes,
                  "counters \(depacketizer.framesAssembled)/\(depacketizer.keyframesAssembled) vs events \(frames)/\(keyframes)")
        _ = dropped
    }

    /// RED (RFC 2198): a refused payload hands out no block; an accepted one
    /// has blocks in order that tile the payload after the headers, ending at
    /// its end, offsets strictly decreasing to the primary's 0. RTX: the OSN
    /// is the first two octets of a payload longer than two.
    @Sendable static func red(_ data: UnsafeRawBufferPointer) {
        var blocks: [REDBlock] = []
        let accepted = (try? REDPayload.forEachBlock(in: data) { blocks.append($0) }) != nil
        fuzzCheck(accepted || blocks.isEmpty, "blocks handed out of a refused payload")
        if accepted {
            fuzzCheck(blocks.count <= REDPayload.maxRedundantBlocks + 1, "\(blocks.count) blocks")
            fuzzCheck(blocks.last?.isPrimary == true && blocks.last?.range.upperBound == data.count, "primary not last")
            fuzzCheck(blocks.first?.range.lowerBound == 4 * (blocks.count - 1) + 1, "data does not follow the headers")
            for (a, b) in zip(blocks, blocks.dropFirst()) {
                fuzzCheck(a.range.upperBound == b.range.lowerBound && a.timestampOffset > b.timestampOffset, "\(a) then \(b)")
            }
        }
        switch RTXPayload.content(of: data) {
        case .padding: fuzzCheck(data.count <= 2, "padding with \(data.count) octets")
        case .retransmission(let osn, let range):
            fuzzCheck(data.count > 2 && range == 2..<data.count && osn == UInt16(data[0]) << 8 | UInt16(data[1]), "OSN")
        }
    }

    @Sendable static func opus(_ data: UnsafeRawBufferPointer) {
        let info = try? OpusPacketInfo(parsing: data)
        let samples = try? OpusPacketInfo.totalSamples(of: data)
        fuzzCheck(info?.totalSamples == samples, "parse says \(String(describing: info?.totalSamples)), totalSamples \(String(describing: samples))")
        fuzzCheck((try? OpusDepacketizer.duration(of: data)) == samples, "depacketizer disagrees")
        guard let info else { return }
        fuzzCheck((1...48).contains(info.frameCount), "frame count \(info.frameCount)")
        fuzzCheck(info.totalSamples <= OpusPacketInfo.maxSamplesPerPacket, "\(info.totalSamples) samples")
        fuzzCheck(info.frameLengths.allSatisfy { (0...OpusPacketInfo.maxFrameLength).contains($0) }, "frame lengths \(info.frameLengths)")
        let payload = info.frameLengths.reduce(0, +) + info.paddingLength
        fuzzCheck(payload < data.count, "frames \(payload) bytes in a packet of \(data.count)")
        // A loss packet of the same duration is valid and as long.
        let loss = try? OpusPacketInfo.lostFramePacket(frameDuration: info.frameDuration, frameCount: info.frameCount,
                                                       stereo: info.isStereo)
        fuzzCheck(loss != nil, "no loss packet for \(info.frameCount) × \(info.frameDuration.samples)")
        guard let loss else { return }
        fuzzCheck((try? OpusPacketInfo(parsing: loss))?.totalSamples == info.totalSamples, "loss packet duration differs")
    }

    @Sendable static func signalling(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let message = try? SignallingMessage.decode(text) else { return }
        if let id = message.registeringPeerID { fuzzCheck(SignallingMessage.isValidPeerID(id), "invalid peer id accepted") }
        // What the daemon sends back is what it would read.
        let encoded: Data
        do { encoded = try JSONEncoder().encode(message) } catch { fuzzCheck(false, "cannot encode \(message): \(error)"); return }
        fuzzCheck((try? SignallingMessage.decode(String(decoding: encoded, as: UTF8.self))) == message,
                  "signalling round trip differs")
    }
}
