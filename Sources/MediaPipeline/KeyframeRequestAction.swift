/// What a `KeyframeRequester` asks its owner to send to the media sender.
public enum KeyframeRequestAction: Sendable, Equatable {
    /// A Picture Loss Indication (RFC 4585 §6.3.1).
    case sendPLI
    /// A Full Intra Request (RFC 5104 §4.3.1) with this command sequence number.
    case sendFIR(sequenceNumber: UInt8)
}
