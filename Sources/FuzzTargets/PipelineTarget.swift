#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MediaBridge
import Ogg
import RTP
import WebM

/// The whole recording pipeline (MediaBridge: demux, jitter buffers, VP8
/// depacketizer, keyframe gate, Opus gap fill, sender-report timeline, WebM
/// or Ogg muxer on a real file, RTCP) fed a fuzzed sequence of RTP and RTCP
/// packets with arrival times, the 10 ms transport tick in between, as the
/// event loop runs it. The finalized file must then read back: it parses,
/// and times only go forward per track (WebM block times; Ogg granules).
///
/// Input: byte 0 chooses the session — bits 0–1: 0, 3 audio + video (WebM),
/// 1 audio only (Ogg Opus), 2 video only (WebM); bit 2: SSRCs known from SDP
/// (else learnt from the first packet); bit 3: video NACK; bit 4: RTX (97)
/// and RED (63) negotiated. Then records:
///
///     [kind][delta] …
///     kind & 3 == 0: RTP datagram    [len16] bytes
///     kind & 3 == 1: RTCP datagram   [len16] bytes
///     kind & 3 == 2, 3: RTP built here for the video (2) or audio (3) track:
///                    [seq step i8][timestamp step i16][len16] payload;
///                    kind bit 2: marker, bit 3: timestamp step × 65536
///
/// `delta` is the arrival time after the previous record: d < 200 → d ms,
/// else (d − 199) s.
public enum PipelineTarget {
    static let videoSSRC: UInt32 = 0x1111_1111
    static let audioSSRC: UInt32 = 0x2222_2222
    static let videoPayloadType: UInt8 = 96
    static let audioPayloadType: UInt8 = 111
    /// With mode bit 4: RTX (RFC 4588) for the video and RED (RFC 2198) for the audio negotiated.
    static let rtxPayloadType: UInt8 = 97
    static let redPayloadType: UInt8 = 63

    /// Encodes records in the input format (for seeds and tests).
    public enum Record {
        case rtp([UInt8], deltaMs: Int)
        case rtcp([UInt8], deltaMs: Int)

        public func write(to out: inout [UInt8]) {
            let (kind, bytes, delta): (UInt8, [UInt8], Int) = switch self {
            case .rtp(let b, let d): (0, b, d)
            case .rtcp(let b, let d): (1, b, d)
            }
            out.append(kind)
            out.append(delta < 200 ? UInt8(max(0, delta)) : UInt8(min(255, 199 + delta / 1000)))
            out.append(UInt8(truncatingIfNeeded: bytes.count >> 8))
            out.append(UInt8(truncatingIfNeeded: bytes.count))
            out.append(contentsOf: bytes)
        }
    }

    @Sendable static func run(_ data: UnsafeRawBufferPointer) {
        drive(data, sendRTCP: { _ in }, recorded: { _ in })
    }

    /// Runs `input` through the pipeline as the fuzz target does, handing each
    /// RTCP packet the bridge sends to `sendRTCP` and the path of the checked
    /// recording (before it is deleted) to `recorded`: seeds for the other targets.
    public static func record(_ input: [UInt8], sendRTCP: @escaping ([UInt8]) -> Void, recorded: (String) -> Void) {
        input.withUnsafeBytes { drive($0, sendRTCP: sendRTCP, recorded: recorded) }
    }

