import ICE
import RTP
import SRTP
import STUN

/// A Binding request as a browser sends it to an ICE-lite answerer: USERNAME,
/// PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT.
enum BindingRequestFixture {
    static let localUfrag = "capstanufrag"
    static let localPassword = "capstanpassword0123456789"
    static let bytes: [UInt8] = STUNMessage(type: .bindingRequest, attributes: [
        .username("\(localUfrag):peerufrg"),
        .priority(1_845_501_695),
        .iceControlling(0x0123_4567_89AB_CDEF),
        .useCandidate,
        .unknown(type: 0xC057, value: [0, 1, 0, 10]),  // GOOG-NETWORK-INFO, as Chromium sends
    ]).serialize(integrityKey: Array(localPassword.utf8), fingerprint: true)
    static let from = IPEndpoint(ipv4: 0x7F00_0001, port: 50_000)
}

/// STUN parse + FINGERPRINT + MESSAGE-INTEGRITY check of one Binding request
/// (what the ICE-lite agent does before it answers).
final class STUNParseVerify: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "stun-parse-verify", unit: "message",
        summary: "STUN Binding request (112 B): parse, FINGERPRINT, MESSAGE-INTEGRITY (HMAC-SHA1)",
        expectsZeroAllocations: false,
        allocationNote: "the parsed message's attribute array and USERNAME string (one check per peer every ~2.5 s, not per media packet)",
        make: { STUNParseVerify() })

    private let key = Array(BindingRequestFixture.localPassword.utf8)
    private var verified = 0
    private var runs = 0

    func prepare(count: Int) {}

    func run(count: Int) {
        BindingRequestFixture.bytes.withUnsafeBytes { raw in
            for _ in 0..<count {
                guard let message = try? STUNMessage(parsing: raw) else { continue }
                if message.fingerprint != nil, STUNMessage.verifyFingerprint(raw),
                   STUNMessage.verifyIntegrity(raw, key: key) {
                    verified += 1
                }
                opaque(message.type)
            }
        }
        runs += count
    }

    func verify() -> String? { verified == runs ? nil : "\(runs - verified) of \(runs) requests failed to verify" }
}

/// The ICE-lite agent answering one Binding request: parse, checks,
/// integrity, and the signed success response.
final class ICELiteBinding: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "ice-lite-binding", unit: "request",
        summary: "ICELiteAgent.handle: parse + verify + build the signed success response",
        expectsZeroAllocations: false,
        allocationNote: "parsed attributes, USERNAME, the response bytes (once per consent check, ~2.5 s)",
        make: { ICELiteBinding() })

    private var agent = ICELiteAgent(localUfrag: BindingRequestFixture.localUfrag,
                                     localPassword: BindingRequestFixture.localPassword,
                                     remoteUfrag: "peerufrg", remotePassword: "peerpasswordpeerpassword")
    private var answered = 0
    private var runs = 0
    private var now: UInt64 = 1_000_000_000

    func prepare(count: Int) {}

    func run(count: Int) {
        BindingRequestFixture.bytes.withUnsafeBytes { raw in
            for _ in 0..<count {
                now &+= 1_000_000
                switch agent.handle(raw, from: BindingRequestFixture.from, now: now) {
                case .respond(let bytes, _), .respondAndSelect(let bytes, _, _):
                    answered += 1
                    opaque(bytes)
                case .error, .drop:
                    break
                }
            }
        }
        runs += count
    }

    func verify() -> String? { answered == runs ? nil : "\(runs - answered) of \(runs) requests not answered" }
}

/// libsrtp unprotect of one 1100-byte-payload RTP packet through `SRTPSession`,
/// in place. Packets are protected in advance by a sender session; each
/// `prepare` makes a fresh receiving session (replay protection would refuse
/// the same packets twice) and copies the protected packets into place.
final class SRTPUnprotect: HotPathCase {
    static func descriptor(_ profile: SRTPProfile) -> HotPathDescriptor {
        let short = profile == .aeadAES128GCM ? "gcm" : "cm"
        return HotPathDescriptor(
            name: "srtp-unprotect-\(short)", unit: "packet",
            summary: "SRTPSession.unprotectRTP, \(profile), 1100 B payload, in place",
            expectsZeroAllocations: false,
            allocationNote: "inside libsrtp (Debian's build on NSS allocates per packet: 5 for GCM, 14 for AES-CM); none in Capstan's wrapper",
            make: { try SRTPUnprotect(profile: profile) })
    }

