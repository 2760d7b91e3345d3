/// A STUN message (RFC 8489 §5): a 20-byte header and a list of attributes.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// A value type: parse with `init(parsing:)`, build with `serialize(integrityKey:fingerprint:)`.
/// MESSAGE-INTEGRITY and FINGERPRINT are computed by `serialize`; when parsed they appear in
/// `attributes` as `.messageIntegrity` / `.fingerprint` and are checked over the raw bytes with
/// `verifyIntegrity(_:key:)` and `verifyFingerprint(_:)`.
public struct STUNMessage: Sendable, Hashable {
    /// 0x2112A442 (RFC 8489 §5).
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Size of the fixed header.
    public static let headerSize = 20
    /// FINGERPRINT is the CRC-32 xored with this (RFC 8489 §14.7).
    public static let fingerprintXor: UInt32 = 0x5354_554E

    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    /// Attributes in wire order. Attributes that follow MESSAGE-INTEGRITY (other than
    /// FINGERPRINT) are dropped when parsing, as RFC 8489 §14.5 says to ignore them.
    public var attributes: [STUNAttribute]

    public init(type: STUNMessageType, transactionID: STUNTransactionID = .random(), attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    // MARK: Parsing

    /// Parses one STUN message that fills the whole buffer (one UDP datagram).
    /// - Throws: `STUNError` for anything malformed; never traps.
    public init(parsing raw: UnsafeRawBufferPointer) throws(STUNError) {
        let length = try Self.validateHeader(raw)
        self.type = STUNMessageType(rawValue: raw.be16(0))
        self.transactionID = STUNTransactionID(raw, at: 8)
        var attributes: [STUNAttribute] = []
        var offset = Self.headerSize
        let end = Self.headerSize + length
        var sawIntegrity = false, sawFingerprint = false
        while offset < end {
            // offset and end are multiples of 4, so a 4-byte attribute header always fits.
            let t = raw.be16(offset), l = Int(raw.be16(offset + 2))
            let valueStart = offset + 4
            guard valueStart + l <= end else { throw .attributeOverrun(type: t, offset: offset) }
            if sawFingerprint { throw .attributeAfterFingerprint(type: t) }
            let value = UnsafeRawBufferPointer(rebasing: raw[valueStart..<valueStart + l])
            offset = valueStart + ((l + 3) & ~3)
            if sawIntegrity && t != STUNAttributeType.fingerprint.rawValue { continue }
            let attribute = try Self.parseAttribute(type: t, value: value, transactionID: transactionID)
            if t == STUNAttributeType.messageIntegrity.rawValue { sawIntegrity = true }
            if t == STUNAttributeType.fingerprint.rawValue { sawFingerprint = true }
            attributes.append(attribute)
        }
        self.attributes = attributes
    }

    /// Parses one STUN message from `bytes`.
    public init(parsing bytes: [UInt8]) throws(STUNError) {
        let r: Result<STUNMessage, STUNError> = bytes.withUnsafeBytes { raw in
            do throws(STUNError) { return .success(try STUNMessage(parsing: raw)) } catch { return .failure(error) }
        }
        self = try r.get()
    }

    /// Checks the header; returns the message length.
    static func validateHeader(_ raw: UnsafeRawBufferPointer) throws(STUNError) -> Int {
        guard raw.count >= headerSize else { throw .truncated(needed: headerSize, available: raw.count) }
        guard raw[0] & 0xC0 == 0 else { throw .notSTUN }
        let cookie = raw.be32(4)
        guard cookie == magicCookie else { throw .badMagicCookie(cookie) }
        let length = Int(raw.be16(2))
        guard length % 4 == 0 else { throw .lengthNotMultipleOfFour(length) }
        guard headerSize + length <= raw.count else {
            throw .truncated(needed: headerSize + length, available: raw.count)
        }
        guard headerSize + length == raw.count else {
            throw .trailingBytes(declared: headerSize + length, actual: raw.count)
        }
        return length
    }

    static func parseAttribute(type t: UInt16, value v: UnsafeRawBufferPointer, transactionID: STUNTransactionID) throws(STUNError) -> STUNAttribute {
        let l = v.count
        func expect(_ n: Int) throws(STUNError) {
            guard l == n else { throw .badAttributeLength(type: t, length: l) }
        }
        switch STUNAttributeType(rawValue: t) {
        case .mappedAddress:
            return .mappedAddress(try parseAddress(v, type: t, xor: nil))
        case .xorMappedAddress:
            return .xorMappedAddress(try parseAddress(v, type: t, xor: transactionID))
        case .username:
            return .username(String(decoding: v, as: UTF8.self))
        case .software:
            return .software(String(decoding: v, as: UTF8.self))
        case .messageIntegrity:
            try expect(20)
            return .messageIntegrity(Array(v))
        case .errorCode:
            guard l >= 4 else { throw .badAttributeLength(type: t, length: l) }
            let cls = Int(v[2] & 0x07), number = Int(v[3])
            guard (3...6).contains(cls), number < 100 else { throw .badErrorCode(class: cls, number: number) }
            let reason = String(decoding: UnsafeRawBufferPointer(rebasing: v[4...]), as: UTF8.self)
            return .errorCode(STUNErrorCode(code: cls * 100 + number, reason: reason))
        case .unknownAttributes:
            guard l % 2 == 0 else { throw .badAttributeLength(type: t, length: l) }
            return .unknownAttributes(stride(from: 0, to: l, by: 2).map { v.be16($0) })
        case .priority:
            try expect(4)
            return .priority(v.be32(0))
        case .useCandidate:
            try expect(0)
            return .useCandidate
        case .iceControlled:
            try expect(8)
            return .iceControlled(v.be64(0))
        case .iceControlling:
            try expect(8)
            return .iceControlling(v.be64(0))
        case .fingerprint:
            try expect(4)
            return .fingerprint(v.be32(0))
        default:
            return .unknown(type: t, value: Array(v))
        }
    }

    /// MAPPED-ADDRESS / XOR-MAPPED-ADDRESS value (RFC 8489 §14.1, §14.2):
    /// ```
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                 (X-)Address (32 bits or 128 bits)             |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// ```
    static func parseAddress(_ v: UnsafeRawBufferPointer, type t: UInt16, xor tid: STUNTransactionID?) throws(STUNError) -> IPEndpoint {
        guard v.count >= 4 else { throw .badAttributeLength(type: t, length: v.count) }
        let family = v[1]
        var port = v.be16(2)
        if tid != nil { port ^= UInt16(magicCookie >> 16) }
        switch family {
        case 0x01:
            guard v.count == 8 else { throw .badAttributeLength(type: t, length: v.count) }
            var a = v.be32(4)
            if tid != nil { a ^= magicCookie }
            return IPEndpoint(ipv4: a, port: port)
        case 0x02:
            guard v.count == 20 else { throw .badAttributeLength(type: t, length: v.count) }
            var h = v.be64(4), l = v.be64(12)
            if let tid {
                h ^= UInt64(magicCookie) << 32 | UInt64(tid.high)
                l ^= tid.low
            }
            return IPEndpoint(ipv6High: h, low: l, port: port)
        default:
            throw .badAddressFamily(family)
        }
    }

    // MARK: Serializing

    /// Size of `serialize(integrityKey:fingerprint:)`'s output.
    public func encodedSize(integrity: Bool, fingerprint: Bool) -> Int {
        var n = Self.headerSize
        for a in attributes where !Self.isComputed(a) { n += 4 + ((a.valueLength + 3) & ~3) }
        if integrity { n += 24 }
        if fingerprint { n += 8 }
        return n
    }

    /// Encodes the message (RFC 8489 §5, §14), padding with zero bytes. `.messageIntegrity` and
    /// `.fingerprint` entries of `attributes` are skipped; instead, with `integrityKey`
    /// MESSAGE-INTEGRITY is appended (HMAC-SHA1, RFC 8489 §14.5; for short-term credentials the
    /// key is the password's bytes, §9.1.1), and with `fingerprint` FINGERPRINT last (§14.7).
    public func serialize(integrityKey: [UInt8]?, fingerprint: Bool) -> [UInt8] {
        serialize(integrityKey: integrityKey, fingerprint: fingerprint, paddingByte: 0)
    }

    /// As `serialize(integrityKey:fingerprint:)` with a chosen padding byte (RFC 5769's vectors pad
    /// with 0x20).
    func serialize(integrityKey: [UInt8]?, fingerprint: Bool, paddingByte: UInt8) -> [UInt8] {
        let total = encodedSize(integrity: integrityKey != nil, fingerprint: fingerprint)
        var out = [UInt8](repeating: 0, count: total)
        out.withUnsafeMutableBytes { buf in
            buf.putBE16(type.rawValue, at: 0)
            buf.putBE32(Self.magicCookie, at: 4)
            buf.putBE32(transactionID.high, at: 8)
            buf.putBE64(transactionID.low, at: 12)
            var o = Self.headerSize
            for a in attributes where !Self.isComputed(a) {
                o = writeAttribute(a, into: buf, at: o, paddingByte: paddingByte)
            }
            if let key = integrityKey {
                buf.putBE16(UInt16(o + 24 - Self.headerSize), at: 2)
                buf.putBE16(STUNAttributeType.messageIntegrity.rawValue, at: o)
                buf.putBE16(20, at: o + 2)
                key.withUnsafeBytes { k in
                    HMACSHA1.mac(key: k, data: UnsafeRawBufferPointer(rebasing: buf[0..<o]),
                                 into: UnsafeMutableRawBufferPointer(rebasing: buf[(o + 4)..<(o + 24)]))
                }
                o += 24
            }
            buf.putBE16(UInt16(total - Self.headerSize), at: 2)
            if fingerprint {
                let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buf[0..<o]))
                buf.putBE16(STUNAttributeType.fingerprint.rawValue, at: o)
                buf.putBE16(4, at: o + 2)
                buf.putBE32(crc ^ Self.fingerprintXor, at: o + 4)
                o += 8
            }
            assert(o == total)
        }
        return out
    }

    static func isComputed(_ a: STUNAttribute) -> Bool {
        switch a {
        case .messageIntegrity, .fingerprint: true
        default: false
        }
    }

    private func writeAttribute(_ a: STUNAttribute, into buf: UnsafeMutableRawBufferPointer, at start: Int, paddingByte: UInt8) -> Int {
        let l = a.valueLength
        buf.putBE16(a.type.rawValue, at: start)
        buf.putBE16(UInt16(truncatingIfNeeded: l), at: start + 2)
        let o = start + 4
        func putBytes(_ bytes: some Sequence<UInt8>, at offset: Int) {
            var i = offset
            for b in bytes { buf[i] = b; i += 1 }
        }
        switch a {
        case .mappedAddress(let e):
            writeAddress(e, xor: false, into: buf, at: o)
        case .xorMappedAddress(let e):
            writeAddress(e, xor: true, into: buf, at: o)
        case .username(let s), .software(let s):
            putBytes(s.utf8, at: o)
        case .messageIntegrity(let m):
            putBytes(m, at: o)
        case .errorCode(let e):
            buf[o + 2] = UInt8(truncatingIfNeeded: (e.code / 100) & 0x07)
            buf[o + 3] = UInt8(truncatingIfNeeded: e.code % 100)
            putBytes(e.reason.utf8, at: o + 4)
        case .unknownAttributes(let list):
            for (i, t) in list.enumerated() { buf.putBE16(t, at: o + 2 * i) }
        case .priority(let p):
            buf.putBE32(p, at: o)
        case .useCandidate:
            break
        case .iceControlled(let t), .iceControlling(let t):
            buf.putBE64(t, at: o)
        case .fingerprint(let f):
            buf.putBE32(f, at: o)
        case .unknown(_, let v):
            putBytes(v, at: o)
        }
        let padded = (l + 3) & ~3
        for i in l..<padded { buf[o + i] = paddingByte }
        return o + padded
    }

    private func writeAddress(_ e: IPEndpoint, xor: Bool, into buf: UnsafeMutableRawBufferPointer, at o: Int) {
        buf[o] = 0
        buf[o + 1] = e.isIPv6 ? 0x02 : 0x01
        buf.putBE16(xor ? e.port ^ UInt16(Self.magicCookie >> 16) : e.port, at: o + 2)
        if let v4 = e.ipv4Address {
            buf.putBE32(xor ? v4 ^ Self.magicCookie : v4, at: o + 4)
        } else if let (h, l) = e.ipv6Address {
            buf.putBE64(xor ? h ^ (UInt64(Self.magicCookie) << 32 | UInt64(transactionID.high)) : h, at: o + 4)
            buf.putBE64(xor ? l ^ transactionID.low : l, at: o + 12)
        }
    }
}

// MARK: Big-endian access

extension UnsafeRawBufferPointer {
    @inline(__always) func be16(_ o: Int) -> UInt16 { UInt16(self[o]) << 8 | UInt16(self[o + 1]) }
    @inline(__always) func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
    @inline(__always) func be64(_ o: Int) -> UInt64 { UInt64(be32(o)) << 32 | UInt64(be32(o + 4)) }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func putBE16(_ v: UInt16, at o: Int) {
        self[o] = UInt8(truncatingIfNeeded: v >> 8)
        self[o + 1] = UInt8(truncatingIfNeeded: v)
    }
    @inline(__always) func putBE32(_ v: UInt32, at o: Int) {
        putBE16(UInt16(truncatingIfNeeded: v >> 16), at: o)
        putBE16(UInt16(truncatingIfNeeded: v), at: o + 2)
    }
    @inline(__always) func putBE64(_ v: UInt64, at o: Int) {
        putBE32(UInt32(truncatingIfNeeded: v >> 32), at: o)
        putBE32(UInt32(truncatingIfNeeded: v), at: o + 4)
    }
}
