#if canImport(Glibc)
import Glibc
#endif
import Codecs
import Logging
import MediaPipeline
import RTP
import WebM

/// The receive pipeline of one session (DESIGN.md §1, §4): decrypted RTP and
/// RTCP in, a recording on disk out.
///
/// Per track: demux by payload type and SSRC (learnt from the first packet
/// when SDP names none) → jitter buffer (video with NACK) → depacketizer →
/// keyframe gate (video) or gap filler (audio) → one timeline → WebM or Ogg
/// Opus. RTCP: receiver reports about once a second, PLI/FIR from the
/// keyframe requester, NACKs from the video jitter buffer; sender reports
/// map each track to wall-clock time for A/V sync (arrival time before the
/// first one).
///
/// Timeline (DESIGN.md §4 "One timeline"): file time 0 is the first written
/// frame (audio from its first packet, video from its first keyframe). Each
/// track maps its own RTP clock through one fixed mapping onto the receiver's
/// clock (`SenderReportClock`, anchored at arrival). Audio time is its sample
/// count (continuous: holes are filled with Opus loss frames, never more than
/// the wall clock allows). Video time is its mapped time plus a correction
/// that aligns it with audio: the difference of the two tracks' sender-report
/// offsets, reached by a bounded slew (`SlewedCorrection`), never by a step.
/// Written times are strictly increasing per track; where only a clamp can
/// keep them so, the frame is clamped and counted (`timestampClamps`).
///
/// Bounds (DESIGN.md §8): audio held before the first keyframe is capped
/// (then the file opens without waiting), the bitrate received and the media
/// bytes written are capped (`maxBitrate`, `maxRecordingBytes`), and free disk
/// is checked while recording. Past a bound the recording stops through
/// `onStop` with its own end reason, the file finalized as far as it got.
///
/// Attached when the session goes active (`start`), detached and closed by
/// `finalize`, which writes the sidecar. A write error or a bound stops the
/// recording and is reported once through `onStop` (the owner ends the
/// session with that reason); the file is finalized as far as it got.
///
/// Event-loop confined: every method on the media loop, no locks, no
/// `await`; `now` is the loop's monotonic clock in ns. Testable without a
/// transport: feed `transportDidReceiveRTP` with an injected `now`.
public final class MediaBridge {
    public let configuration: MediaBridgeConfiguration
    /// Sender reports per track before they align the tracks: one report
    /// cannot tell a path that delays video from a report stamped 40 ms off.
    static let minimumSenderReports = 2
    private let startNs: UInt64
    private let startUnixNs: Int64
    private let sendRTCP: ([UInt8]) -> Void
    /// The periodic receiver report, written in place each time.
    @exclusivity(unchecked) private var rtcpBytes: [UInt8] = []
    private let onStop: (MediaBridgeStop) -> Void
    private var logger: Logger

