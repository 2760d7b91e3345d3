import Foundation
import Testing
import DTLS

@Suite struct DTLSCertificateTests {
    @Test(arguments: KeyKind.allCases)
    func pemRoundTripKeepsIdentityAndOpenSSLAgrees(_ kind: KeyKind) throws {
        let original = kind == .rsa ? rsaCertificate : ecdsaCertificateA
        let pemCertificate = original.pemCertificate, pemKey = original.pemPrivateKey
        #expect(pemCertificate.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(pemKey.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let reloaded = try DTLSCertificate(pemCertificate: pemCertificate, pemPrivateKey: pemKey)
        #expect(reloaded.sha256Fingerprint == original.sha256Fingerprint)
        for algorithm in ["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"] {
            #expect(try reloaded.fingerprint(algorithm: algorithm) == original.fingerprint(algorithm: algorithm))
        }

        // The openssl CLI reads our PEM and computes the same fingerprint.
        let path = NSTemporaryDirectory() + "capstan-cert-\(UInt64.random(in: 0...UInt64.max)).pem"
        try pemCertificate.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = try runTool(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", path])
        #expect(line.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("=" + original.sha256Fingerprint))
        let text = try runTool(["openssl", "x509", "-noout", "-text", "-in", path])
        #expect(text.contains(kind == .rsa ? "rsaEncryption" : "id-ecPublicKey"))
        #expect(text.contains("ecdsa-with-SHA256") || text.contains("sha256WithRSAEncryption"))
    }

    @Test func fingerprintFormatIsUpperHexWithColons() throws {
        let value = ecdsaCertificateA.sha256Fingerprint
        let octets = value.split(separator: ":")
        #expect(octets.count == 32)
        #expect(octets.allSatisfy { $0.count == 2 && $0.allSatisfy { "0123456789ABCDEF".contains($0) } })
        #expect(try ecdsaCertificateA.fingerprint(algorithm: "sha-1").split(separator: ":").count == 20)
        #expect(try ecdsaCertificateA.fingerprint(algorithm: "sha-512").split(separator: ":").count == 64)
    }

    @Test func distinctCertificatesHaveDistinctFingerprints() throws {
        let a = try DTLSCertificate.generateECDSA(commonName: "x", validityDays: 1)
        let b = try DTLSCertificate.generateECDSA(commonName: "x", validityDays: 1)
        #expect(a.sha256Fingerprint != b.sha256Fingerprint)
    }

    @Test func badInputThrows() {
        #expect(throws: DTLSError.unsupportedFingerprintAlgorithm("md5")) {
            try ecdsaCertificateA.fingerprint(algorithm: "md5")
        }
        #expect(throws: DTLSError.self) {
            try DTLSCertificate(pemCertificate: "not pem", pemPrivateKey: ecdsaCertificateA.pemPrivateKey)
        }
        // Certificate and key from different identities.
        #expect(throws: DTLSError.self) {
            try DTLSCertificate(pemCertificate: ecdsaCertificateA.pemCertificate, pemPrivateKey: ecdsaCertificateB.pemPrivateKey)
        }
        #expect(throws: DTLSError.self) { try DTLSCertificate.generateECDSA(validityDays: 0) }
    }
}