    static func drive(_ data: UnsafeRawBufferPointer, sendRTCP: @escaping ([UInt8]) -> Void, recorded: (String) -> Void) {
        var reader = FuzzReader(data)
        let mode = reader.u8()
        let hasAudio = mode & 3 != 2, hasVideo = mode & 3 != 1
        let known = mode & 4 != 0
        let repair = mode & 16 != 0
        let directory = pipelineDirectory
        // One name per thread: tests drive the target on several threads at once in one
        // process, and a shared name let one run's clean-up unlink another's recording.
        let configuration = MediaBridgeConfiguration(
            sessionID: "fuzz-\(UInt(bitPattern: Int(bitPattern: pthread_self())))", directory: directory,
            audio: hasAudio ? .init(payloadType: audioPayloadType, ssrcs: known ? [audioSSRC] : [], clockRate: 48_000,
                                    channels: 2, codec: "opus", redPayloadType: repair ? redPayloadType : nil) : nil,
            video: hasVideo ? .init(payloadType: videoPayloadType, ssrcs: known ? [videoSSRC] : [], clockRate: 90_000,
                                    nack: mode & 8 != 0, codec: "VP8", rtxPayloadType: repair ? rtxPayloadType : nil) : nil)
        // Only the files this session makes (unlink, not a directory walk: this runs per input).
        defer { for path in [configuration.filePath, configuration.sidecarPath, configuration.reservePath] { unlink(path) } }
        let bridge = MediaBridge(configuration: configuration, now: 0, unixNs: 1_750_000_000_000_000_000,
                                 logger: logger, sendRTCP: sendRTCP, onStop: { _ in })
        bridge.start(now: 0)

        var now: UInt64 = 0, nextTick: UInt64 = 0
        var sequence: [UInt16] = [1000, 7], timestamp: [UInt32] = [0, 0]
        var packet: [UInt8] = []
        packet.reserveCapacity(2048)
        while !reader.isAtEnd {
            let kind = reader.u8()
            let delta = reader.u8()
            now += delta < 200 ? UInt64(delta) * 1_000_000 : UInt64(delta - 199) * 1_000_000_000
            // The loop ticks every 10 ms; after a long silence, a few ticks catch up.
            var ticks = 0
            while nextTick <= now {
                bridge.transportTick(now: nextTick)
                ticks += 1
                nextTick = ticks < 64 ? nextTick + 10_000_000 : now + 10_000_000
            }
            switch kind & 3 {
            case 0:
                bridge.transportDidReceiveRTP(reader.take(Int(reader.u16())), now: now)
            case 1:
                bridge.transportDidReceiveRTCP(reader.take(Int(reader.u16())), now: now)
            default:
                let track = Int(kind & 3) - 2  // 0 video, 1 audio
                let seqStep = Int8(bitPattern: reader.u8())
                let tsStep = Int16(bitPattern: reader.u16())
                let payload = reader.take(Int(reader.u16()))
                sequence[track] &+= UInt16(bitPattern: Int16(seqStep))
                let step = UInt32(bitPattern: Int32(tsStep))
                timestamp[track] &+= kind & 8 != 0 ? step &* 65_536 : step
                packet.removeAll(keepingCapacity: true)
                packet.append(0x80)
                packet.append((kind & 4 != 0 ? 0x80 : 0) | (track == 0 ? videoPayloadType : audioPayloadType))
                appendBE(sequence[track], to: &packet)
                appendBE(timestamp[track], to: &packet)
                appendBE(track == 0 ? videoSSRC : audioSSRC, to: &packet)
                packet.append(contentsOf: payload)
                packet.withUnsafeBytes { bridge.transportDidReceiveRTP($0, now: now) }
            }
        }
        now += 1_000_000
        bridge.transportTick(now: now)
        let sidecar = bridge.finalize(now: now, endReason: "local-hangup", endDetail: nil)
        guard sidecar.endReason == "local-hangup", bridge.status.writeError == Optional<String>.none else { return }
        checkFile(configuration.filePath, container: configuration.container)
        if access(configuration.filePath, F_OK) == 0 { recorded(configuration.filePath) }
    }

    static func checkFile(_ path: String, container: RecordingContainer) {
        guard access(path, F_OK) == 0 else { return }  // nothing was recorded
        switch container {
        case .webm, .matroska:
            var last: [UInt64: Int64] = [:]
            let info: WebMFileInfo
            do {
                info = try WebMReader.read(path: path) { frame in
                    // DESIGN.md §4: written time strictly increases per track
                    // (the bridge and the writer clamp to +1 ms and count it).
                    if let previous = last[frame.trackNumber] {
                        fuzzCheck(frame.timestampNs > previous,
                                  "track \(frame.trackNumber): time \(frame.timestampNs) ns after \(previous) ns")
                    }
                    fuzzCheck(frame.timestampNs >= 0, "negative time \(frame.timestampNs) ns")
                    last[frame.trackNumber] = frame.timestampNs
                }
            } catch {
                fuzzCheck(false, "the recording does not parse: \(error)")
                return
            }
            fuzzCheck(info.parseError == nil, "the recording parses only to \(String(describing: info.parseError))")
        case .ogg:
            do {
                let reader = try OggOpusReader(path: path)
                var last: Int64 = -1
                while let packet = try reader.nextPacket() {
                    guard packet.granulePosition != -1 else { continue }
                    fuzzCheck(packet.granulePosition >= last,
                              "granule \(packet.granulePosition) after \(last) (packet \(packet.index))")
                    last = packet.granulePosition
                }
                fuzzCheck(reader.summary.badPageCount == 0, "\(reader.summary.badPageCount) bad pages")
            } catch {
                fuzzCheck(false, "the recording does not read: \(error)")
            }
        }
    }

    static let pipelineDirectory: String = {
        let path = Scratch.directory + "/pipeline"
        mkdir(path, 0o700)
        return path
    }()

    static let logger: Logger = {
        var logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        return logger
    }()

    static func appendBE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
