/// One RTCP packet of a compound packet (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1,
/// draft-alvestrand-rmcat-remb). Types not modelled here survive as `.raw`.
///
/// Typed packets whose P bit is set are parsed without their padding and written
/// back without it; `.raw` packets keep theirs.
public enum RTCPPacket: Hashable, Sendable {
    /// SR, PT 200.
    case senderReport(SenderReport)
    /// RR, PT 201.
    case receiverReport(ReceiverReport)
    /// SDES, PT 202.
    case sourceDescription(SourceDescription)
    /// BYE, PT 203.
    case goodbye(Goodbye)
    /// RTPFB FMT 1, PT 205.
    case genericNACK(GenericNACK)
    /// PSFB FMT 1, PT 206.
    case pictureLossIndication(PictureLossIndication)
    /// PSFB FMT 4, PT 206.
    case fullIntraRequest(FullIntraRequest)
    /// PSFB FMT 15 "REMB", PT 206.
    case remb(ReceiverEstimatedMaximumBitrate)
    /// Anything else, byte for byte.
    case raw(RawRTCPPacket)

    /// Parses the single RTCP packet that is `raw` (e.g. a range from
    /// `RTCPHeaderIterator`), choosing the type from PT and FMT.
    ///
    /// - Throws: the per-type parser's error; `.invalidLength` when the length field
    ///   does not match `raw.count`.
    public init(parsing raw: UnsafeRawBufferPointer) throws(RTPError) {
        let header = try RTCPHeader(parsing: raw)
        guard header.packetSize == raw.count else { throw .invalidLength }
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, _):
            self = .senderReport(try SenderReport(parsing: raw))
        case (RTCPPacketType.receiverReport, _):
            self = .receiverReport(try ReceiverReport(parsing: raw))
        case (RTCPPacketType.sourceDescription, _):
            self = .sourceDescription(try SourceDescription(parsing: raw))
        case (RTCPPacketType.goodbye, _):
            self = .goodbye(try Goodbye(parsing: raw))
        case (RTCPPacketType.transportFeedback, GenericNACK.format):
            self = .genericNACK(try GenericNACK(parsing: raw))
        case (RTCPPacketType.payloadFeedback, PictureLossIndication.format):
            self = .pictureLossIndication(try PictureLossIndication(parsing: raw))
        case (RTCPPacketType.payloadFeedback, FullIntraRequest.format):
            self = .fullIntraRequest(try FullIntraRequest(parsing: raw))
        case (RTCPPacketType.payloadFeedback, ReceiverEstimatedMaximumBitrate.format)
            where ReceiverEstimatedMaximumBitrate.isREMB(raw):
            self = .remb(try ReceiverEstimatedMaximumBitrate(parsing: raw))
        default:
            self = .raw(try RawRTCPPacket(parsing: raw))
        }
    }

    /// Parses the single RTCP packet in `bytes`.
    public init(parsing bytes: [UInt8]) throws(RTPError) {
        self = try withRaw(bytes) { raw throws(RTPError) in try RTCPPacket(parsing: raw) }
    }

    private var body: any WireSerializable {
        switch self {
        case .senderReport(let packet): packet
        case .receiverReport(let packet): packet
        case .sourceDescription(let packet): packet
        case .goodbye(let packet): packet
        case .genericNACK(let packet): packet
        case .pictureLossIndication(let packet): packet
        case .fullIntraRequest(let packet): packet
        case .remb(let packet): packet
        case .raw(let packet): packet
        }
    }

    /// The packet type byte.
    public var packetType: UInt8 {
        switch self {
        case .senderReport: RTCPPacketType.senderReport
        case .receiverReport: RTCPPacketType.receiverReport
        case .sourceDescription: RTCPPacketType.sourceDescription
        case .goodbye: RTCPPacketType.goodbye
        case .genericNACK: RTCPPacketType.transportFeedback
        case .pictureLossIndication, .fullIntraRequest, .remb: RTCPPacketType.payloadFeedback
        case .raw(let packet): packet.packetType
        }
    }

    /// The size on the wire.
    public var encodedSize: Int { body.encodedSize }

    /// Appends the packet to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        switch self {
        case .senderReport(let packet): packet.write(to: &bytes)
        case .receiverReport(let packet): packet.write(to: &bytes)
        case .sourceDescription(let packet): packet.write(to: &bytes)
        case .goodbye(let packet): packet.write(to: &bytes)
        case .genericNACK(let packet): packet.write(to: &bytes)
        case .pictureLossIndication(let packet): packet.write(to: &bytes)
        case .fullIntraRequest(let packet): packet.write(to: &bytes)
        case .remb(let packet): packet.write(to: &bytes)
        case .raw(let packet): packet.write(to: &bytes)
        }
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    /// Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch self {
        case .senderReport(let packet): packet.write(into: buffer)
        case .receiverReport(let packet): packet.write(into: buffer)
        case .sourceDescription(let packet): packet.write(into: buffer)
        case .goodbye(let packet): packet.write(into: buffer)
        case .genericNACK(let packet): packet.write(into: buffer)
        case .pictureLossIndication(let packet): packet.write(into: buffer)
        case .fullIntraRequest(let packet): packet.write(into: buffer)
        case .remb(let packet): packet.write(into: buffer)
        case .raw(let packet): packet.write(into: buffer)
        }
    }
}
