/// Checks over the raw bytes of a datagram, without a full parse and without heap allocation:
/// the demux fast path and the integrity and fingerprint checks (RFC 8489 §14.5, §14.7).
extension STUNMessage {
    /// Whether `raw` looks like one STUN message (RFC 8489 §5, RFC 7983 §7): the first two bits
    /// are 0, the magic cookie is present, and the length field is a multiple of 4 that matches
    /// the datagram's size exactly.
    public static func looksLikeSTUN(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard raw.count >= headerSize, raw[0] & 0xC0 == 0, raw.be32(4) == magicCookie else { return false }
        let length = Int(raw.be16(2))
        return length % 4 == 0 && headerSize + length == raw.count
    }

    /// The byte range in `raw` of the first part of USERNAME, before the first ':' (for an ICE
    /// check that is the receiver's — our — ufrag, RFC 8445 §7.2.2), or of the whole USERNAME when
    /// it has no ':'. Nil when `raw` does not look like STUN or carries no USERNAME.
    public static func peekUsername(_ raw: UnsafeRawBufferPointer) -> Range<Int>? {
        guard looksLikeSTUN(raw),
              let (start, length) = findAttribute(raw, type: STUNAttributeType.username.rawValue)
        else { return nil }
        var end = start
        while end < start + length && raw[end] != UInt8(ascii: ":") { end += 1 }
        return start..<end
    }

    /// Whether the local part of USERNAME (see `peekUsername`) equals `ufrag`'s UTF-8 bytes.
    public static func usernameLocalPart(_ raw: UnsafeRawBufferPointer, equals ufrag: String) -> Bool {
        guard let r = peekUsername(raw) else { return false }
        var ufrag = ufrag
        return ufrag.withUTF8 { u in
            u.count == r.count && memcmpEqual(UnsafeRawBufferPointer(u), UnsafeRawBufferPointer(rebasing: raw[r]))
        }
    }

    /// Verifies MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 under `key` over the message up to
    /// the attribute, with the header's length field set as if MESSAGE-INTEGRITY were the last
    /// attribute. For short-term credentials `key` is the password's bytes (§9.1.1). False when
    /// the attribute is absent or `raw` is malformed.
    public static func verifyIntegrity(_ raw: UnsafeRawBufferPointer, key: [UInt8]) -> Bool {
        guard looksLikeSTUN(raw),
              let (start, length) = findAttribute(raw, type: STUNAttributeType.messageIntegrity.rawValue),
              length == 20
        else { return false }
        let attrOffset = start - 4
        return withUnsafeTemporaryAllocation(byteCount: attrOffset + 20, alignment: 1) { tmp in
            tmp.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<attrOffset]))
            tmp.putBE16(UInt16(attrOffset + 24 - headerSize), at: 2)
            let mac = UnsafeMutableRawBufferPointer(rebasing: tmp[attrOffset..<(attrOffset + 20)])
            key.withUnsafeBytes { k in
                HMACSHA1.mac(key: k, data: UnsafeRawBufferPointer(rebasing: tmp[0..<attrOffset]), into: mac)
            }
            return HMACSHA1.equal(UnsafeRawBufferPointer(mac), UnsafeRawBufferPointer(rebasing: raw[start..<(start + 20)]))
        }
    }

    /// Verifies FINGERPRINT (RFC 8489 §14.7): it must be the last attribute and equal the CRC-32
    /// of the message before it xored with 0x5354554E. False when absent or malformed.
    public static func verifyFingerprint(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard looksLikeSTUN(raw),
              let (start, length) = findAttribute(raw, type: STUNAttributeType.fingerprint.rawValue),
              length == 4, start + 4 == raw.count
        else { return false }
        let attrOffset = start - 4
        var crc = CRC32.update(CRC32.initial, UnsafeRawBufferPointer(rebasing: raw[0..<2]))
        let patched = UInt16(attrOffset + 8 - headerSize)
        crc = CRC32.update(crc, byte: UInt8(patched >> 8))
        crc = CRC32.update(crc, byte: UInt8(patched & 0xFF))
        crc = CRC32.update(crc, UnsafeRawBufferPointer(rebasing: raw[4..<attrOffset]))
        return CRC32.finalize(crc) ^ fingerprintXor == raw.be32(start)
    }

    /// Whether `raw` carries a FINGERPRINT attribute.
    public static func hasFingerprint(_ raw: UnsafeRawBufferPointer) -> Bool {
        looksLikeSTUN(raw) && findAttribute(raw, type: STUNAttributeType.fingerprint.rawValue) != nil
    }

    /// Finds the first attribute of `type`; returns its value offset and length. Nil when absent
    /// or when an attribute before it overruns the message. Caller has checked the header.
    static func findAttribute(_ raw: UnsafeRawBufferPointer, type: UInt16) -> (Int, Int)? {
        var offset = headerSize
        let end = raw.count
        while offset + 4 <= end {
            let t = raw.be16(offset), l = Int(raw.be16(offset + 2))
            guard offset + 4 + l <= end else { return nil }
            if t == type { return (offset + 4, l) }
            offset += 4 + ((l + 3) & ~3)
        }
        return nil
    }

    static func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }
}
