/// One STUN attribute (RFC 8489 §14; ICE attributes RFC 8445 §16.1).
///
/// Every attribute is a TLV padded to a 4-byte boundary (RFC 8489 §14):
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public enum STUNAttribute: Sendable, Hashable {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    case mappedAddress(IPEndpoint)
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the address as seen by the server, xored with the
    /// magic cookie (and the transaction id for IPv6) on the wire.
    case xorMappedAddress(IPEndpoint)
    /// USERNAME (RFC 8489 §14.3); for ICE "receiver-ufrag:sender-ufrag" (RFC 8445 §7.2.2).
    case username(String)
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5), the 20-byte HMAC-SHA1 as parsed. Ignored by
    /// `serialize`, which computes it from its `integrityKey`.
    case messageIntegrity([UInt8])
    /// ERROR-CODE (RFC 8489 §14.8).
    case errorCode(STUNErrorCode)
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9).
    case unknownAttributes([UInt16])
    /// PRIORITY (RFC 8445 §7.1.1, §16.1).
    case priority(UInt32)
    /// USE-CANDIDATE (RFC 8445 §7.1.2, §16.1), no value.
    case useCandidate
    /// ICE-CONTROLLED with its tie-breaker (RFC 8445 §7.1.3, §16.1).
    case iceControlled(UInt64)
    /// ICE-CONTROLLING with its tie-breaker (RFC 8445 §7.1.3, §16.1).
    case iceControlling(UInt64)
    /// SOFTWARE (RFC 8489 §14.14).
    case software(String)
    /// FINGERPRINT (RFC 8489 §14.7) as parsed. Ignored by `serialize`, which computes it when
    /// asked to.
    case fingerprint(UInt32)
    /// Any other attribute, kept raw (value without padding).
    case unknown(type: UInt16, value: [UInt8])

    /// The attribute's type number.
    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: .mappedAddress
        case .xorMappedAddress: .xorMappedAddress
        case .username: .username
        case .messageIntegrity: .messageIntegrity
        case .errorCode: .errorCode
        case .unknownAttributes: .unknownAttributes
        case .priority: .priority
        case .useCandidate: .useCandidate
        case .iceControlled: .iceControlled
        case .iceControlling: .iceControlling
        case .software: .software
        case .fingerprint: .fingerprint
        case .unknown(let t, _): STUNAttributeType(rawValue: t)
        }
    }

    /// Length of the value on the wire, without padding.
    public var valueLength: Int {
        switch self {
        case .mappedAddress(let e), .xorMappedAddress(let e): e.isIPv6 ? 20 : 8
        case .username(let s), .software(let s): s.utf8.count
        case .messageIntegrity: 20
        case .errorCode(let e): 4 + e.reason.utf8.count
        case .unknownAttributes(let l): 2 * l.count
        case .priority: 4
        case .useCandidate: 0
        case .iceControlled, .iceControlling: 8
        case .fingerprint: 4
        case .unknown(_, let v): v.count
        }
    }
}
