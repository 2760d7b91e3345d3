#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import DTLS
import CapstanTestSupport

/// Runs a command to completion and returns its standard output.
func runTool(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A certificate and key made by the `openssl` CLI, and its SHA-256
/// fingerprint as the CLI prints it: an implementation we did not write.
struct OpenSSLPeerCertificate {
    let directory: String
    var certificatePath: String { directory + "/cert.pem" }
    var keyPath: String { directory + "/key.pem" }
    let sha256Fingerprint: String

    init(rsa: Bool) throws {
        directory = NSTemporaryDirectory() + "capstan-dtls-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        _ = try runTool(["openssl", "req", "-x509"] + key + ["-nodes", "-days", "1", "-subj", "/CN=openssl-peer",
                        "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem"])
        let line = try runTool(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", directory + "/cert.pem"])
        // "sha256 Fingerprint=AB:CD:..." (the prefix's case varies across versions)
        sha256Fingerprint = line.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// `openssl s_client -dtls1_2` to our endpoint on 127.0.0.1:`port` with the
/// peer certificate and `extra` arguments; its stdin, and stdout+stderr.
func startSClient(port: UInt16, certificate: OpenSSLPeerCertificate, _ extra: [String]) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl", "s_client", "-dtls1_2", "-connect", "127.0.0.1:\(port)",
                         "-cert", certificate.certificatePath, "-key", certificate.keyPath] + extra
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return (process, input, output)
}

struct InteropCase: Sendable, CustomTestStringConvertible {
    let profile: SRTPProfile
    let peerRSA: Bool
    let ourRSA: Bool
    var testDescription: String { "\(profile), openssl \(peerRSA ? "RSA" : "ECDSA"), ours \(ourRSA ? "RSA" : "ECDSA")" }
}

@Suite struct OpenSSLInteropTests {
    /// `openssl s_client` (OpenSSL's own DTLS stack and exporter, driven as a
    /// separate process) handshakes with our server endpoint over real UDP on
    /// 127.0.0.1; it prints the negotiated SRTP profile and the RFC 5764
    /// keying material, which must equal ours. Closing its stdin makes it send
    /// close_notify, which we must see as `.closed`. Bounded by 20 s.
    @Test(arguments: [
        InteropCase(profile: .aes128CMHMACSHA1_80, peerRSA: false, ourRSA: false),
        InteropCase(profile: .aeadAES128GCM, peerRSA: true, ourRSA: false),
        InteropCase(profile: .aes128CMHMACSHA1_80, peerRSA: false, ourRSA: true),
    ])
    func opensslClientAgainstOurServer(_ c: InteropCase) throws {
        let peerCertificate = try OpenSSLPeerCertificate(rsa: c.peerRSA)
        defer { peerCertificate.remove() }
        let ours = c.ourRSA ? rsaCertificate : ecdsaCertificateA
        let server = try DTLSEndpoint(role: .server, certificate: ours,
                                      remoteFingerprints: [("sha-256", peerCertificate.sha256Fingerprint)])
        let socket = try LoopbackUDPSocket()

        let (process, input, output) = try startSClient(port: socket.port, certificate: peerCertificate, [
            "-use_srtp", c.profile.openSSLName, "-keymatexport", "EXTRACTOR-dtls_srtp",
            "-keymatexportlen", "\(c.profile.exportedKeyingMaterialLength)"])
        defer { if process.isRunning { process.terminate() } }

        var events: [DTLSOutput] = []
        var stdinClosedAt: UInt64?
        _ = server.start(now: monotonicNow())
        let deadline = monotonicNow() + 20_000_000_000
        while monotonicNow() < deadline {
            if let datagram = socket.receive(timeoutMilliseconds: 20) {
                for output in datagram.withUnsafeBytes({ server.receive($0, now: monotonicNow()) }) {
                    if let d = output.datagram { socket.send(d) } else { events.append(output) }
                }
            }
            if let t = server.nextTimeout, t <= monotonicNow() {
                for output in server.handleTimeout(now: monotonicNow()) {
                    if let d = output.datagram { socket.send(d) } else { events.append(output) }
                }
            }
            if server.state == .connected, stdinClosedAt == nil {
                // Let s_client finish its side and print, then ask it to quit.
                stdinClosedAt = monotonicNow()
            }
            if let t = stdinClosedAt, monotonicNow() > t + 300_000_000, input.fileHandleForWriting.fileDescriptor >= 0 {
                try? input.fileHandleForWriting.close()
            }
            if !process.isRunning, server.state != .connected, server.state != .handshaking { break }
            if !process.isRunning, stdinClosedAt != nil, events.contains(.closed) { break }
            if case .failed = server.state { break }
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        guard case .connected(let material)? = events.first else {
            Issue.record("server did not connect: \(events), state \(server.state)\n\(text)")
            return
        }
        #expect(material.profile == c.profile)
        #expect(text.contains("SRTP Extension negotiated, profile=\(c.profile.openSSLName)"), "\(text)")
        let exported = text.split(separator: "\n").first { $0.contains("Keying material:") }
            .map { $0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces).uppercased() }
        let ourExport = (material.clientWriteKey + material.serverWriteKey + material.clientWriteSalt + material.serverWriteSalt)
            .map { String(format: "%02X", $0) }.joined()
        #expect(exported == ourExport, "\(text)")
        #expect(server.remoteCertificateFingerprint == peerCertificate.sha256Fingerprint)
        #expect(events.contains(.closed), "events \(events)")
        #expect(server.state == .closed)
    }

