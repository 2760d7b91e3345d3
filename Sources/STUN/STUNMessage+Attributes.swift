/// Typed access to the first attribute of each kind.
extension STUNMessage {
    public var username: String? {
        for case .username(let v) in attributes { return v }
        return nil
    }
    public var software: String? {
        for case .software(let v) in attributes { return v }
        return nil
    }
    public var priority: UInt32? {
        for case .priority(let v) in attributes { return v }
        return nil
    }
    public var useCandidate: Bool {
        attributes.contains(.useCandidate)
    }
    public var iceControlling: UInt64? {
        for case .iceControlling(let v) in attributes { return v }
        return nil
    }
    public var iceControlled: UInt64? {
        for case .iceControlled(let v) in attributes { return v }
        return nil
    }
    public var xorMappedAddress: IPEndpoint? {
        for case .xorMappedAddress(let v) in attributes { return v }
        return nil
    }
    public var mappedAddress: IPEndpoint? {
        for case .mappedAddress(let v) in attributes { return v }
        return nil
    }
    public var errorCode: STUNErrorCode? {
        for case .errorCode(let v) in attributes { return v }
        return nil
    }
    public var messageIntegrity: [UInt8]? {
        for case .messageIntegrity(let v) in attributes { return v }
        return nil
    }
    public var fingerprint: UInt32? {
        for case .fingerprint(let v) in attributes { return v }
        return nil
    }
    /// Types of comprehension-required attributes this codec does not know (RFC 8489 §6.3.1:
    /// a request carrying any is answered with 420 and UNKNOWN-ATTRIBUTES).
    public var unknownComprehensionRequired: [UInt16] {
        var out: [UInt16] = []
        for case .unknown(let t, _) in attributes where t < 0x8000 { out.append(t) }
        return out
    }
}
