import RTP

extension KeyframeRequestAction {
    /// The RTCP feedback packet for this request: a PLI (RFC 4585 §6.3.1) or a FIR
    /// (RFC 5104 §4.3.1, media source 0 and one FCI entry naming `mediaSSRC`).
    public func rtcpPacket(senderSSRC: UInt32, mediaSSRC: UInt32) -> RTCPPacket {
        switch self {
        case .sendPLI:
            .pictureLossIndication(PictureLossIndication(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC))
        case .sendFIR(let sequenceNumber):
            .fullIntraRequest(FullIntraRequest(
                senderSSRC: senderSSRC, mediaSSRC: 0,
                entries: [FullIntraRequest.Entry(ssrc: mediaSSRC, sequenceNumber: sequenceNumber)]))
        }
    }
}
