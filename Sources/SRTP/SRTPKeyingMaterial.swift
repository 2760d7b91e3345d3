/// SRTP master keys and salts for both directions, as exported from a
/// DTLS-SRTP handshake.
///
/// RFC 5764 §4.2 lays the exported material out as
/// `client_write_SRTP_master_key | server_write_SRTP_master_key |
/// client_write_SRTP_master_salt | server_write_SRTP_master_salt`.
public struct SRTPKeyingMaterial: Sendable, Hashable {
    /// The negotiated protection profile.
    public let profile: SRTPProfile
    public let clientWriteKey: [UInt8]
    public let clientWriteSalt: [UInt8]
    public let serverWriteKey: [UInt8]
    public let serverWriteSalt: [UInt8]

    /// Creates keying material from its four parts; lengths must match `profile`.
    public init(profile: SRTPProfile, clientWriteKey: [UInt8], clientWriteSalt: [UInt8],
                serverWriteKey: [UInt8], serverWriteSalt: [UInt8]) throws(SRTPError) {
        guard clientWriteKey.count == profile.keyLength, serverWriteKey.count == profile.keyLength,
              clientWriteSalt.count == profile.saltLength, serverWriteSalt.count == profile.saltLength
        else { throw .badParameter }
        self.profile = profile
        self.clientWriteKey = clientWriteKey
        self.clientWriteSalt = clientWriteSalt
        self.serverWriteKey = serverWriteKey
        self.serverWriteSalt = serverWriteSalt
    }

    /// Splits the output of the `EXTRACTOR-dtls_srtp` exporter (RFC 5764 §4.2).
    /// - Throws: `.badParameter` unless `exported.count == profile.exportedKeyingMaterialLength`.
    public init(exported: [UInt8], profile: SRTPProfile) throws(SRTPError) {
        guard exported.count == profile.exportedKeyingMaterialLength else { throw .badParameter }
        let k = profile.keyLength, s = profile.saltLength
        try self.init(profile: profile,
                      clientWriteKey: Array(exported[0..<k]),
                      clientWriteSalt: Array(exported[2 * k..<2 * k + s]),
                      serverWriteKey: Array(exported[k..<2 * k]),
                      serverWriteSalt: Array(exported[2 * k + s..<2 * k + 2 * s]))
    }

    /// The master key‖salt pairs for an endpoint of `role`: `local` protects
    /// what it sends, `remote` unprotects what it receives. Pass them to
    /// `SRTPSession(profile:localKeySalt:remoteKeySalt:)`.
    public func keys(for role: DTLSRole) -> (local: [UInt8], remote: [UInt8]) {
        let client = clientWriteKey + clientWriteSalt
        let server = serverWriteKey + serverWriteSalt
        switch role {
        case .client: return (client, server)
        case .server: return (server, client)
        }
    }
}
