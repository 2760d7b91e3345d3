import STUN

/// Binding responses shared by both agents.
enum BindingReplies {
    /// A success response carrying the sender's address in XOR-MAPPED-ADDRESS, with
    /// MESSAGE-INTEGRITY under `key` and FINGERPRINT (RFC 8445 §7.3.1.4, RFC 8489 §6.3.1.1).
    static func success(to request: STUNMessage, from: IPEndpoint, key: [UInt8]) -> [UInt8] {
        STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                    attributes: [.xorMappedAddress(from)])
            .serialize(integrityKey: key, fingerprint: true)
    }

    /// An error response (RFC 8489 §6.3.1.1): MESSAGE-INTEGRITY only when the request was
    /// authenticated (`key` non-nil), FINGERPRINT always (RFC 8445 §7.3).
    static func error(to request: STUNMessage, _ code: STUNErrorCode, key: [UInt8]?, extra: [STUNAttribute] = []) -> [UInt8] {
        STUNMessage(type: .bindingError, transactionID: request.transactionID,
                    attributes: [.errorCode(code)] + extra)
            .serialize(integrityKey: key, fingerprint: true)
    }
}
