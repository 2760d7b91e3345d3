import ArgumentParser
import Foundation
import SamplePeer
import Transport
import MediaPipeline
import Codecs

/// `capstan peer` (DESIGN.md §3): the sample peer and load generator.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Publish a test pattern and a tone to a WHIP endpoint on Capstan's own stack.",
        discussion: """
            Offers over WHIP (ICE controlling, DTLS client), then sends VP8 (a moving \
            test pattern with a frame counter) and Opus (a 440 Hz tone) with RTCP sender \
            reports, answering NACK from a one-second history and PLI/FIR with a keyframe \
            (unless --ignore-nack / --ignore-pli: OBS never answers PLI, so with \
            --offer-shape obs --ignore-pli --keyframe-interval 2 it behaves like OBS). \
            The media is encoded once and shared by all --sessions, so this is also the \
            load generator. With --loopback the offer is sendrecv on ?mode=loopback and the \
            echoed video is decoded; its frame counters give the round-trip time.

            SIGINT or SIGTERM stop the run early; every session still hangs up.

            Exit status: 0 when every session connected (DTLS up and an ICE pair selected), \
            kept its transport for the run and sent at least 50 % of the video frames and of \
            the audio packets its duration asks for (and, with --loopback, got at least 95 % \
            of its video frames back); 1 otherwise, one error line per failed session.
            """
    )

    @Option(help: "WHIP endpoint, e.g. http://127.0.0.1:8080/whip.") var whip: String
    @Option(help: "Bearer token.") var token: String?
    @Option(help: "Seconds to send.") var duration: Double = 10
    @Option(help: "Concurrent sessions sharing one encoded stream.") var sessions: Int = 1
    @Option(help: "Test video as WxH@FPS.") var video: String = "640x360@30"
    @Option(name: .customLong("video-bitrate"), help: "Video target bitrate in kbit/s.") var videoBitrate: Int = 500
    @Option(help: "Video codec: vp8 (libvpx), vp9 (libvpx, RFC 9628 non-flexible mode), av1 (libaom real-time) or h264 (libopenh264, packetization-mode 1).") var codec: String = "vp8"
    @Flag(name: .customLong("no-video"), help: "Send no video.") var noVideo = false
    @Flag(name: .customLong("no-audio"), help: "Send no audio.") var noAudio = false
    @Option(name: .customLong("connect-timeout"), help: "Seconds a session may take from offer to ICE + DTLS connected.")
    var connectTimeout: Double = 10
        @Flag(help: "Ask for loopback mode and decode the echo.") var loopback = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "Media transport: udp, or tcp for ICE-TCP (RFC 6544) to the answer's tcptype passive candidate.")
    var transport: String = "udp"
    @Option(name: .customLong("offer-shape"), help: "The offer: capstan (our own), obs (OBS 30's WHIP output: session-level ICE and fingerprint, H.264 PT 96 + Opus) or ffmpeg (FFmpeg's whip muxer: a=setup:active, no candidates, no rtcp-fb, H.264 PT 106 + Opus); obs and ffmpeg need --codec h264.")
    var offerShape: String = "capstan"
    @Option(name: .customLong("keyframe-interval"), help: "A keyframe exactly every SECONDS on the frame grid (default: every 3 s, and on PLI/FIR).")
    var keyframeInterval: Double?
    @Option(name: .customLong("first-keyframe-after"), help: "Join mid-GOP: the first frames are delta frames and the first keyframe comes SECONDS after the first video frame (needs --keyframe-interval).")
    var firstKeyframeAfter: Double?
    @Flag(name: .customLong("ignore-pli"), help: "Count PLI and FIR but never answer them with a keyframe (as OBS does).")
    var ignorePLI = false
    @Flag(help: "Negotiate audio and video, connect, then send no media for --duration (idle-but-connected sessions; exit 0 when every session stayed connected).")
    var idle = false
    @Flag(name: .customLong("ignore-nack"), help: "Count generic NACKs but never retransmit.")
    var ignoreNACK = false

    func validate() throws {
        guard let url = URL(string: whip), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil else {
            throw ValidationError("--whip must be an http(s) URL, got \(whip)")
        }
        guard VideoFormat(parsing: video) != nil else { throw ValidationError("--video must be WxH@FPS, got \(video)") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be in (0, 86400]") }
        guard (1...10_000).contains(sessions) else { throw ValidationError("--sessions must be 1…10000") }
        guard connectTimeout > 0, connectTimeout <= 600 else { throw ValidationError("--connect-timeout must be in (0, 600]") }
        guard (50...20_000).contains(videoBitrate) else { throw ValidationError("--video-bitrate must be 50…20000") }
        guard !(noVideo && noAudio) else { throw ValidationError("--no-video and --no-audio leave nothing to send") }
        guard let chosen = VideoCodec(encodingName: codec) else { throw ValidationError("--codec must be vp8, vp9, av1 or h264, got \(codec)") }
        if chosen == .h264 && !H264Encoder.isAvailable {
            throw ValidationError("--codec h264: this build has no H.264 encoder (install libopenh264-dev: scripts/setup, then rebuild)")
        }
        if chosen == .av1 && !AV1Encoder.isAvailable {
            throw ValidationError("--codec av1: this build has no AV1 encoder (install libaom-dev: scripts/setup, then rebuild)")
        }
        if loopback && chosen != .vp8 { throw ValidationError("--loopback decodes the echo with VP8 only: use --codec vp8") }
        guard PathProtocol(rawValue: transport) != nil else { throw ValidationError("--transport must be udp or tcp, got \(transport)") }
        if loopback && noVideo { throw ValidationError("--loopback measures the echoed video: drop --no-video") }
        if idle && loopback { throw ValidationError("--idle sends nothing to echo: drop --loopback") }
        guard let shape = OfferShape(rawValue: offerShape) else {
            throw ValidationError("--offer-shape must be capstan, obs or ffmpeg, got \(offerShape)")
        }
        if shape != .capstan {
            guard chosen == .h264 else { throw ValidationError("--offer-shape \(offerShape) offers H.264 only: add --codec h264") }
            guard !noVideo && !noAudio && !loopback && transport == "udp" else {
                throw ValidationError("--offer-shape \(offerShape) sends audio and video over UDP, sendonly: drop --no-video, --no-audio, --loopback, --transport tcp")
            }
        }
        if let keyframeInterval, !(keyframeInterval > 0 && keyframeInterval <= 3600) {
            throw ValidationError("--keyframe-interval must be in (0, 3600]")
        }
        if let firstKeyframeAfter {
            guard keyframeInterval != nil else { throw ValidationError("--first-keyframe-after needs --keyframe-interval") }
            guard firstKeyframeAfter >= 0, firstKeyframeAfter < duration else {
                throw ValidationError("--first-keyframe-after must be in [0, --duration)")
            }
        }
    }

    func run() async throws {
        var options = PeerOptions(
            whip: URL(string: whip)!, token: token, durationSeconds: duration, sessions: sessions,
            video: noVideo ? nil : VideoFormat(parsing: video), audio: !noAudio, loopback: loopback,
            connectTimeout: .milliseconds(Int64(connectTimeout * 1000)), videoBitrateKbps: videoBitrate)
        options.videoCodec = VideoCodec(encodingName: codec) ?? .vp8
        options.transport = PathProtocol(rawValue: transport) ?? .udp
        options.offerShape = OfferShape(rawValue: offerShape) ?? .capstan
        options.keyframeIntervalSeconds = keyframeInterval
        options.firstKeyframeAfterSeconds = firstKeyframeAfter ?? 0
        options.ignoreKeyframeRequests = ignorePLI
        options.ignoreNACK = ignoreNACK
        options.idle = idle
        // SIGINT/SIGTERM end the run early; the sessions still hang up.
        let stop = PeerStopSignal()
        let signals = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.stop(reason: name) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let summary = await PeerRunner.run(options, stop: stop) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.table)
        }
        for failure in summary.failures {
            FileHandle.standardError.write(Data("capstan peer: error: \(failure)\n".utf8))
        }
        if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
    }
}
