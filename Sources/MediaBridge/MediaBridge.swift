#if canImport(Glibc)
import Glibc
#endif
import Codecs
import Logging
import MediaPipeline
import RTP
import Transport

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
/// Timeline: file time 0 is the first written frame (audio from its first
/// packet, video from its first keyframe). Audio time is its sample count
/// (continuous: holes are filled with Opus loss frames); video time is the
/// frame's wall-clock time (sender reports) relative to the wall-clock time
/// of audio sample 0, so both line up.
///
/// Attached when the session goes active (`start`), detached and closed by
/// `finalize`, which writes the sidecar. A write error stops the recording
/// and is reported once through `onStorageFailure` (the owner ends the
/// session with `storage`); the file is finalized as far as it got.
///
/// Event-loop confined: every method on the media loop, no locks, no
/// `await`; `now` is the loop's monotonic clock in ns. Testable without a
/// transport: feed `transportDidReceiveRTP` with an injected `now`.
public final class MediaBridge: TransportMediaReceiver {
    public let configuration: MediaBridgeConfiguration
    private let startNs: UInt64
    private let startUnixNs: Int64
    private let sendRTCP: ([UInt8]) -> Void
    /// The periodic receiver report, written in place each time.
    @exclusivity(unchecked) private var rtcpBytes: [UInt8] = []
    private let onStorageFailure: (String) -> Void
    private var logger: Logger

    var video: VideoTrackReceiver?
    var audio: AudioTrackReceiver?
    @exclusivity(unchecked) private var rtcp: RTCPReceiver
    private var file: RecordingFile?
    /// Wall-clock time of file time 0.
    private var fileOriginUnix: Int64 = 0
    /// File time of audio sample 0, once audio started and the file is open.
    private var audioStartFileNs: Int64?
    private var pendingAudio: [(data: [UInt8], position: Int64, samples: Int)] = []
    private(set) var storageError: String?
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
    private var unclaimedSenderReports: [SenderInfo] = []
    private var videoSenderReports = 0
    /// Packets of neither track (other payload types, unknown SSRCs) and unparsable ones.
    public private(set) var ignoredPackets = 0
    public private(set) var malformedPackets = 0

    /// - Parameters:
    ///   - now: the loop's monotonic clock (ns) at attach.
    ///   - unixNs: the wall clock at the same instant; later wall-clock
    ///     times are derived from `now`, so tests are deterministic.
    ///   - sendRTCP: sends one RTCP (compound) packet to the media sender.
    ///   - onStorageFailure: called once when the recording cannot be written.
    public init(configuration: MediaBridgeConfiguration, now: UInt64, unixNs: Int64, logger: Logger,
                sendRTCP: @escaping ([UInt8]) -> Void, onStorageFailure: @escaping (String) -> Void) {
        self.configuration = configuration
        startNs = now
        startUnixNs = unixNs
        self.sendRTCP = sendRTCP
        self.onStorageFailure = onStorageFailure
        self.logger = logger
        self.logger[metadataKey: "recording.path"] = .string(configuration.filePath)
        rtcp = RTCPReceiver(localSSRC: configuration.localSSRC, cname: configuration.cname)
        if let spec = configuration.video { video = VideoTrackReceiver(spec: spec, configuration: configuration, bridge: self) }
        if let spec = configuration.audio { audio = AudioTrackReceiver(spec: spec, configuration: configuration, bridge: self) }
    }

    /// The session is active: ask for a keyframe at once.
    public func start(now: UInt64) {
        video?.start(now: now)
    }

    func unixNs(_ now: UInt64) -> Int64 { startUnixNs &+ Int64(bitPattern: now &- startNs) }

    // MARK: - TransportMediaReceiver

