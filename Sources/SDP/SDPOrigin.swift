/// The `o=` line (RFC 8866 §5.2):
/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
public struct SDPOrigin: Sendable, Equatable {
    public var username: String
    /// Numeric string; JSEP uses up to 63 bits (RFC 8829 §5.2.1).
    public var sessionID: String
    /// Numeric string, incremented on every new description.
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var unicastAddress: String

    public init(username: String = "-", sessionID: String, sessionVersion: String,
                networkType: String = "IN", addressType: String = "IP4", unicastAddress: String = "0.0.0.0") {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.unicastAddress = unicastAddress
    }

    /// Parses the text after `o=`.
    public init(parsing text: Substring) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6 else {
            throw .invalidAttribute(name: "o", reason: "origin needs 6 fields, found \(fields.count)")
        }
        for (index, label) in [(1, "session id"), (2, "session version")] {
            let field = fields[index]
            guard !field.isEmpty, field.count <= 32, field.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .invalidAttribute(name: "o", reason: "\(label) '\(field.prefix(40))' is not a number")
            }
        }
        username = String(fields[0])
        sessionID = String(fields[1])
        sessionVersion = String(fields[2])
        networkType = String(fields[3])
        addressType = String(fields[4])
        unicastAddress = String(fields[5])
    }

    /// The text after `o=`.
    public var serialized: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(unicastAddress)"
    }
}
