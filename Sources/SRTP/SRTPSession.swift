import CSRTP

/// One direction pair of SRTP/SRTCP crypto contexts (RFC 3711; AEAD
/// AES-GCM per RFC 7714) over libsrtp2.
///
/// Two libsrtp sessions back it: an inbound one keyed with the remote
/// master key and salt for `ssrc_any_inbound`, and an outbound one keyed with
/// ours for `ssrc_any_outbound`, so every SSRC the peer or we use gets its own
/// stream (and replay window) derived from the same master key.
///
/// All calls work in place on the caller's buffer and allocate nothing
/// (libsrtp allocates a stream context the first time it sees an SSRC).
///
/// Not thread-safe; owned by its session. Confine it to the session's event loop.
public final class SRTPSession {
    /// The protection profile in use.
    public let profile: SRTPProfile
    private let inbound: srtp_t
    private let outbound: srtp_t

    /// The raw inbound libsrtp context, for benchmarks that call
    /// `srtp_unprotect` directly (Benchmarks/, a package of its own). Same
    /// confinement rules as the session.
    @_spi(Benchmarks) public var inboundContext: srtp_t { inbound }

    /// Creates the contexts.
    /// - Parameters:
    ///   - profile: the negotiated profile.
    ///   - localKeySalt: our master key ‖ master salt (protects what we send).
    ///   - remoteKeySalt: the peer's master key ‖ master salt (unprotects what we receive).
    ///   - replayWindow: replay window size in packets (RFC 3711 §3.3.2), 64 to 32767.
    ///   - allowRepeatTransmit: lets `protectRTP` protect the same sequence
    ///     number twice (retransmission of an identical packet); off by default.
    /// - Throws: `.badParameter` for wrong key lengths or window size;
    ///   libsrtp's error if it cannot create the contexts.
    public init(profile: SRTPProfile, localKeySalt: [UInt8], remoteKeySalt: [UInt8],
                replayWindow: Int = 1024, allowRepeatTransmit: Bool = false) throws(SRTPError) {
        try SRTPLibrary.ensureInitialized()
        let keySaltLength = profile.keyLength + profile.saltLength
        guard localKeySalt.count == keySaltLength, remoteKeySalt.count == keySaltLength,
              (64..<0x8000).contains(replayWindow)
        else { throw .badParameter }
        self.profile = profile
        let outbound = try Self.create(profile: profile, keySalt: localKeySalt, ssrcType: CAPSTAN_SSRC_ANY_OUTBOUND,
                                       replayWindow: replayWindow, allowRepeatTransmit: allowRepeatTransmit)
        do {
            inbound = try Self.create(profile: profile, keySalt: remoteKeySalt, ssrcType: CAPSTAN_SSRC_ANY_INBOUND,
                                      replayWindow: replayWindow, allowRepeatTransmit: false)
        } catch {
            srtp_dealloc(outbound)
            throw error
        }
        self.outbound = outbound
    }

    deinit {
        srtp_dealloc(inbound)
        srtp_dealloc(outbound)
    }

    private static func create(profile: SRTPProfile, keySalt: [UInt8], ssrcType: srtp_ssrc_type_t,
                               replayWindow: Int, allowRepeatTransmit: Bool) throws(SRTPError) -> srtp_t {
        var policy = srtp_policy_t()
        switch profile {
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aes128CMHMACSHA1_80:
            // The libsrtp default policy is AES_CM_128_HMAC_SHA1_80 (its
            // srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro for it).
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        }
        policy.ssrc.type = ssrcType
        policy.ssrc.value = 0
        policy.window_size = UInt(replayWindow)
        policy.allow_repeat_tx = allowRepeatTransmit ? 1 : 0
        policy.next = nil
        var key = keySalt
        var context: srtp_t?
        // libsrtp derives the session keys inside srtp_create and keeps no
        // pointer to the master key.
        let status = key.withUnsafeMutableBufferPointer { keyBuffer in
            policy.key = keyBuffer.baseAddress
            return srtp_create(&context, &policy)
        }
        for index in key.indices { key[index] = 0 }
        if let error = SRTPError(status: status) { throw error }
        guard let context else { throw .other(Int32(bitPattern: srtp_err_status_alloc_fail.rawValue)) }
        return context
    }

    // MARK: Protect

    /// Encrypts and authenticates the RTP packet in `buffer[0..<length]` in place.
    /// - Parameter buffer: holds the packet and at least `profile.rtpTrailerLength`
    ///   more octets for the tag.
    /// - Returns: the SRTP packet length.
    /// - Throws: `.bufferTooSmall`, `.badParameter` (not an RTP packet),
    ///   `.replayFailed` (same index protected twice).
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try protect(buffer, length: length, minimum: 12, trailer: profile.rtpTrailerLength, rtcp: false)
    }

    /// Encrypts and authenticates the compound RTCP packet in `buffer[0..<length]`
    /// in place, appending the SRTCP index and tag (RFC 3711 §3.4).
    /// - Parameter buffer: holds the packet and at least `profile.rtcpTrailerLength` more octets.
    /// - Returns: the SRTCP packet length.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try protect(buffer, length: length, minimum: 8, trailer: profile.rtcpTrailerLength, rtcp: true)
    }

    private func protect(_ buffer: UnsafeMutableRawBufferPointer, length: Int, minimum: Int,
                         trailer: Int, rtcp: Bool) throws(SRTPError) -> Int {
        guard let base = buffer.baseAddress, length >= minimum, length <= buffer.count, length <= 0xFFFF
        else { throw .badParameter }
        guard buffer.count - length >= trailer else { throw .bufferTooSmall }
        var octets = Int32(length)
        let status = rtcp ? srtp_protect_rtcp(outbound, base, &octets) : srtp_protect(outbound, base, &octets)
        if let error = SRTPError(status: status) { throw error }
        return Int(octets)
    }

    // MARK: Unprotect

    /// Authenticates, replay-checks and decrypts the SRTP packet in
    /// `buffer[0..<length]` in place.
    /// - Returns: the plaintext RTP packet length.
    /// - Throws: `.authenticationFailed`, `.replayFailed`, `.replayOld`,
    ///   `.badParameter` (too short or malformed).
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try unprotect(buffer, length: length, minimum: 12 + profile.rtpTrailerLength, rtcp: false)
    }

    /// Authenticates, replay-checks and decrypts the SRTCP packet in
    /// `buffer[0..<length]` in place.
    /// - Returns: the plaintext compound RTCP packet length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try unprotect(buffer, length: length, minimum: 8 + profile.rtcpTrailerLength, rtcp: true)
    }

    private func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int, minimum: Int,
                           rtcp: Bool) throws(SRTPError) -> Int {
        guard let base = buffer.baseAddress, length >= minimum, length <= buffer.count, length <= 0xFFFF
        else { throw .badParameter }
        var octets = Int32(length)
        let status = rtcp ? srtp_unprotect_rtcp(inbound, base, &octets) : srtp_unprotect(inbound, base, &octets)
        if let error = SRTPError(status: status) { throw error }
        return Int(octets)
    }
}