    public func transportDidReceiveRTP(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard !finalized else { return }
        let header: RTPHeader
        do { header = try RTPHeader(parsing: packet) } catch {
            malformedPackets += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
        if let video, header.payloadType == video.spec.payloadType, accept(header.ssrc, video.ssrc, video.spec, learn: { video.ssrc = $0 }) {
            rtcp.receivedRTP(ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                             clockRate: video.spec.clockRate, arrivalNs: now)
            video.receive(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, marker: header.marker,
                          payloadType: header.payloadType, payload: payload, now: now)
        } else if let audio, header.payloadType == audio.spec.payloadType,
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
        if let index = unclaimedSenderReports.lastIndex(where: { $0.ssrc == ssrc }) {
            let info = unclaimedSenderReports[index]
            unclaimedSenderReports.removeAll { $0.ssrc == ssrc }
            apply(info)
        }
        return true
    }

    private func apply(_ info: SenderInfo) {
        if let video, video.ssrc == info.ssrc {
            video.clock.handleSenderReport(info)
            videoSenderReports += 1
        } else if let audio, audio.ssrc == info.ssrc {
            audio.clock.handleSenderReport(info)
            audio.refreshOrigin()
            audioSenderReports += 1
        } else {
            unclaimedSenderReports.removeAll { $0.ssrc == info.ssrc }
            unclaimedSenderReports.append(info)
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
            apply(info)
            rtcp.receivedSenderReport(info, arrivalNs: now)
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
    }

    func sendFeedback(_ packet: RTCPPacket) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(packet.encodedSize)
        packet.write(to: &bytes)
        sendRTCP(bytes)
    }

    // MARK: - Writing

    func writeVideo(_ frame: AssembledVP8Frame, unixNs unix: Int64, arrivalNs: UInt64) {
        guard storageError == nil else { return }
        if file == nil {
            guard frame.isKeyframe, let width = frame.width, let height = frame.height else { return }
            openFile(video: (width, height), openerUnix: unix)
            guard file != nil else { return }
        }
        videoSkewNs = unix - unixNs(arrivalNs)
        let time: Int64
        if let audio, let audioStartFileNs {
            time = unix - audio.unixAtZero + audioStartFileNs
        } else {
            time = unix - fileOriginUnix
        }
        do throws(MediaBridgeError) {
            try file!.writeVideo(frame.data, timeNs: time, keyframe: frame.isKeyframe)
        } catch {
            fail(error.description)
            return
        }
        guard let video else { return }
        video.framesWritten += 1
        if frame.isKeyframe, let width = frame.width, let height = frame.height {
            video.keyframesWritten += 1
            if lastSize.map({ $0 != (width, height) }) ?? true {
                lastSize = (width, height)
                video.resolutions.append(.init(width: width, height: height, atMs: max(0, time) / 1_000_000))
            }
        }
    }

    /// - Parameter arrivalNs: when the packet arrived; nil for gap fillers.
    func writeAudio(_ data: UnsafeRawBufferPointer, position: Int64, samples: Int, arrivalNs: UInt64?) {
        guard storageError == nil, let audio else { return }
        if let arrivalNs { audioSkewNs = audio.unixAtZero + position * 1_000_000_000 / 48_000 - unixNs(arrivalNs) }
        if file == nil {
            if configuration.container == .ogg || video == nil {
                openFile(video: nil, openerUnix: audio.unixAtZero)
                guard file != nil else { return }
            } else {
                pendingAudio.append((Array(data), position, samples))
                return
            }
        }
        if audioStartFileNs == nil { audioStartFileNs = max(0, audio.unixAtZero - fileOriginUnix) }
        do throws(MediaBridgeError) {
            try file!.writeAudio(data, timeNs: audioStartFileNs! + position * 1_000_000_000 / 48_000, samples: samples)
        } catch {
            fail(error.description)
            return
        }
        audio.framesWritten += 1
    }

    private func openFile(video size: (width: Int, height: Int)?, openerUnix: Int64) {
        let audioStarted = audio?.rtpAtZero != nil
        fileOriginUnix = audioStarted ? min(audio!.unixAtZero, openerUnix) : openerUnix
        if audioStarted { audioStartFileNs = audio!.unixAtZero - fileOriginUnix }
        reserveSidecarSpace()
        do throws(MediaBridgeError) {
            file = try RecordingFile(
                path: configuration.filePath, container: configuration.container,
                video: configuration.container == .webm && configuration.video != nil
                    ? (size ?? configuration.fallbackVideoSize) : nil,
                audioChannels: configuration.audio.map { max(1, $0.channels) }, preSkip: configuration.opusPreSkip)
        } catch {
            fail(error.description)
            return
        }
        logger.info("recording started")
        let held = pendingAudio
        pendingAudio = []
        for item in held {
            item.data.withUnsafeBytes { writeAudio($0, position: item.position, samples: item.samples, arrivalNs: nil) }
        }
    }

    private func fail(_ detail: String) {
        guard storageError == nil else { return }
        storageError = detail
        logger.error("recording stopped", metadata: ["error": .string(detail)])
        onStorageFailure(detail)
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
        if storageError == nil {
            audio?.flush(now: now)
            video?.flush(now: now)
        }
        if file == nil && storageError == nil {
            openFile(video: configuration.fallbackVideoSize, openerUnix: unixNs(now))
        }
        let closingStarted = Self.monotonicNs()
        let outcome = file?.finalize() ?? RecordingFile.Outcome(bytes: 0, durationNs: 0, writeError: storageError)
        let finalizeMs = Double(Self.monotonicNs() &- closingStarted) / 1_000_000
        unlink(configuration.reservePath)
        var result = makeSidecar(now: now, endReason: endReason, endDetail: endDetail, outcome: outcome)
        result.finalizeMs = (finalizeMs * 100).rounded() / 100
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
        sidecar.writeError = storageError ?? outcome.writeError
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
            nacksSent: video?.nacksSent ?? 0, writeError: storageError)
    }

    /// The sidecar, once finalized.
    public var finalSidecar: RecordingSidecar? { sidecar }
}
