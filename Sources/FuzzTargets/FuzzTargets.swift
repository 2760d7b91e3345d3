/// Coverage-guided fuzzing entry points (DESIGN §8): one pure function per
/// parser of peer input, plus the whole recording pipeline. Each takes any
/// bytes and must return normally; a trap (Swift overflow, bounds, unwrap),
/// a sanitizer report or a failed `fuzzCheck` is a finding.
///
/// The normal build compiles them (so they cannot rot) and `FuzzTests`
/// replays every kept corpus file and crasher through them; the libFuzzer
/// binary (`capstan-fuzz`, built by `scripts/fuzz` with ASan and coverage)
/// calls them with generated inputs.
public struct FuzzTarget: Sendable {
    public let name: String
    public let summary: String
    public let run: @Sendable (UnsafeRawBufferPointer) -> Void
    /// libFuzzer `-max_len` for this target.
    public let maxLength: Int
}

public enum FuzzTargets {
    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "stun", summary: "STUN message parse, raw helpers (FINGERPRINT, MESSAGE-INTEGRITY), round trip",
                   run: ParserTargets.stun, maxLength: 2048),
        FuzzTarget(name: "rtp", summary: "RTP header and packet parse, header extensions, round trip",
                   run: ParserTargets.rtp, maxLength: 2048),
        FuzzTarget(name: "rtcp", summary: "RTCP compound parse, header iterator, sender info, round trip",
                   run: ParserTargets.rtcp, maxLength: 2048),
        FuzzTarget(name: "sdp", summary: "SDP offer parse, serialize round trip, answer (recvonly)",
                   run: ParserTargets.sdp, maxLength: 8192),
        FuzzTarget(name: "sdpfrag", summary: "trickle-ice sdpfrag (RFC 8840) parse, ICE restart check",
                   run: ParserTargets.sdpfrag, maxLength: 8192),
        FuzzTarget(name: "vp8", summary: "VP8 payload descriptor parse/round trip; depacketizer over a packet sequence",
                   run: ParserTargets.vp8, maxLength: 8192),
        FuzzTarget(name: "vp9", summary: "VP9 payload descriptor (RFC 9628), uncompressed header; depacketizer over a packet sequence",
                   run: VideoTargets.vp9, maxLength: 8192),
        FuzzTarget(name: "av1", summary: "AV1 OBU walk, sequence header + av1C; AV1 RTP depacketizer over a packet sequence",
                   run: VideoTargets.av1, maxLength: 8192),
        FuzzTarget(name: "opus", summary: "Opus TOC and frame layout (RFC 6716 §3), Opus depacketizer",
                   run: ParserTargets.opus, maxLength: 4096),
        FuzzTarget(name: "red", summary: "RED payload (RFC 2198) blocks; RTX payload (RFC 4588) OSN",
                   run: ParserTargets.red, maxLength: 4096),
        FuzzTarget(name: "signalling", summary: "WebSocket signalling JSON message decode, encode round trip",
                   run: ParserTargets.signalling, maxLength: 8192),
        FuzzTarget(name: "dcep", summary: "DCEP (RFC 8832) DATA_CHANNEL_OPEN/ACK parse, exact round trip",
                   run: DataChannelTarget.dcep, maxLength: 1024),
        FuzzTarget(name: "webm", summary: "WebM reader (libwebm via CWebMParser) on a file of the input bytes",
                   run: FileTargets.webm, maxLength: 16_384),
        FuzzTarget(name: "ogg", summary: "Ogg Opus reader (libogg) on a file of the input bytes",
                   run: FileTargets.ogg, maxLength: 16_384),
        FuzzTarget(name: "ice-tcp", summary: "RFC 4571 deframer of an ICE-TCP stream cut into reads anywhere, against a one-shot reading",
                   run: StreamTargets.iceTCP, maxLength: 16_384),
        FuzzTarget(name: "pipeline", summary: "MediaBridge: RTP/RTCP sequence with arrival times → WebM/Ogg, file checked",
                   run: PipelineTarget.run, maxLength: 16_384),
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// A property every input must keep; a failure is a finding (traps, so
/// libFuzzer saves the input and a replaying test fails).
@inline(never)
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
               file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz check failed: \(message())", file: file, line: line) }
}

/// Reads structured values from fuzz input; reading past the end yields zeros.
struct FuzzReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { max(0, bytes.count - offset) }
    mutating func u8() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u16() -> UInt16 { UInt16(u8()) << 8 | UInt16(u8()) }
    mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }
    /// Up to `count` bytes (fewer at the end).
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let start = min(offset, bytes.count), end = min(bytes.count, start + max(0, count))
        offset = end
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