    var video: VideoTrackReceiver?
    var audio: AudioTrackReceiver?
    @exclusivity(unchecked) private(set) var rtcp: RTCPReceiver
    private var file: RecordingFile?
    /// Wall-clock time of file time 0.
    private var fileOriginUnix: Int64 = 0
    /// File time of audio sample 0, once audio started and the file is open.
    private var audioStartFileNs: Int64?
    private var pendingAudio: [(data: [UInt8], position: Int64, samples: Int)] = []
    private var pendingAudioBytes = 0
    /// Aligns video with audio (sender reports), by a bounded slew.
    private var videoCorrection = SlewedCorrection()
    private var lastVideoMs: Int64?
    /// Frames whose time had to be clamped to keep the track strictly increasing.
    public private(set) var timestampClamps = 0
    /// Why the recording stopped early (write error or a bound), if it did.
    private(set) var stopReason: MediaBridgeStop?
    var storageError: String? { stopReason?.detail }
    /// Received RTP bytes in the current bitrate window, and its start.
    private var windowBytes = 0
    private var windowStartNs: UInt64
    /// Media bytes written to the file.
    private var mediaBytes: UInt64 = 0
    private var nextDiskCheckNs: UInt64
    private var nextFlushNs: UInt64 = 0
    private var sidecar: RecordingSidecar?
    /// `sidecar != nil`, as a flag: the per-packet checks read this, because
    /// comparing the optional sidecar struct with nil copied it (its value
    /// witnesses, ~270 instructions a packet; scripts/bench-hotpaths).
    private var finalized = false
    private var lastSize: (width: Int, height: Int)?
    private var videoSkewNs: Int64?
    private var audioSkewNs: Int64?
    private var audioSenderReports = 0
    /// Sender reports of SSRCs not (yet) tied to a track: applied when a
    /// track learns its SSRC from its first packet (a sender may report first).
    private var unclaimedSenderReports: [(info: SenderInfo, arrivalNs: UInt64)] = []
    private var videoSenderReports = 0
    /// Packets of neither track (other payload types, unknown SSRCs) and unparsable ones.
    public private(set) var ignoredPackets = 0
    public private(set) var malformedPackets = 0
    /// Per track, for W3C stats (`MediaBridge+Stats.swift`): RTP payload and header bytes.
    var videoBytes = (payload: 0, header: 0), audioBytes = (payload: 0, header: 0)
    /// The data channel messages (`{id}.data.jsonl`), when data channels were negotiated.
    public private(set) var dataLog: DataChannelLog?
    private var nextDataFlushNs: UInt64 = 0
    /// Drops counted by the data channels themselves (limits, malformed), for the sidecar.
    public var dataChannelDrops: [String: Int] = [:]
    /// The last sender report of each remote SSRC, its arrival (Unix ns) and how many came.
    var lastSenderReports: [UInt32: (info: SenderInfo, arrivalUnixNs: Int64, count: Int)] = [:]

    /// - Parameters:
    ///   - now: the loop's monotonic clock (ns) at attach.
    ///   - unixNs: the wall clock at the same instant; later wall-clock
    ///     times are derived from `now`, so tests are deterministic.
    ///   - sendRTCP: sends one RTCP (compound) packet to the media sender.
    ///   - onStop: called once when the recording stops early: it cannot be
    ///     written, or a bound was passed.
    public init(configuration: MediaBridgeConfiguration, now: UInt64, unixNs: Int64, logger: Logger,
                sendRTCP: @escaping ([UInt8]) -> Void, onStop: @escaping (MediaBridgeStop) -> Void) {
        self.configuration = configuration
        startNs = now
        startUnixNs = unixNs
        windowStartNs = now
        nextDiskCheckNs = now
        self.sendRTCP = sendRTCP
        self.onStop = onStop
        self.logger = logger
        self.logger[metadataKey: "recording.path"] = .string(configuration.filePath)
        rtcp = RTCPReceiver(localSSRC: configuration.localSSRC, cname: configuration.cname)
        if let spec = configuration.video { video = VideoTrackReceiver(spec: spec, configuration: configuration, bridge: self) }
        if let spec = configuration.audio { audio = AudioTrackReceiver(spec: spec, configuration: configuration, bridge: self) }
        if configuration.recordsDataChannels {
            dataLog = DataChannelLog(path: configuration.dataChannelsPath, maxPendingBytes: configuration.maxPendingDataBytes)
        }
    }

    // MARK: - Data channels

    /// A data channel opened; recorded at its arrival time `now` on the file's timeline.
    public func recordDataChannelOpened(id: UInt16, label: String, protocol proto: String, now: UInt64) {
        guard !finalized else { return }
        dataLog?.channelOpened(id, label: label, protocol: proto, unixNs: unixNs(now))
    }

    public func recordDataChannelClosed(id: UInt16, label: String, protocol proto: String, now: UInt64) {
        guard !finalized else { return }
        dataLog?.channelClosed(id, label: label, protocol: proto, unixNs: unixNs(now))
    }

