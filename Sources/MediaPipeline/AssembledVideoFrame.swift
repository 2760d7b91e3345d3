/// A complete video frame put together by a depacketizer (`VP8Depacketizer`,
/// `H264Depacketizer`) from RTP packets with contiguous sequence numbers, from
/// the frame's first packet to the marker bit.
public struct AssembledVideoFrame: Hashable, Sendable {
    /// The frame as the container takes it. VP8: as the encoder produced it
    /// (payload descriptors removed), starting with the VP8 payload header
    /// (RFC 7741 §4.3). H.264: the access unit's NAL units, each with a 4-byte
    /// big-endian length (ISO/IEC 14496-15 §5.3.4.2, `avcC` lengthSizeMinusOne = 3).
    public var data: [UInt8]
    /// The RTP timestamp of the frame's packets (90 kHz).
    public var rtpTimestamp: UInt32
    /// A decoder can start here: VP8 the P bit of the payload header is 0
    /// (RFC 7741 §4.3); H.264 an IDR picture with its SPS and PPS in the frame.
    public var isKeyframe: Bool
    /// The picture width from the keyframe header — keyframes, and VP9
    /// pictures whose recorded spatial layer changed (`VP9Depacketizer`).
    public var width: Int?
    /// The picture height, as `width`.
    public var height: Int?
    /// The sequence number of the frame's first packet.
    public var firstSequenceNumber: UInt16
    /// The sequence number of the frame's last packet (the one with the marker).
    public var lastSequenceNumber: UInt16
    /// VP8: the PictureID of the first packet's descriptor, if any; H.264: nil.
    public var pictureID: VP8PictureID?
    /// Something was lost between the previous frame handed out (or dropped) and
    /// this one: packets missing before it, a dropped frame, or a reported gap.
    /// A decoder cannot trust an interframe with this flag set.
    public var followsLoss: Bool

    /// The number of RTP packets the frame came in.
    public var packetCount: Int { Int(lastSequenceNumber &- firstSequenceNumber) + 1 }

    /// Creates a frame.
    public init(
        data: [UInt8], rtpTimestamp: UInt32, isKeyframe: Bool, width: Int?, height: Int?,
        firstSequenceNumber: UInt16, lastSequenceNumber: UInt16, pictureID: VP8PictureID?, followsLoss: Bool
    ) {
        self.data = data
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
        self.width = width
        self.height = height
        self.firstSequenceNumber = firstSequenceNumber
        self.lastSequenceNumber = lastSequenceNumber
        self.pictureID = pictureID
        self.followsLoss = followsLoss
    }
}

/// The name the type had when VP8 was the only video codec.
public typealias AssembledVP8Frame = AssembledVideoFrame
