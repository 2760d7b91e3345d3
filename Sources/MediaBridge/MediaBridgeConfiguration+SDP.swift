import MediaPipeline
import SDP

extension MediaBridgeConfiguration {
    /// The tracks of a negotiated session: VP8 or H.264 video and Opus audio
    /// (other codecs are not recorded).
    public init(sessionID: String, directory: String, negotiated: NegotiatedSession) {
        let audio = negotiated.audio.flatMap { track -> Track? in
            guard track.codecName.lowercased() == "opus" else { return nil }
            // Opus in SDP is always "opus/48000/2" (RFC 7587 §7); what the
            // sender really sends is in fmtp `stereo=1` (else mono is expected).
            let stereo = track.formatParameters?.lowercased().contains("stereo=1") ?? false
            return Track(payloadType: track.payloadType, ssrcs: track.remoteSSRCs, clockRate: Int(track.clockRate),
                         channels: stereo ? 2 : 1, nack: false, codec: "opus", redPayloadType: track.redPayloadType)
        }
        let video = negotiated.video.flatMap { track -> Track? in
            guard let codec = VideoCodec(encodingName: track.codecName) else { return nil }
            return Track(payloadType: track.payloadType, ssrcs: track.remoteSSRCs, clockRate: Int(track.clockRate),
                         nack: track.nack, pli: track.pli, fir: track.fir, codec: codec.rawValue,
                         formatParameters: track.formatParameters,
                         rtxPayloadType: track.rtxPayloadType, rtxSSRCs: track.remoteRTXSSRCs)
        }
        self.init(sessionID: sessionID, directory: directory, audio: audio, video: video)
    }
}
