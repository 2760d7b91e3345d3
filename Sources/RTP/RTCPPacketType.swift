/// RTCP packet type values (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611).
public enum RTCPPacketType {
    /// SR, RFC 3550 §6.4.1.
    public static let senderReport: UInt8 = 200
    /// RR, RFC 3550 §6.4.2.
    public static let receiverReport: UInt8 = 201
    /// SDES, RFC 3550 §6.5.
    public static let sourceDescription: UInt8 = 202
    /// BYE, RFC 3550 §6.6.
    public static let goodbye: UInt8 = 203
    /// APP, RFC 3550 §6.7.
    public static let applicationDefined: UInt8 = 204
    /// RTPFB, transport layer feedback, RFC 4585 §6.2.
    public static let transportFeedback: UInt8 = 205
    /// PSFB, payload-specific feedback, RFC 4585 §6.3.
    public static let payloadFeedback: UInt8 = 206
    /// XR, RFC 3611.
    public static let extendedReport: UInt8 = 207
}