    /// One data channel message, on the file's timeline at its arrival time `now`.
    public func recordDataMessage(id: UInt16, label: String, protocol proto: String,
                                  content: DataChannelLog.Content, now: UInt64) {
        guard !finalized else { return }
        dataLog?.message(id, label: label, protocol: proto, content: content, unixNs: unixNs(now))
    }

    /// The session is active: ask for a keyframe at once.
    public func start(now: UInt64) {
        video?.start(now: now)
    }

    func unixNs(_ now: UInt64) -> Int64 { startUnixNs &+ Int64(bitPattern: now &- startNs) }

    // MARK: - Media in (CapstanServer makes these the bridge's TransportMediaReceiver
    // conformance, so this module, the fuzzer and the benchmarks build without
    // the transport and SwiftNIO)

    public func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard !finalized else { return }
        countBitrate(packet.count, now: now)
        let header: RTPHeader
        do { header = try RTPHeader(parsing: packet) } catch {
            malformedPackets += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        if let video, header.payloadType == video.spec.payloadType, accept(header.ssrc, video.ssrc, video.spec, learn: { video.ssrc = $0 }) {
            rtcp.receivedRTP(ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                             clockRate: video.spec.clockRate, arrivalNs: now)
            videoBytes.payload &+= payload.count
            videoBytes.header &+= packet.count &- payload.count
            video.receive(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker,
                          payloadType: header.payloadType, payload: payload, now: now)
        } else if let audio, header.payloadType == audio.spec.payloadType,
                  accept(header.ssrc, audio.ssrc, audio.spec, learn: { audio.ssrc = $0 }) {
            rtcp.receivedRTP(ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                             clockRate: audio.spec.clockRate, arrivalNs: now)
            audioBytes.payload &+= payload.count
            audioBytes.header &+= packet.count &- payload.count
            audio.receive(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker,
                          payloadType: header.payloadType, payload: payload, now: now)
        } else if let video, header.payloadType == video.spec.rtxPayloadType {
            video.receiveRTX(ssrc: header.ssrc, timestamp: header.timestamp, marker: header.marker, payload: payload, now: now)
        } else if let audio, header.payloadType == audio.spec.redPayloadType,
                  accept(header.ssrc, audio.ssrc, audio.spec, learn: { audio.ssrc = $0 }) {
            rtcp.receivedRTP(ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                             clockRate: audio.spec.clockRate, arrivalNs: now)
            audio.receive(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker,
                          payloadType: header.payloadType, payload: payload, now: now)
        } else {
            ignoredPackets += 1
        }
    }

    /// The track's SSRC: from SDP, else the first packet's.
    private func accept(_ ssrc: UInt32, _ known: UInt32?, _ spec: MediaBridgeConfiguration.Track,
                        learn: (UInt32) -> Void) -> Bool {
        if let known { return known == ssrc || spec.ssrcs.contains(ssrc) }
        learn(ssrc)
        logger.debug("track ssrc learnt", metadata: ["rtp.ssrc": .stringConvertible(ssrc)])
        if let index = unclaimedSenderReports.lastIndex(where: { $0.info.ssrc == ssrc }) {
            let report = unclaimedSenderReports[index]
            unclaimedSenderReports.removeAll { $0.info.ssrc == ssrc }
            apply(report.info, arrivalNs: report.arrivalNs)
        }
        return true
    }

    private func apply(_ info: SenderInfo, arrivalNs: UInt64) {
        if let video, video.ssrc == info.ssrc {
            video.clock.handleSenderReport(info, arrivalUnixNs: unixNs(arrivalNs))
            videoSenderReports += 1
        } else if let audio, audio.ssrc == info.ssrc {
            audio.clock.handleSenderReport(info, arrivalUnixNs: unixNs(arrivalNs))
            audioSenderReports += 1
        } else {
            unclaimedSenderReports.removeAll { $0.info.ssrc == info.ssrc }
            unclaimedSenderReports.append((info, arrivalNs))
            if unclaimedSenderReports.count > 4 { unclaimedSenderReports.removeFirst() }
        }
    }

