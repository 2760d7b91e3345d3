import CSRTP

/// Process-wide libsrtp2 initialisation.
///
/// `srtp_init()` must run once per process before any `srtp_create`. Swift
/// initialises globals lazily and exactly once (with `swift_once`), so the
/// first `SRTPSession` from any thread performs it and the rest wait for it.
enum SRTPLibrary {
    /// The status of the one `srtp_init()` call.
    static let initStatus: srtp_err_status_t = srtp_init()

    /// Runs `srtp_init()` if it has not run yet and reports its failure.
    static func ensureInitialized() throws(SRTPError) {
        if let error = SRTPError(status: initStatus) { throw error }
    }
}

extension SRTPSession {
    /// Initialises libsrtp and its crypto backend at start-up, as Janus runs
    /// `srtp_init()` in `main`: one throwaway session per profile. Debian's
    /// libsrtp2 does its AES through NSS, which initialises itself on the first
    /// `srtp_create` — loading softokn3, freebl and sqlite (about 2.3 MB of
    /// library pages) and taking milliseconds in the middle of the first call's
    /// DTLS-to-media step. A daemon pays that once, before it takes calls.
    public static func prepareLibrary() throws(SRTPError) {
        try SRTPLibrary.ensureInitialized()
        for profile in SRTPProfile.allCases {
            let keySalt = [UInt8](repeating: 0x5A, count: profile.keyLength + profile.saltLength)
            _ = try SRTPSession(profile: profile, localKeySalt: keySalt, remoteKeySalt: keySalt)
        }
    }
}
