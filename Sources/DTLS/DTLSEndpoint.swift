#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenSSL

/// One side of a DTLS 1.2 handshake (RFC 6347) that negotiates DTLS-SRTP
/// (RFC 5764) and authenticates the peer by its SDP certificate fingerprint
/// (RFC 8122 §5, RFC 8842 §5), over OpenSSL 3.
///
/// Sans-I/O: the caller feeds datagrams (`receive`) and timer expiries
/// (`handleTimeout`) and carries out the returned `DTLSOutput`s in order:
/// `.send` datagrams go to the peer, `.connected` brings the keys for
/// `SRTPSession`, `.failed`/`.closed` end DTLS. OpenSSL runs its
/// retransmission timer on its own (real-time) clock; `nextTimeout` maps it
/// onto the caller's monotonic clock, in nanoseconds.
///
/// Not thread-safe; owned by its session. Confine it to the session's event loop.
public final class DTLSEndpoint {
    /// Our handshake role (RFC 8842 §5: `a=setup:active` is the client).
    public let role: DTLSRole
    /// The largest datagram the endpoint emits, in UDP payload octets.
    public let mtu: Int
    /// Where the endpoint is in its lifecycle.
    public private(set) var state: DTLSState = .new
    /// The keying material once `.connected`.
    public private(set) var keyingMaterial: SRTPKeyingMaterial?
    /// The SHA-256 fingerprint of the peer's certificate once `.connected`.
    public private(set) var remoteCertificateFingerprint: String?
    /// How many datagrams `receive` ignored, by reason. Bad input never
    /// changes `state`.
    public private(set) var droppedDatagrams: [DTLSDropReason: Int] = [:]
    /// Hand application data out as `.applicationData` (a session with data
    /// channels); when false it is read and discarded, counted below.
    public var deliversApplicationData = false
    /// Application data records read and discarded (nobody wanted them).
    public private(set) var discardedApplicationRecords = 0

    private let context: DTLSContext // shared, kept alive while `ssl` uses it
    private let ssl: OpaquePointer     // SSL *, owned; owns the BIO
    private let channel: DatagramChannel
    private var lastNow: UInt64 = 0
    private var readScratch = [UInt8](repeating: 0, count: 2048)
    /// A received datagram with its invalid records taken out.
    private var filtered: [UInt8] = []

    /// Largest datagram `receive` passes to OpenSSL (a full 2^14 record plus
    /// DTLS expansion, RFC 6347 §4.1.1.1, rounded up).
    static let maximumDatagram = 18 * 1024

