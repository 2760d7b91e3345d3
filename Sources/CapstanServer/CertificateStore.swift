import DTLS
import Foundation

/// The daemon's DTLS certificate, replaced once it is older than the
/// rotation period (issue 11): a certificate is valid 30 days, a daemon may
/// run for months. New sessions get the current certificate; running ones
/// keep the one their answer's fingerprint named. Thread-safe.
final class CertificateStore: @unchecked Sendable {
    private let lock = NSLock()
    private var certificate: DTLSCertificate
    private var createdAt: Date
    private let rotationSeconds: TimeInterval
    private let now: @Sendable () -> Date
    private let make: @Sendable () throws -> DTLSCertificate
    private(set) var rotations = 0

    init(rotationSeconds: Int, now: @escaping @Sendable () -> Date,
         make: @escaping @Sendable () throws -> DTLSCertificate = { try DTLSCertificate.generateECDSA(commonName: "capstan") }) throws {
        self.rotationSeconds = TimeInterval(rotationSeconds)
        self.now = now
        self.make = make
        certificate = try make()
        createdAt = now()
    }

    /// The certificate for a new session; a fresh one when the current is due.
    /// If making one fails the old one serves (it still has weeks of validity)
    /// and the next call tries again.
    func current() -> DTLSCertificate {
        lock.withLock {
            let time = now()
            if time.timeIntervalSince(createdAt) >= rotationSeconds, let fresh = try? make() {
                certificate = fresh
                createdAt = time
                rotations += 1
            }
            return certificate
        }
    }
}
