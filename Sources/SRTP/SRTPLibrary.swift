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