    public func transportDidReceiveRTCP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard !finalized else { return }
        for (header, range) in RTCPHeaderIterator(packet) where header.packetType == RTCPPacketType.senderReport {
            guard let report = try? SenderReport(parsing: UnsafeRawBufferPointer(rebasing: packet[range])) else {
                continue
            }
            let info = report.senderInfo
            apply(info, arrivalNs: now)
            rtcp.receivedSenderReport(info, arrivalNs: now)
            lastSenderReports[info.ssrc] = (info, unixNs(now), (lastSenderReports[info.ssrc]?.count ?? 0) + 1)
        }
    }

    public func transportTick(now: UInt64) {
        guard !finalized else { return }
        audio?.poll(now: now)
        video?.poll(now: now)
        if rtcp.poll(now: now, into: &rtcpBytes) { sendRTCP(rtcpBytes) }
        if file == nil, storageError == nil, !pendingAudio.isEmpty, now &- startNs >= configuration.keyframeWaitNs {
            logger.notice("no video keyframe yet: recording starts without it")
            openFile(video: configuration.fallbackVideoSize, openerUnix: unixNs(now))
        }
        if stopReason == nil, now >= nextDiskCheckNs {
            nextDiskCheckNs = now &+ 2_000_000_000
            checkFreeDisk()
        }
        if stopReason == nil, let file, now >= nextFlushNs {
            // Crash safety: a kill -9 loses at most about a second of media.
            nextFlushNs = now &+ configuration.flushIntervalNs
            do throws(MediaBridgeError) { try file.flush() } catch { fail(error.description) }
        }
        if let dataLog, now >= nextDataFlushNs {
            nextDataFlushNs = now &+ configuration.flushIntervalNs
            dataLog.flush()
        }
    }

    /// The earliest time `transportTick` has work: a jitter buffer's wait or NACK,
    /// a keyframe-request retry, the receiver report, the wait for a first video
    /// keyframe, the disk check and the crash-safety flush.
    public func nextTickDeadline(now: UInt64) -> UInt64? {
        guard !finalized else { return nil }
        var deadline = UInt64.max
        if let d = audio?.nextDeadline, d < deadline { deadline = d }
        if let d = video?.nextDeadline, d < deadline { deadline = d }
        if let d = rtcp.nextDeadline, d < deadline { deadline = d }
        if file == nil, storageError == nil, !pendingAudio.isEmpty {
            deadline = min(deadline, startNs &+ configuration.keyframeWaitNs)
        }
        if stopReason == nil, file != nil {
            deadline = min(deadline, min(nextDiskCheckNs, nextFlushNs))
        }
        return deadline == .max ? nil : deadline
    }

    // MARK: - Bounds

    /// Counts received RTP bytes; past `maxBitrate` over a 2 s window the
    /// recording stops (`bitrate-limit`).
    private func countBitrate(_ bytes: Int, now: UInt64) {
        guard let maxBitrate = configuration.maxBitrate, stopReason == nil else { return }
        let window: UInt64 = 2_000_000_000
        if now &- windowStartNs >= window {
            windowStartNs = now
            windowBytes = 0
        }
        windowBytes += bytes
        if windowBytes > maxBitrate / 8 * 2 {
            stop(.bitrateLimit("more than \(maxBitrate) bit/s received (maxSessionBitrate)"))
        }
    }

    /// While recording, free space on the recordings file system must stay at
    /// or above `minFreeDiskBytes`; below it the recording stops (`storage`).
    private func checkFreeDisk() {
        guard configuration.minFreeDiskBytes > 0, file != nil else { return }
        var info = statvfs()
        guard statvfs(configuration.directory, &info) == 0 else { return }
        let free = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        guard !free.overflow, free.partialValue < configuration.minFreeDiskBytes else { return }
        stop(.storage("recordings disk has \(free.partialValue) bytes free, below \(configuration.minFreeDiskBytes)"))
    }

    /// Counts media bytes written; past `maxRecordingBytes` the recording
    /// stops (`size-limit`).
    private func countWritten(_ bytes: Int) {
        mediaBytes &+= UInt64(bytes)
        if let limit = configuration.maxRecordingBytes, mediaBytes > limit, stopReason == nil {
            stop(.sizeLimit("recording reached \(limit) bytes (maxRecordingBytes)"))
        }
    }

    func sendFeedback(_ packet: RTCPPacket) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(packet.encodedSize)
        packet.write(to: &bytes)
        sendRTCP(bytes)
    }

    // MARK: - Writing

    /// - Parameter mapped: the frame's time through the video track's mapping
    ///   (receiver clock, Unix ns), before the A/V correction.
    func writeVideo(_ frame: AssembledVP8Frame, mappedUnixNs mapped: Int64, arrivalNs: UInt64) {
        guard stopReason == nil, let video else { return }
        if file == nil && !(frame.isKeyframe && frame.width != nil && frame.height != nil) { return }
        // The A/V correction: the difference of the tracks' sender-report
        // offsets once each track has `minimumSenderReports`, aimed at within
        // their uncertainty, slewed (or set outright before the first video
        // frame is written). Until then arrival time aligns the tracks.
        if let audio, let v = video.clock.senderOffsetEstimate, let a = audio.clock.senderOffsetEstimate,
           v.samples >= Self.minimumSenderReports, a.samples >= Self.minimumSenderReports {
            videoCorrection.aim(at: v.offsetNs.subtractingSaturating(a.offsetNs),
                                deadbandNs: 3 * v.uncertaintyNs.addingSaturating(a.uncertaintyNs))
        }
        if video.framesWritten == 0 { videoCorrection.settle() }
        let unix = mapped.addingSaturating(videoCorrection.advance(toMediaNs: mapped))
        if file == nil {
            guard let width = frame.width, let height = frame.height else { return }
            openFile(video: (width, height), openerUnix: unix, keyframe: frame.data)
            guard file != nil else { return }
        }
        videoSkewNs = unix.subtractingSaturating(unixNs(arrivalNs))
        // Strictly increasing, in the file's millisecond ticks.
        var ms = max(0, unix.subtractingSaturating(fileOriginUnix)) / 1_000_000
        if let lastVideoMs, ms <= lastVideoMs {
            ms = lastVideoMs &+ 1
            timestampClamps += 1
        }
        lastVideoMs = ms
        do throws(MediaBridgeError) {
            try file!.writeVideo(frame.data, timeNs: ms.multipliedSaturating(by: 1_000_000), keyframe: frame.isKeyframe)
        } catch {
            fail(error.description)
            return
        }
        countWritten(frame.data.count)
        video.framesWritten += 1
        if frame.isKeyframe && frame.width != nil && frame.height != nil { video.keyframesWritten += 1 }
        // Keyframes carry their size, and so does a VP9 picture whose recorded
        // spatial layer changes between keyframes (a layer lost, or back up).
        if let width = frame.width, let height = frame.height, lastSize.map({ $0 != (width, height) }) ?? true {
            lastSize = (width, height)
            video.resolutions.append(.init(width: width, height: height, atMs: ms))
        }
    }

    /// - Parameter arrivalNs: when the packet arrived; nil for gap fillers.
    func writeAudio(_ data: UnsafeRawBufferPointer, position: Int64, samples: Int, arrivalNs: UInt64?) {
        guard stopReason == nil, let audio else { return }
        let positionNs = AudioTrackReceiver.nanoseconds(samples: position)
        if let arrivalNs {
            audioSkewNs = audio.unixAtZero.addingSaturating(positionNs).subtractingSaturating(unixNs(arrivalNs))
        }
        if file == nil {
            if configuration.container == .ogg || video == nil {  // no keyframe to wait for
                openFile(video: nil, openerUnix: audio.unixAtZero)
                guard file != nil else { return }
            } else {
                pendingAudio.append((Array(data), position, samples))
                pendingAudioBytes += data.count
                if pendingAudio.count >= configuration.maxPendingAudioPackets
                    || pendingAudioBytes >= configuration.maxPendingAudioBytes {
                    // Held audio is bounded: start the recording without the keyframe.
                    logger.notice("audio held for a video keyframe reached its bound: recording starts without it")
                    openFile(video: configuration.fallbackVideoSize, openerUnix: audio.unixAtZero)
                }
                return
            }
        }
        if audioStartFileNs == nil { audioStartFileNs = max(0, audio.unixAtZero.subtractingSaturating(fileOriginUnix)) }
        do throws(MediaBridgeError) {
            try file!.writeAudio(data, timeNs: audioStartFileNs!.addingSaturating(positionNs), samples: samples)
        } catch {
            fail(error.description)
            return
        }
        countWritten(data.count)
        audio.framesWritten += 1
    }

    /// - Parameter keyframe: the keyframe that opens the file, if one does
    ///   (H.264: the `avcC` CodecPrivate is built from its SPS and PPS).
    private func openFile(video size: (width: Int, height: Int)?, openerUnix: Int64, keyframe: [UInt8]? = nil) {
        let audioStarted = audio?.rtpAtZero != nil
        fileOriginUnix = audioStarted ? min(audio!.unixAtZero, openerUnix) : openerUnix
        dataLog?.setOrigin(unixNs: fileOriginUnix)
        if audioStarted { audioStartFileNs = audio!.unixAtZero - fileOriginUnix }
        reserveSidecarSpace()
        do throws(MediaBridgeError) {
            file = try RecordingFile(
                path: configuration.filePath, container: configuration.container,
                video: configuration.container.isMatroskaFamily && configuration.video != nil
                    ? videoTrack(size: size ?? configuration.fallbackVideoSize, keyframe: keyframe) : nil,
                audioChannels: configuration.audio.map { max(1, $0.channels) }, preSkip: configuration.opusPreSkip)
        } catch {
            fail(error.description)
            return
        }
        logger.info("recording started")
        let held = pendingAudio
        pendingAudio = []
        pendingAudioBytes = 0
        for item in held {
            item.data.withUnsafeBytes { writeAudio($0, position: item.position, samples: item.samples, arrivalNs: nil) }
        }
    }

    /// The file's video track: codec ID and, for H.264, the `avcC` from the
    /// opening keyframe's parameter sets (or the depacketizer's, when the
    /// file opens without a keyframe; without any the track has none and
    /// the keyframes' in-band SPS/PPS are what a decoder gets).
    private func videoTrack(size: (width: Int, height: Int), keyframe: [UInt8]?) -> WebMVideoTrack {
        let codec = configuration.video?.videoCodec ?? .vp8
        var codecPrivate: [UInt8] = []
        if codec == .h264,
           let sets = keyframe.flatMap({ AVCDecoderConfiguration.parameterSets(inLengthPrefixed: $0) })
               ?? video?.depacketizer.parameterSets,
           let record = try? AVCDecoderConfiguration.record(sps: sets.sps, pps: sets.pps) {
            codecPrivate = record
        }
        if codec == .av1 {
            codecPrivate = keyframe.flatMap { AV1OBUs.codecConfigurationRecord(fromTemporalUnit: $0) }
                ?? video?.depacketizer.av1CodecConfiguration ?? []
        }
        return WebMVideoTrack(codecID: codec.matroskaCodecID, width: size.width, height: size.height,
                              codecPrivate: codecPrivate)
    }

    private func fail(_ detail: String) {
        stop(.storage(detail))
    }

    private func stop(_ reason: MediaBridgeStop) {
        guard stopReason == nil else { return }
        if case .storage = reason {} else if file == nil, !pendingAudio.isEmpty {
            // A bound, not a failed disk: what was held still goes to the file.
            openFile(video: configuration.fallbackVideoSize, openerUnix: audio?.unixAtZero ?? unixNs(startNs))
        }
        stopReason = reason
        logger.error("recording stopped", metadata: ["error": .string(reason.detail), "reason": .string(reason.endReason)])
        onStop(reason)
    }

    private func reserveSidecarSpace() {
        let fd = open(configuration.reservePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let zeros = [UInt8](repeating: 0, count: configuration.sidecarReserveBytes)
        _ = zeros.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    // MARK: - Finalize

    /// Hands out what the jitter buffers hold, closes the file (creating it
    /// if no media came, so every active session leaves one) and writes the
    /// sidecar atomically. Idempotent.
    @discardableResult
    public func finalize(now: UInt64, endReason: String, endDetail: String?) -> RecordingSidecar {
        if let sidecar { return sidecar }
        if stopReason == nil {
            audio?.flush(now: now)
            video?.flush(now: now)
        }
        if file == nil, stopReason?.isStorage != true {
            openFile(video: configuration.fallbackVideoSize, openerUnix: unixNs(now))
        }
        let closingStarted = Self.monotonicNs()
        let outcome = file?.finalize() ?? RecordingFile.Outcome(bytes: 0, durationNs: 0, writeError: nil)
        let finalizeMs = Double(Self.monotonicNs() &- closingStarted) / 1_000_000
        unlink(configuration.reservePath)
        var result = makeSidecar(now: now, endReason: endReason, endDetail: endDetail, outcome: outcome)
        result.finalizeMs = (finalizeMs * 100).rounded() / 100
        result.dataChannels = dataLog?.finish(fallbackOriginUnixNs: file == nil && fileOriginUnix == 0 ? unixNs(startNs) : fileOriginUnix,
                                              drops: dataChannelDrops)
        sidecar = result
        finalized = true
        do {
            try result.write(to: configuration.sidecarPath)
        } catch {
            logger.error("sidecar not written", metadata: ["error": .string("\(error)")])
        }
        logger.info("recording finalized", metadata: [
            "recording.bytes": .stringConvertible(outcome.bytes),
            "recording.duration_ms": .stringConvertible(outcome.durationNs / 1_000_000),
            "recording.finalize_ms": .stringConvertible(result.finalizeMs ?? 0),
        ])
        return result
    }

    /// The monotonic clock, for the finalize time (a measured duration, so not
    /// the injected `now` of the event loop).
    private static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    private func makeSidecar(now: UInt64, endReason: String, endDetail: String?,
                             outcome: RecordingFile.Outcome) -> RecordingSidecar {
        var tracks: [RecordingSidecar.Track] = []
        var plis = 0, firs = 0, nacks = 0
        if let video {
            var t = RecordingSidecar.Track(kind: "video", codec: video.spec.codec)
            t.payloadType = video.spec.payloadType
            t.ssrc = video.ssrc
            t.frames = video.framesWritten
            t.keyframes = video.keyframesWritten
            t.resolutions = video.resolutions
            let s = video.jitterBuffer.statistics
            t.packetsReceived = s.received
            t.packetsLost = s.lost
            t.packetsRecoveredByNACK = s.recovered
            t.duplicates = s.duplicates
            t.late = s.late
            t.framesDropped = video.framesHeldBack
            t.senderReports = videoSenderReports
            if let rtx = video.spec.rtxPayloadType {
                t.rtxPayloadType = rtx
                t.rtxSSRC = video.rtxSSRC
                t.rtxPackets = video.rtxPackets
                t.rtxPaddingDropped = video.rtxPaddingDropped
                t.rtxUnneeded = video.rtxUnneeded
                t.rtxDropped = video.rtxForeignDropped
            }
            tracks.append(t)
            plis = video.requester.plisSent
            firs = video.requester.firsSent
            nacks = video.nacksSent
        }
        if let audio {
            var t = RecordingSidecar.Track(kind: "audio", codec: audio.spec.codec)
            t.payloadType = audio.spec.payloadType
            t.ssrc = audio.ssrc
            t.frames = audio.framesWritten
            let s = audio.jitterBuffer.statistics
            t.packetsReceived = s.received
            t.packetsLost = s.lost
            t.duplicates = s.duplicates
            t.late = s.late
            t.gapsFilled = audio.filler.fillPacketCount
            t.gapFillMs = audio.filler.filledSamples / 48
            t.senderReports = audioSenderReports
            if let red = audio.spec.redPayloadType {
                t.redPayloadType = red
                t.redPackets = audio.redPackets
                t.redRecovered = audio.redRecovered
                t.redDropped = audio.redDropped
            }
            tracks.append(t)
        }
        var sidecar = RecordingSidecar(
            sessionId: configuration.sessionID, signaller: configuration.signaller, peer: configuration.peer,
            startedAt: RecordingSidecar.iso(unixNs: startUnixNs), endedAt: RecordingSidecar.iso(unixNs: unixNs(now)),
            endReason: endReason, endDetail: endDetail, file: configuration.fileName,
            container: configuration.container.rawValue, bytes: outcome.bytes,
            durationMs: outcome.durationNs / 1_000_000, tracks: tracks)
        sidecar.plisSent = plis
        sidecar.firsSent = firs
        sidecar.nacksSent = nacks
        sidecar.timeToFirstKeyframeMs = video?.requester.timeToFirstKeyframeNs.map { Int64($0 / 1_000_000) }
        if let videoSkewNs, let audioSkewNs {
            sidecar.avOffsetMs = Double((audioSkewNs - videoSkewNs) / 100_000) / 10
        }
        sidecar.avSynchronized = (video?.clock.isSynchronized ?? false) && (audio?.clock.isSynchronized ?? false)
        if case .storage(let detail) = stopReason {
            sidecar.writeError = detail
        } else {
            sidecar.writeError = outcome.writeError
        }
        sidecar.limit = stopReason.flatMap { if case .storage = $0 { nil } else { $0.detail } }
        sidecar.timestampClamps = timestampClamps + (audio?.aheadOfWallClock ?? 0)
        sidecar.discontinuities = (video?.clock.jumps ?? 0) + (audio?.filler.discontinuities ?? 0)
        sidecar.avCorrectionMs = video == nil || audio == nil ? nil : Double(videoCorrection.valueNs / 100_000) / 10
        return sidecar
    }

    // MARK: - Live status

    /// What the API shows while the session runs.
    public var status: RecordingStatus {
        RecordingStatus(
            path: configuration.filePath, container: configuration.container.rawValue, fileOpen: file != nil,
            videoFrames: video?.framesWritten ?? 0, videoKeyframes: video?.keyframesWritten ?? 0,
            audioFrames: audio?.framesWritten ?? 0, width: lastSize?.width, height: lastSize?.height,
            packetsReceived: (video?.jitterBuffer.statistics.received ?? 0) + (audio?.jitterBuffer.statistics.received ?? 0),
            packetsLost: (video?.jitterBuffer.statistics.lost ?? 0) + (audio?.jitterBuffer.statistics.lost ?? 0),
            plisSent: video?.requester.plisSent ?? 0, firsSent: video?.requester.firsSent ?? 0,
            nacksSent: video?.nacksSent ?? 0, writeError: storageError, timestampClamps: timestampClamps)
    }

    /// The sidecar, once finalized.
    public var finalSidecar: RecordingSidecar? { sidecar }
}
