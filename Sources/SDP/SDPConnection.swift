/// The `c=` line (RFC 8866 §5.7): `c=<nettype> <addrtype> <connection-address>`.
public struct SDPConnection: Sendable, Equatable {
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// A connection line for an address, `IP6` when it contains a colon.
    public init(address: String) {
        self.init(addressType: address.contains(":") ? "IP6" : "IP4", address: address)
    }

    /// Parses the text after `c=`.
    public init(parsing text: Substring) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 3 else {
            throw .invalidAttribute(name: "c", reason: "connection needs 3 fields, found \(fields.count)")
        }
        networkType = String(fields[0])
        addressType = String(fields[1])
        address = String(fields[2])
    }

    /// The text after `c=`.
    public var serialized: String { "\(networkType) \(addressType) \(address)" }
}
