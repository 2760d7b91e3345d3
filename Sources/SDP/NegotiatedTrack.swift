/// One accepted media section after negotiation.
public struct NegotiatedTrack: Sendable, Equatable {
    public var kind: MediaKind
    /// Index of the `m=` section in offer and answer.
    public var mLineIndex: Int
    public var mid: String?
    /// Our direction for this section (what we do: `recvonly`, `sendrecv`, `sendonly`).
    public var direction: MediaDirection
    public var payloadType: UInt8
    /// Encoding name as the offer wrote it (`opus`, `OPUS`, `VP8`).
    public var codecName: String
    public var clockRate: UInt32
    public var channels: Int?
    /// The remote side's `a=fmtp` parameters for the payload type, if any.
    public var formatParameters: String?
    /// Negotiated RTCP feedback (RFC 4585 §4.2, RFC 5104 §7.1).
    public var nack: Bool
    public var pli: Bool
    public var fir: Bool
    /// The remote side's media SSRCs from `a=ssrc`, without the RTX/FEC
    /// SSRCs of `a=ssrc-group:FID`/`FEC-FR`. Empty: learn the SSRC from packets.
    public var remoteSSRCs: [UInt32]
    /// The remote side's CNAME, if it wrote `a=ssrc:<id> cname:`.
    public var remoteCNAME: String?
    /// The SSRC we send with, when we send.
    public var localSSRC: UInt32?
    /// The remote side's header extensions (RFC 8285); not answered, kept for the receiver.
    public var extensionMaps: [ExtensionMap]
    /// Video: the answered RTX payload type (RFC 4588, `apt=` our `payloadType`), if RTX was negotiated.
    public var rtxPayloadType: UInt8?
    /// Video: the RTX SSRCs the offer paired with `remoteSSRCs` by
    /// `a=ssrc-group:FID`. Empty: learnt from the first RTX packet.
    public var remoteRTXSSRCs: [UInt32]
    /// Audio: the answered RED payload type (RFC 2198, blocks of `payloadType`), if RED was negotiated.
    public var redPayloadType: UInt8?

    public init(kind: MediaKind, mLineIndex: Int, mid: String?, direction: MediaDirection, payloadType: UInt8,
                codecName: String, clockRate: UInt32, channels: Int?, formatParameters: String?, nack: Bool,
                pli: Bool, fir: Bool, remoteSSRCs: [UInt32], remoteCNAME: String?, localSSRC: UInt32?,
                extensionMaps: [ExtensionMap], rtxPayloadType: UInt8? = nil, remoteRTXSSRCs: [UInt32] = [],
                redPayloadType: UInt8? = nil) {
        self.rtxPayloadType = rtxPayloadType
        self.remoteRTXSSRCs = remoteRTXSSRCs
        self.redPayloadType = redPayloadType
        self.kind = kind
        self.mLineIndex = mLineIndex
        self.mid = mid
        self.direction = direction
        self.payloadType = payloadType
        self.codecName = codecName
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
        self.nack = nack
        self.pli = pli
        self.fir = fir
        self.remoteSSRCs = remoteSSRCs
        self.remoteCNAME = remoteCNAME
        self.localSSRC = localSSRC
        self.extensionMaps = extensionMaps
    }
}

/// A media section that was not accepted, with why.
public struct RejectedSection: Sendable, Equatable {
    public var mLineIndex: Int
    public var kind: MediaKind
    public var mid: String?
    public var reason: String

    public init(mLineIndex: Int, kind: MediaKind, mid: String?, reason: String) {
        self.mLineIndex = mLineIndex
        self.kind = kind
        self.mid = mid
        self.reason = reason
    }
}
