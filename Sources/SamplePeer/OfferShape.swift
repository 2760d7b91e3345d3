import SDP

/// The shape of the WHIP offer the sample peer sends. `.capstan` is Capstan's
/// own (`SDPOfferer`); the others copy, line for line, what two real WHIP
/// senders offer (Tests/SDPTests/Fixtures, its README), with this peer's ICE
/// credentials, fingerprint, SSRCs and candidates put in, so the daemon can
/// be driven the way those senders drive it:
///
/// - `.obs`: OBS Studio 30's WHIP output (libdatachannel): session-level
///   `a=setup:actpass`, ICE credentials (4-character ufrag, 22-character pwd,
///   as libjuice makes them) and fingerprint, `group:LS`, sendonly Opus (PT 111)
///   and H.264 (PT 96, `profile-level-id=42e01f;packetization-mode=1;
///   level-asymmetry-allowed=1`), `nack`, `nack pli`, `goog-remb`, no RTX,
///   host candidates in each section with the port on the m= line.
/// - `.ffmpeg`: FFmpeg's `whip` muxer (libavformat/whip.c): `o=FFmpeg`,
///   `s=FFmpegPublishSession`, `extmap-allow-mixed`, per-section ICE credentials
///   (8 hex digits, 32 hex digits) and fingerprint, **`a=setup:active`** (the
///   peer is the DTLS client), no candidates (it checks the answer's), no
///   `rtcp-fb` (so no NACK or PLI can be negotiated), `rtcp-rsize` on video,
///   Opus PT 111 and H.264 PT 106.
///
/// Both offer H.264 only: use them with `--codec h264`.
public enum OfferShape: String, Sendable, CaseIterable {
    case capstan
    case obs
    case ffmpeg

    /// ICE credentials in the sender's own format.
    public func credentials() -> (ufrag: String, pwd: String) {
        func hex(_ count: Int) -> String {
            String((0..<count).map { _ in "0123456789abcdef".randomElement()! })
        }
        func draw(_ count: Int) -> String {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            return String((0..<count).map { _ in alphabet.randomElement()! })
        }
        switch self {
        case .capstan: return (draw(8), draw(24))
        case .obs: return (draw(4), draw(22))
        case .ffmpeg: return (hex(8), hex(32))
        }
    }

    /// The offer text for `.obs` and `.ffmpeg` (nil for `.capstan`: `SDPOfferer` makes that one).
    /// - Parameters:
    ///   - candidates: this peer's host candidates (`.obs` lists them; `.ffmpeg` lists none).
    ///   - port: the bound UDP port, for the m= lines.
    public func offer(ufrag: String, pwd: String, fingerprint: SDPFingerprint, candidates: [ICECandidate], port: UInt16,
                      audioSSRC: UInt32, videoSSRC: UInt32, sessionID: UInt64) -> String? {
        switch self {
        case .capstan:
            return nil
        case .obs:
            let ipv6 = candidates.first.map { $0.address.contains(":") } ?? false
            let connection = "c=IN \(ipv6 ? "IP6" : "IP4") \(candidates.first?.address ?? "0.0.0.0")"
            let candidateLines = candidates.map {
                "a=candidate:\($0.foundation) 1 UDP \($0.priority) \($0.address) \($0.port) typ host"
            } + ["a=end-of-candidates"]
            let cname = String((ufrag + pwd).filter { $0.isLetter || $0.isNumber }.prefix(16))
            let lines = [
                "v=0", "o=rtc \(sessionID % 4_294_967_296) 0 IN IP4 127.0.0.1", "s=-", "t=0 0",
                "a=group:BUNDLE 0 1", "a=group:LS 0 1", "a=msid-semantic:WMS *", "a=setup:actpass",
                "a=ice-ufrag:\(ufrag)", "a=ice-pwd:\(pwd)", "a=ice-options:ice2,trickle",
                "a=fingerprint:\(fingerprint.serialized)",
                "m=audio \(port) UDP/TLS/RTP/SAVPF 111", connection, "a=mid:0", "a=sendonly",
                "a=ssrc:\(audioSSRC) cname:\(cname)", "a=ssrc:\(audioSSRC) msid:obs-stream obs-audio",
                "a=msid:obs-stream obs-audio", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1",
            ] + candidateLines + [
                "m=video \(port) UDP/TLS/RTP/SAVPF 96", connection, "a=mid:1", "a=sendonly",
                "a=ssrc:\(videoSSRC) cname:\(cname)", "a=ssrc:\(videoSSRC) msid:obs-stream obs-video",
                "a=msid:obs-stream obs-video", "a=rtcp-mux", "a=rtpmap:96 H264/90000",
                "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 goog-remb",
                "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
            ] + candidateLines
            return lines.joined(separator: "\r\n") + "\r\n"
        case .ffmpeg:
            let transport = [
                "c=IN IP4 0.0.0.0", "a=ice-ufrag:\(ufrag)", "a=ice-pwd:\(pwd)",
                "a=fingerprint:\(fingerprint.serialized)", "a=setup:active",
            ]
            let lines = [
                "v=0", "o=FFmpeg \(sessionID) 2 IN IP4 127.0.0.1", "s=FFmpegPublishSession", "t=0 0",
                "a=group:BUNDLE 0 1", "a=extmap-allow-mixed", "a=msid-semantic: WMS",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            ] + transport + [
                "a=mid:0", "a=sendonly", "a=msid:FFmpeg audio", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2",
                "a=ssrc:\(audioSSRC) cname:FFmpeg", "a=ssrc:\(audioSSRC) msid:FFmpeg audio",
                "m=video 9 UDP/TLS/RTP/SAVPF 106",
            ] + transport + [
                "a=mid:1", "a=sendonly", "a=msid:FFmpeg video", "a=rtcp-mux", "a=rtcp-rsize",
                "a=rtpmap:106 H264/90000",
                "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                "a=ssrc:\(videoSSRC) cname:FFmpeg", "a=ssrc:\(videoSSRC) msid:FFmpeg video",
            ]
            return lines.joined(separator: "\r\n") + "\r\n"
        }
    }
}