    /// CBC-SHA1 suites are gone (issue 11): `openssl s_client` offering only
    /// them gets no handshake from our server, while the same client with an
    /// AEAD suite connects (the test above). Bounded by 10 s.
    @Test(arguments: ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"])
    func cbcSuitesAreRefused(cipher: String) throws {
        let peerCertificate = try OpenSSLPeerCertificate(rsa: false)
        defer { peerCertificate.remove() }
        let server = try DTLSEndpoint(role: .server, certificate: ecdsaCertificateA,
                                      remoteFingerprints: [("sha-256", peerCertificate.sha256Fingerprint)])
        let socket = try LoopbackUDPSocket()
        let (process, _, output) = try startSClient(port: socket.port, certificate: peerCertificate, [
            "-cipher", cipher, "-use_srtp", SRTPProfile.aes128CMHMACSHA1_80.openSSLName])
        defer { if process.isRunning { process.terminate() } }
        var connected = false
        _ = server.start(now: monotonicNow())
        let deadline = monotonicNow() + 10_000_000_000
        while monotonicNow() < deadline, process.isRunning {
            if let datagram = socket.receive(timeoutMilliseconds: 20) {
                for output in datagram.withUnsafeBytes({ server.receive($0, now: monotonicNow()) }) {
                    if let d = output.datagram { socket.send(d) }
                    if case .connected = output { connected = true }
                }
            }
            if case .failed = server.state { break }
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!connected, "\(cipher) must not be negotiated\n\(text)")
        #expect(server.state != .connected)
        #expect(text.contains("handshake failure") || text.contains("alert") || text.contains("no shared cipher")
                || !text.contains("Cipher is \(cipher)"), "\(text)")
    }

    /// Our fingerprint formatting and PEM import agree with the CLI.
    @Test(arguments: [false, true])
    func fingerprintMatchesOpenSSLCLI(rsa: Bool) throws {
        let peer = try OpenSSLPeerCertificate(rsa: rsa)
        defer { peer.remove() }
        let certificate = try DTLSCertificate(pemCertificate: String(contentsOfFile: peer.certificatePath, encoding: .utf8),
                                              pemPrivateKey: String(contentsOfFile: peer.keyPath, encoding: .utf8))
        #expect(certificate.sha256Fingerprint == peer.sha256Fingerprint)
        #expect(certificate.sha256Fingerprint.count == 32 * 3 - 1)
    }