    /// Creates an endpoint; nothing is sent until `start(now:)`.
    /// - Parameters:
    ///   - role: `.client` sends the ClientHello; `.server` waits for it.
    ///   - certificate: our certificate; its fingerprint goes in our SDP.
    ///   - remoteFingerprints: the peer's SDP `a=fingerprint` values, e.g.
    ///     `("sha-256", "AB:CD:...")`; the peer's certificate must match one.
    ///     Entries with unsupported hashes are ignored, and so is sha-1:
    ///     RFC 8827 §6.5 asks for sha-256, which every peer tried sends
    ///     (Chromium, Firefox, aiortc, GStreamer, Janus, OBS), and a sha-1
    ///     match is weaker than the certificate it authenticates.
    ///   - profiles: SRTP profiles to offer (client) or accept (server), in preference order.
    ///   - mtu: largest datagram to emit, UDP payload octets (256...65507).
    /// - Throws: `.noRemoteFingerprint`, `.invalidConfiguration`.
    public init(role: DTLSRole, certificate: DTLSCertificate,
                remoteFingerprints: [(algorithm: String, value: String)],
                profiles: [SRTPProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80],
                mtu: Int = 1200) throws(DTLSError) {
        guard (256...65507).contains(mtu) else { throw .invalidConfiguration("mtu \(mtu)") }
        guard !profiles.isEmpty else { throw .invalidConfiguration("no SRTP profiles") }
        let expected = remoteFingerprints.compactMap { entry -> (algorithm: FingerprintAlgorithm, value: String)? in
            guard let algorithm = FingerprintAlgorithm(name: entry.algorithm), algorithm != .sha1 else { return nil }
            return (algorithm, FingerprintAlgorithm.normalize(entry.value))
        }
        guard !expected.isEmpty else { throw .noRemoteFingerprint }
        self.role = role
        self.mtu = mtu
        channel = DatagramChannel(mtu: mtu, expectedFingerprints: expected)

        let context = try certificate.context(for: profiles, verifyCallback: DTLSEndpoint.verifyCallback)
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            let reason = OpenSSLErrorQueue.drain()
            throw .invalidConfiguration("SSL_new: \(reason)")
        }
        guard let bio = DatagramBIO.make(channel: channel) else {
            SSL_free(ssl)
            throw .invalidConfiguration("BIO: \(OpenSSLErrorQueue.drain())")
        }
        SSL_set_bio(ssl, bio, bio) // one reference, owned by ssl from here on
        _ = capstan_ssl_set_app_data(ssl, channel.unmanagedPointer)
        // With SSL_OP_NO_QUERY_MTU, OpenSSL keeps this MTU and never asks the BIO.
        guard capstan_ssl_set_mtu(ssl, mtu) > 0 else { // returns the MTU, 0 below the minimum
            let reason = OpenSSLErrorQueue.drain()
            SSL_free(ssl)
            throw .invalidConfiguration("SSL_set_mtu \(mtu): \(reason)")
        }
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        self.context = context
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// Accepts any certificate chain OpenSSL dislikes (WebRTC certificates
    /// are self-signed) but pins the peer's leaf certificate to the SDP
    /// fingerprints; a mismatch aborts the handshake with a bad_certificate alert.
    private static let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, store in
        guard let store else { return 0 }
        // Only the leaf (depth 0) is pinned; intermediates a peer might send are irrelevant.
        guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
        guard let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
              let channelPointer = capstan_ssl_get_app_data(OpaquePointer(sslPointer))
        else { return 0 }
        let channel = DatagramChannel.from(channelPointer)
        guard let certificate = X509_STORE_CTX_get_current_cert(store), channel.matches(certificate) else {
            channel.fingerprintMismatch = true
            return 0
        }
        return 1
    }

    // MARK: Events

    /// Starts the handshake: a client emits its ClientHello flight, a server
    /// starts waiting for one. Does nothing unless the state is `.new`.
    public func start(now: UInt64) -> [DTLSOutput] {
        lastNow = now
        guard state == .new else { return [] }
        state = .handshaking
        return step()
    }

    /// Feeds one received datagram (already classified as DTLS by the demux,
    /// RFC 7983). Datagrams that cannot be DTLS, or arrive before `start` or
    /// after the end, are counted in `droppedDatagrams` and produce nothing;
    /// records OpenSSL rejects are discarded silently (RFC 6347 §4.1.2.7).
    public func receive(_ datagram: UnsafeRawBufferPointer, now: UInt64) -> [DTLSOutput] {
        lastNow = now
        switch state {
        case .new: return drop(.notStarted)
        case .failed, .closed: return drop(.terminated)
        case .handshaking, .connected: break
        }
        guard datagram.count >= 13 else { return drop(.tooShort) }
        guard (20...63).contains(datagram[0]) else { return drop(.notDTLS) }
        guard datagram.count <= Self.maximumDatagram else { return drop(.tooLarge) }
        switch removeInvalidRecords(datagram) {
        case .unchanged:
            channel.inbound = datagram
            defer { channel.inbound = nil }
            return step()
        case .nothingLeft:
            return drop(.invalidRecord)
        case .filtered:
            let copy = filtered
            return copy.withUnsafeBytes { bytes in
                channel.inbound = bytes
                defer { channel.inbound = nil }
                return step()
            }
        }
    }

    private enum RecordFilter { case unchanged, filtered, nothingLeft }

    /// The datagram without the protected records (epoch ≥ 1) that are too
    /// short to be ciphertext: OpenSSL 3.0.19 turns such a record into a fatal
    /// alert, so one spoofed datagram could end a live session. Records are
    /// walked by their headers (RFC 6347 §4.1); a truncated tail is left for
    /// OpenSSL, which discards it. When records are removed, the rest is in
    /// `filtered`; the usual case copies nothing.
    private func removeInvalidRecords(_ datagram: UnsafeRawBufferPointer) -> RecordFilter {
        let header = 13
        var minimum: Int?
        var offset = 0
        var removed = false
        while datagram.count - offset >= header {
            let epoch = Int(datagram[offset + 3]) << 8 | Int(datagram[offset + 4])
            let length = Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12])
            let end = min(datagram.count, offset + header + length)
            if epoch > 0 {
                if minimum == nil { minimum = Int(capstan_dtls_min_ciphertext(ssl)) }
                if length < minimum! {
                    if !removed {
                        removed = true
                        filtered.removeAll(keepingCapacity: true)
                        filtered.append(contentsOf: UnsafeRawBufferPointer(rebasing: datagram[0..<offset]))
                    }
                    offset = end
                    continue
                }
            }
            if removed { filtered.append(contentsOf: UnsafeRawBufferPointer(rebasing: datagram[offset..<end])) }
            offset = end
        }
        guard removed else { return .unchanged }
        if offset < datagram.count { filtered.append(contentsOf: UnsafeRawBufferPointer(rebasing: datagram[offset...])) }
        return filtered.isEmpty ? .nothingLeft : .filtered
    }

    /// Call when the caller's clock reaches `nextTimeout`: retransmits the
    /// last flight if OpenSSL's timer expired (RFC 6347 §4.2.4), or fails
    /// with `.handshakeTimeout` after too many retransmissions.
    public func handleTimeout(now: UInt64) -> [DTLSOutput] {
        lastNow = now
        guard state == .handshaking else { return [] }
        OpenSSLErrorQueue.clear()
        let result = capstan_dtls_handle_timeout(ssl)
        var outputs = collectSends()
        if result < 0 {
            OpenSSLErrorQueue.clear()
            outputs += fail(.handshakeTimeout)
        }
        return outputs
    }

    /// When to call `handleTimeout`, on the caller's clock (the `now` of the
    /// latest call plus OpenSSL's remaining timer); `nil` when no timer runs
    /// (not handshaking, or a server still waiting for its first ClientHello).
    public var nextTimeout: UInt64? {
        guard state == .handshaking else { return nil }
        var remaining = timeval()
        guard capstan_dtls_get_timeout(ssl, &remaining) == 1 else { return nil }
        let nanoseconds = UInt64(max(0, remaining.tv_sec)) * 1_000_000_000 + UInt64(max(0, remaining.tv_usec)) * 1_000
        return lastNow + nanoseconds
    }

    /// Encrypts `data` as one application data record (an SCTP packet,
    /// RFC 8261 §5): the datagram to send comes back as `.send`. Nothing
    /// unless connected; a record OpenSSL refuses (larger than the MTU allows)
    /// is not sent.
    public func write(applicationData data: UnsafeRawBufferPointer) -> [DTLSOutput] {
        guard state == .connected, let base = data.baseAddress, data.count > 0, data.count <= Int(Int32.max) else { return [] }
        OpenSSLErrorQueue.clear()
        let written = SSL_write(ssl, base, Int32(data.count))
        if written <= 0 { OpenSSLErrorQueue.clear() }
        return collectSends()
    }

    /// Closes the connection, sending close_notify (RFC 5246 §7.2.1) if a
    /// handshake was under way or done. The state becomes `.closed`.
    public func close() -> [DTLSOutput] {
        switch state {
        case .new:
            state = .closed
            return []
        case .handshaking, .connected:
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(ssl)
            OpenSSLErrorQueue.clear()
            state = .closed
            return collectSends()
        case .failed, .closed:
            return []
        }
    }

    // MARK: Driving OpenSSL

    private func drop(_ reason: DTLSDropReason) -> [DTLSOutput] {
        droppedDatagrams[reason, default: 0] += 1
        return []
    }

    private func collectSends() -> [DTLSOutput] {
        guard !channel.outbound.isEmpty else { return [] }
        defer { channel.outbound.removeAll(keepingCapacity: true) }
        return channel.outbound.map { .send($0) }
    }

    private func fail(_ error: DTLSError) -> [DTLSOutput] {
        state = .failed(error)
        return [.failed(error)]
    }

    private func step() -> [DTLSOutput] {
        switch state {
        case .handshaking: return stepHandshake()
        case .connected: return stepConnected()
        case .new, .failed, .closed: return []
        }
    }

    private func stepHandshake() -> [DTLSOutput] {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            var outputs = collectSends()
            switch completeHandshake() {
            case .success(let material):
                keyingMaterial = material
                state = .connected
                outputs.append(.connected(material))
                // Anything else in the same datagram (rare) is handled as post-handshake input.
                outputs += stepConnected()
            case .failure(let error):
                // Tell the peer we are leaving, then fail.
                _ = SSL_shutdown(ssl)
                OpenSSLErrorQueue.clear()
                outputs += collectSends()
                outputs += fail(error)
            }
            return outputs
        }
        let code = SSL_get_error(ssl, result)
        var outputs = collectSends()
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            OpenSSLErrorQueue.clear()
        default:
            let reason = OpenSSLErrorQueue.drain()
            outputs += fail(channel.fingerprintMismatch ? .fingerprintMismatch : .handshakeFailed(reason))
        }
        return outputs
    }

    private func completeHandshake() -> Result<SRTPKeyingMaterial, DTLSError> {
        // The verify callback already pinned the leaf; check again here so a
        // missing certificate can never pass.
        guard let peer = SSL_get1_peer_certificate(ssl) else { return .failure(.fingerprintMismatch) }
        defer { X509_free(peer) }
        guard channel.matches(peer) else { return .failure(.fingerprintMismatch) }
        remoteCertificateFingerprint = FingerprintAlgorithm.sha256.fingerprint(of: peer)
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let profile = SRTPProfile(ianaIdentifier: UInt16(truncatingIfNeeded: selected.pointee.id))
        else { return .failure(.noSRTPProfile) }
        // RFC 5764 §4.2: 2 * (key + salt) octets from the "EXTRACTOR-dtls_srtp"
        // exporter (RFC 5705) with no context.
        var exported = [UInt8](repeating: 0, count: profile.exportedKeyingMaterialLength)
        let label = "EXTRACTOR-dtls_srtp"
        let exportedOK = exported.withUnsafeMutableBufferPointer { buffer in
            SSL_export_keying_material(ssl, buffer.baseAddress, buffer.count, label, label.utf8.count, nil, 0, 0) == 1
        }
        guard exportedOK else {
            OpenSSLErrorQueue.clear()
            return .failure(.keyExportFailed)
        }
        do {
            return .success(try SRTPKeyingMaterial(exported: exported, profile: profile))
        } catch {
            return .failure(.keyExportFailed)
        }
    }

    /// After the handshake the peer may still send: a retransmitted final
    /// flight (answered by OpenSSL), alerts (close_notify ends the
    /// connection), or application data (SCTP of the data channels: handed
    /// out with `deliversApplicationData`, else discarded and counted).
    private func stepConnected() -> [DTLSOutput] {
        var outputs: [DTLSOutput] = []
        while true {
            OpenSSLErrorQueue.clear()
            let result = readScratch.withUnsafeMutableBytes { buffer in
                SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
            }
            if result > 0 {
                if deliversApplicationData {
                    outputs.append(.applicationData(Array(readScratch.prefix(Int(result)))))
                } else {
                    discardedApplicationRecords &+= 1
                }
                continue
            }
            let code = SSL_get_error(ssl, result)
            outputs += collectSends()
            switch code {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                OpenSSLErrorQueue.clear()
            case SSL_ERROR_ZERO_RETURN:
                // close_notify from the peer: answer it and close.
                _ = SSL_shutdown(ssl)
                OpenSSLErrorQueue.clear()
                outputs += collectSends()
                state = .closed
                outputs.append(.closed)
            default:
                outputs += fail(.protocolError(OpenSSLErrorQueue.drain()))
            }
            return outputs
        }
    }
}
