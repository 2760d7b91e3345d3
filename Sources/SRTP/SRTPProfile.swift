/// An SRTP protection profile negotiated through the DTLS `use_srtp`
/// extension (RFC 5764 §4.1.2) and its key and salt sizes.
///
/// IANA "DTLS-SRTP Protection Profiles" registry:
/// `SRTP_AES128_CM_HMAC_SHA1_80` is 0x0001 (RFC 5764 §4.1.2),
/// `SRTP_AEAD_AES_128_GCM` is 0x0007 (RFC 7714 §14.2).
public enum SRTPProfile: UInt16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// AEAD_AES_128_GCM with a 16-octet tag (RFC 7714 §14.2): 16-octet
    /// master key, 12-octet master salt.
    case aeadAES128GCM = 0x0007
    /// AES_128_CM with HMAC-SHA1 and an 80-bit tag (RFC 3711 §5,
    /// RFC 5764 §4.1.2): 16-octet master key, 14-octet master salt.
    case aes128CMHMACSHA1_80 = 0x0001

    /// The IANA profile identifier (the `use_srtp` extension value).
    public var ianaIdentifier: UInt16 { rawValue }

    /// Creates the profile for an IANA identifier, or `nil` for profiles we do not support.
    public init?(ianaIdentifier: UInt16) { self.init(rawValue: ianaIdentifier) }

    /// The profile name OpenSSL uses in `SSL_CTX_set_tlsext_use_srtp`.
    public var openSSLName: String {
        switch self {
        case .aeadAES128GCM: "SRTP_AEAD_AES_128_GCM"
        case .aes128CMHMACSHA1_80: "SRTP_AES128_CM_SHA1_80"
        }
    }

    /// Creates the profile for an OpenSSL profile name.
    public init?(openSSLName: String) {
        guard let match = Self.allCases.first(where: { $0.openSSLName == openSSLName }) else { return nil }
        self = match
    }

    /// Master key length in octets.
    public var keyLength: Int { 16 }

    /// Master salt length in octets (RFC 7714 §12 uses 12, RFC 3711 §8.2 uses 14).
    public var saltLength: Int {
        switch self {
        case .aeadAES128GCM: 12
        case .aes128CMHMACSHA1_80: 14
        }
    }

    /// Authentication tag length in octets appended to SRTP and SRTCP packets.
    public var tagLength: Int {
        switch self {
        case .aeadAES128GCM: 16
        case .aes128CMHMACSHA1_80: 10
        }
    }

    /// Octets `protectRTP` appends to a packet.
    public var rtpTrailerLength: Int { tagLength }

    /// Octets `protectRTCP` appends to a packet: the 4-octet E flag and
    /// SRTCP index (RFC 3711 §3.4) plus the tag.
    public var rtcpTrailerLength: Int { tagLength + 4 }

    /// Length of the keying material exported from DTLS for this profile:
    /// two keys and two salts (RFC 5764 §4.2).
    public var exportedKeyingMaterialLength: Int { 2 * (keyLength + saltLength) }

    public var description: String { openSSLName }
}
