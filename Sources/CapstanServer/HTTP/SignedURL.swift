import COpenSSL
import Foundation

/// Short-lived links to recordings for media elements and downloads, which
/// cannot send an `Authorization` header: `PATH?expires=UNIX&signature=HEX`,
/// the signature an HMAC-SHA256 of `PATH\nUNIX` under a key made at start.
/// A link stops working at `expires` and when the daemon restarts.
public struct RecordingURLSigner: Sendable {
    let key: [UInt8]

    public init(key: [UInt8]) {
        precondition(!key.isEmpty)
        self.key = key
    }

    /// A random 32-byte key.
    public static func random() -> RecordingURLSigner {
        var generator = SystemRandomNumberGenerator()
        return RecordingURLSigner(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// `path` with its `expires` and `signature` query.
    public func sign(path: String, expires: Int64) -> String {
        "\(path)?expires=\(expires)&signature=\(signature(path: path, expires: expires))"
    }

    /// True when `signature` is `path`'s for `expires` and `expires` is not past.
    public func verify(path: String, expires: String?, signature: String?, now: Date) -> Bool {
        guard let expires, let signature, let seconds = Int64(expires), seconds >= Int64(now.timeIntervalSince1970) else {
            return false
        }
        let expected = Array(self.signature(path: path, expires: seconds).utf8)
        return AccessPolicy.constantTimeEqual(Array(signature.lowercased().utf8), expected)
    }

    func signature(path: String, expires: Int64) -> String {
        let message = Array("\(path)\n\(expires)".utf8)
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                mac.withUnsafeMutableBufferPointer { out in
                    HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, out.baseAddress, &length)
                }
            }
        }
        precondition(ok != nil && length == 32, "OpenSSL HMAC-SHA256 failed")
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
