import COpenSSL

/// HMAC-SHA1 through OpenSSL's one-shot `HMAC()` (RFC 2104), for MESSAGE-INTEGRITY (RFC 8489 §14.5).
enum HMACSHA1 {
    static let size = 20

    /// Writes the 20-byte MAC of `data` under `key` into `out` (at least 20 bytes).
    static func mac(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= size)
        var one: UInt8 = 0
        withUnsafeMutablePointer(to: &one) { dummy in
            let keyPtr = UnsafeRawPointer(key.baseAddress) ?? UnsafeRawPointer(dummy)
            let dataPtr = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
                ?? UnsafePointer(dummy)
            var len: UInt32 = 0
            let r = HMAC(EVP_sha1(), keyPtr, Int32(key.count), dataPtr, data.count,
                         out.baseAddress!.assumingMemoryBound(to: UInt8.self), &len)
            precondition(r != nil && len == UInt32(size), "OpenSSL HMAC-SHA1 failed")
        }
    }

    /// Constant-time comparison of two equal-length buffers.
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