    /// Our client endpoint against `openssl s_server` (which also enables its
    /// DTLS cookie exchange, RFC 6347 §4.2.1). s_server prints the negotiated
    /// profile and exported keying material when it exits after our
    /// close_notify (`-naccept 1`). Bounded by 20 s.
    @Test(arguments: [
        InteropCase(profile: .aeadAES128GCM, peerRSA: false, ourRSA: false),
        InteropCase(profile: .aes128CMHMACSHA1_80, peerRSA: true, ourRSA: true),
    ])
    func ourClientAgainstOpenSSLServer(_ c: InteropCase) throws {
        let peerCertificate = try OpenSSLPeerCertificate(rsa: c.peerRSA)
        defer { peerCertificate.remove() }
        // Pick a free port for s_server (tiny race: released just before it binds).
        let port = try LoopbackUDPSocket().port
        let socket = try LoopbackUDPSocket()
        socket.setPeer(port: port)
        let client = try DTLSEndpoint(role: .client, certificate: c.ourRSA ? rsaCertificate : ecdsaCertificateB,
                                      remoteFingerprints: [("sha-256", peerCertificate.sha256Fingerprint)],
                                      profiles: [c.profile, .aeadAES128GCM, .aes128CMHMACSHA1_80])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:\(port)", "-naccept", "1",
                             "-use_srtp", c.profile.openSSLName,
                             "-keymatexport", "EXTRACTOR-dtls_srtp",
                             "-keymatexportlen", "\(c.profile.exportedKeyingMaterialLength)",
                             "-cert", peerCertificate.certificatePath, "-key", peerCertificate.keyPath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let printed = PrintedText()
        output.fileHandleForReading.readabilityHandler = { printed.append($0.availableData) }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // s_server prints ACCEPT once its socket is bound.
        let listening = printed.waitFor("ACCEPT", timeoutNanoseconds: 20_000_000_000) { process.isRunning }
        #expect(listening, "s_server did not start: \(printed.text)")

        var events: [DTLSOutput] = []
        func perform(_ outputs: [DTLSOutput]) {
            for output in outputs {
                if let d = output.datagram { socket.send(d) } else { events.append(output) }
            }
        }
        perform(client.start(now: monotonicNow()))
        let deadline = monotonicNow() + 20_000_000_000
        var closedAt: UInt64?
        while monotonicNow() < deadline, process.isRunning {
            if let datagram = socket.receive(timeoutMilliseconds: 20) {
                perform(datagram.withUnsafeBytes { client.receive($0, now: monotonicNow()) })
            }
            if let t = client.nextTimeout, t <= monotonicNow() { perform(client.handleTimeout(now: monotonicNow())) }
            if client.state == .connected, closedAt == nil {
                closedAt = monotonicNow()
            }
            // Close once s_server has printed what it negotiated (it does so
            // when its side of the handshake completes).
            if closedAt != nil, client.state == .connected, printed.text.contains("Keying material:") {
                perform(client.close())
            }
            if case .failed = client.state { break }
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        printed.append(output.fileHandleForReading.readDataToEndOfFile())
        let text = printed.text

        guard case .connected(let material)? = events.first else {
            Issue.record("client did not connect: \(events), state \(client.state)\n\(text)")
            return
        }
        #expect(material.profile == c.profile)
        #expect(text.contains("SRTP Extension negotiated, profile=\(c.profile.openSSLName)"), "\(text)")
        let exported = text.split(separator: "\n").first { $0.contains("Keying material:") }
            .map { $0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces).uppercased() }
        let ourExport = (material.clientWriteKey + material.serverWriteKey + material.clientWriteSalt + material.serverWriteSalt)
            .map { String(format: "%02X", $0) }.joined()
        #expect(exported == ourExport, "\(text)")
        #expect(client.remoteCertificateFingerprint == peerCertificate.sha256Fingerprint)
        #expect(client.state == .closed)
    }
}

/// What a child process printed so far, collected from its pipe's reader thread.
final class PrintedText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) { lock.withLock { data.append(more) } }
    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Polls (every 10 ms, bounded) until `needle` has been printed or `alive` turns false.
    func waitFor(_ needle: String, timeoutNanoseconds: UInt64, alive: () -> Bool) -> Bool {
        let deadline = monotonicNow() + timeoutNanoseconds
        while monotonicNow() < deadline {
            if text.contains(needle) { return true }
            if !alive() { return text.contains(needle) }
            usleep(10_000)
        }
        return text.contains(needle)
    }
}