    static let payloadSize = 1100
    let profile: SRTPProfile
    private let senderKey: [UInt8]
    private let receiverKey: [UInt8]
    private var receiver: SRTPSession
    /// Protected packets, `stride` bytes apart, lengths in `lengths`.
    private var protected: [UInt8] = []
    private var lengths: [Int] = []
    private var working: [UInt8] = []
    private let stride: Int
    private var cursor = 0
    private var failures = 0
    private var unprotected = 0

    init(profile: SRTPProfile) throws {
        self.profile = profile
        let n = profile.keyLength + profile.saltLength
        senderKey = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        receiverKey = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        receiver = try SRTPSession(profile: profile, localKeySalt: receiverKey, remoteKeySalt: senderKey)
        stride = RTPHeader.fixedSize + Self.payloadSize + profile.rtpTrailerLength + 16
    }

    func prepare(count: Int) throws {
        if lengths.count < count {
            // One sender protects sequence numbers 1...count once; every
            // receiving session below sees them as new.
            let sender = try SRTPSession(profile: profile, localKeySalt: senderKey, remoteKeySalt: receiverKey)
            protected = [UInt8](repeating: 0, count: count * stride)
            lengths = []
            try protected.withUnsafeMutableBytes { all in
                for i in 0..<count {
                    let packet = RTPPacket(marker: false, payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: i + 1),
                                           timestamp: UInt32(i / 3) &* 3000, ssrc: 0x1234_5678,
                                           payload: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: Self.payloadSize))
                    let slot = UnsafeMutableRawBufferPointer(rebasing: all[(i * stride)..<((i + 1) * stride)])
                    let length = packet.write(into: slot)
                    lengths.append(try sender.protectRTP(slot, length: length))
                }
            }
        }
        receiver = try SRTPSession(profile: profile, localKeySalt: receiverKey, remoteKeySalt: senderKey)
        working = protected
        cursor = 0
    }

    func run(count: Int) {
        working.withUnsafeMutableBytes { all in
            for i in cursor..<(cursor + count) {
                let slot = UnsafeMutableRawBufferPointer(rebasing: all[(i * stride)..<((i + 1) * stride)])
                do {
                    let length = try receiver.unprotectRTP(slot, length: lengths[i])
                    unprotected += length == RTPHeader.fixedSize + Self.payloadSize ? 1 : 0
                } catch {
                    failures += 1
                }
            }
        }
        cursor += count
    }

    func verify() -> String? { failures == 0 && unprotected > 0 ? nil : "\(failures) packets failed to unprotect" }
}

/// RTP header parse of a browser's VP8 packet with a one-byte header
/// extension block (abs-send-time, transport-wide sequence number, MID), the
/// extension walk, and the payload range.
final class RTPParse: HotPathCase {
    static let descriptor = HotPathDescriptor(
        name: "rtp-parse", unit: "packet",
        summary: "RTPHeader parse + one-byte extension walk (3 elements) of a 1100 B VP8 packet",
        expectsZeroAllocations: true, make: { RTPParse() })

    private let packet = RTPPacket(
        marker: true, payloadType: 96, sequenceNumber: 4242, timestamp: 90_000, ssrc: 0xCAFE_BABE,
        headerExtension: .oneByte([RTPHeaderExtension(id: 2, data: [0x12, 0x34, 0x56]),
                                   RTPHeaderExtension(id: 3, data: [0x00, 0x2A]),
                                   RTPHeaderExtension(id: 4, data: [0x30])]),
        payload: [UInt8](repeating: 0x90, count: 1100)).bytes
    private var checksum = 0
    private var runs = 0

    func prepare(count: Int) {}

    func run(count: Int) {
        packet.withUnsafeBytes { raw in
            for _ in 0..<count {
                guard let header = try? RTPHeader(parsing: raw) else { continue }
                var sum = header.payloadLength
                for element in header.extensions(in: raw) { sum &+= Int(element.id) &+ element.range.count }
                checksum &+= sum
            }
        }
        runs += count
    }

    func verify() -> String? {
        // payload 1100 + ids 2+3+4 + lengths 3+2+1 per packet.
        checksum == runs &* (1100 + 9 + 6) ? nil : "parse result differs from the packet built"
    }
}
