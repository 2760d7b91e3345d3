/// An ICE candidate (RFC 8839 §5.1):
///
///     candidate:<foundation> <component> <transport> <priority>
///               <address> <port> typ <type> [raddr <addr>] [rport <port>]
///               *(<extension name> <extension value>)
///
/// `tcptype` (RFC 6544 §4.5) gets its own field; other extension pairs
/// (Chromium's `generation`, `network-id`, ...) are kept in order.
public struct ICECandidate: Sendable, Equatable, Hashable {
    public enum Transport: Sendable, Equatable, Hashable {
        case udp
        case tcp
    }

    /// `typ` values (RFC 8445 §5.1.1).
    public enum CandidateType: String, Sendable, Equatable, Hashable {
        case host
        case srflx
        case prflx
        case relay
    }

    /// RFC 6544 §4.5.
    public enum TCPType: String, Sendable, Equatable, Hashable {
        case active
        case passive
        case so
    }

    /// What kind of thing `address` is.
    public enum AddressKind: Sendable, Equatable, Hashable {
        case ipv4
        case ipv6
        /// An mDNS name ending in `.local` (RFC 8839 §5.1, draft-ietf-mmusic-mdns-ice-candidates).
        case mdns
        /// Another fully qualified domain name.
        case hostname
    }

    public struct Extension: Sendable, Equatable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var foundation: String
    /// 1 for RTP, 2 for RTCP without rtcp-mux.
    public var component: Int
    public var transport: Transport
    public var priority: UInt32
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var tcpType: TCPType?
    public var extensions: [Extension]

    public init(foundation: String, component: Int = 1, transport: Transport = .udp, priority: UInt32,
                address: String, port: UInt16, type: CandidateType = .host, relatedAddress: String? = nil,
                relatedPort: UInt16? = nil, tcpType: TCPType? = nil, extensions: [Extension] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.tcpType = tcpType
        self.extensions = extensions
    }

    /// A host candidate with the RFC 8445 §5.1.2.1 priority
    /// `(2^24)*126 + (2^8)*localPreference + (256 - component)`.
    public static func host(address: String, port: UInt16, component: Int = 1, transport: Transport = .udp,
                            localPreference: UInt16 = 65535, foundation: String? = nil) -> ICECandidate {
        let priority = (UInt32(126) << 24) | (UInt32(localPreference) << 8) | UInt32(256 - min(max(component, 1), 256))
        let derivedFoundation = foundation ?? String(stableHash(address + (transport == .udp ? "udp" : "tcp")))
        return ICECandidate(foundation: derivedFoundation, component: component, transport: transport,
                            priority: priority, address: address, port: port, type: .host,
                            tcpType: transport == .tcp ? .passive : nil)
    }

    /// A passive TCP host candidate (RFC 6544 §4.5: `tcptype passive`, port the listening
    /// socket's) with the RFC 6544 §4.2 priority: type preference 90, below UDP host's 126,
    /// so a peer that can reach the UDP candidate prefers it (libwebrtc uses 90 too), and
    /// local preference `(2^13) * direction-pref + other-pref` with direction-pref 4
    /// (passive, host) and `otherPreference` (0…8191) ordering several addresses.
    public static func tcpPassiveHost(address: String, port: UInt16, component: Int = 1,
                                      otherPreference: UInt16 = 8191, foundation: String? = nil) -> ICECandidate {
        let localPreference = UInt32(4) << 13 | UInt32(min(otherPreference, 8191))
        let priority = (UInt32(tcpHostTypePreference) << 24) | (localPreference << 8)
            | UInt32(256 - min(max(component, 1), 256))
        return ICECandidate(foundation: foundation ?? String(stableHash(address + "tcp")), component: component,
                            transport: .tcp, priority: priority, address: address, port: port, type: .host,
                            tcpType: .passive)
    }

    /// Type preference of TCP host candidates (RFC 6544 §4.2 leaves it to the agent; UDP host is 126).
    public static let tcpHostTypePreference: UInt8 = 90

    /// Parses `a=candidate:...`, `candidate:...` or the bare attribute value.
    public init(parsing text: String) throws(SDPError) {
        var body = Substring(text)
        while body.last == "\r" || body.last == "\n" || body.last == " " { body = body.dropLast() }
        if body.hasPrefix("a=") { body = body.dropFirst(2) }
        if body.hasPrefix("candidate:") { body = body.dropFirst("candidate:".count) }
        guard body.utf8.count <= 1024 else { throw .invalidCandidate(reason: "longer than 1024 bytes") }
        let fields = body.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8 else {
            throw .invalidCandidate(reason: "needs at least 8 fields, found \(fields.count)")
        }
        guard (1...32).contains(fields[0].count), fields[0].allSatisfy(ICECandidate.isICEChar) else {
            throw .invalidCandidate(reason: "foundation must be 1-32 ice-chars")
        }
        guard fields[1].count <= 3, let component = Int(fields[1]), (1...256).contains(component) else {
            throw .invalidCandidate(reason: "component must be 1-256")
        }
        switch fields[2].lowercased() {
        case "udp": transport = .udp
        case "tcp": transport = .tcp
        default: throw .invalidCandidate(reason: "unsupported transport '\(fields[2].prefix(10))'")
        }
        guard fields[3].count <= 10, let priority = UInt32(fields[3]) else {
            throw .invalidCandidate(reason: "priority must be a 32-bit number")
        }
        guard ICECandidate.addressKind(of: fields[4]) != nil else {
            throw .invalidCandidate(reason: "bad address '\(fields[4].prefix(64))'")
        }
        guard let port = UInt16(fields[5]) else { throw .invalidCandidate(reason: "port must be 0-65535") }
        guard fields[6] == "typ", let type = CandidateType(rawValue: String(fields[7])) else {
            throw .invalidCandidate(reason: "expected 'typ host|srflx|prflx|relay'")
        }
        foundation = String(fields[0])
        self.component = component
        self.priority = priority
        address = String(fields[4])
        self.port = port
        self.type = type
        relatedAddress = nil
        relatedPort = nil
        tcpType = nil
        extensions = []
        var index = 8
        while index < fields.count {
            guard index + 1 < fields.count else {
                throw .invalidCandidate(reason: "extension '\(fields[index].prefix(20))' has no value")
            }
            let name = fields[index], value = fields[index + 1]
            switch name {
            case "raddr":
                guard ICECandidate.addressKind(of: value) != nil else {
                    throw .invalidCandidate(reason: "bad raddr '\(value.prefix(64))'")
                }
                relatedAddress = String(value)
            case "rport":
                guard let port = UInt16(value) else { throw .invalidCandidate(reason: "rport must be 0-65535") }
                relatedPort = port
            case "tcptype":
                guard let tcpType = TCPType(rawValue: String(value)) else {
                    throw .invalidCandidate(reason: "tcptype must be active, passive or so")
                }
                self.tcpType = tcpType
            default:
                guard extensions.count < 32 else { throw .invalidCandidate(reason: "more than 32 extensions") }
                extensions.append(Extension(name: String(name), value: String(value)))
            }
            index += 2
        }
    }

    /// The `a=candidate` attribute value (no `candidate:` prefix).
    public var attributeValue: String {
        var text = "\(foundation) \(component) \(transport == .udp ? "udp" : "tcp") \(priority) \(address) \(port) typ \(type.rawValue)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        if let tcpType { text += " tcptype \(tcpType.rawValue)" }
        for item in extensions { text += " \(item.name) \(item.value)" }
        return text
    }

    /// `candidate:...`, the form used by `RTCIceCandidate.candidate` and trickle messages.
    public var serialized: String { "candidate:" + attributeValue }

    /// The kind of `address`; never nil for a parsed candidate.
    public var addressKind: AddressKind? { ICECandidate.addressKind(of: Substring(address)) }

    /// The value of an extension by name.
    public func extensionValue(_ name: String) -> String? {
        extensions.first(where: { $0.name == name })?.value
    }

    // MARK: - Helpers

    static func isICEChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "/")
    }

    static func addressKind(of text: Substring) -> AddressKind? {
        if isIPv4(text) { return .ipv4 }
        if text.contains(":") { return isIPv6(text) ? .ipv6 : nil }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.count <= 253, labels.count >= 2,
              labels.allSatisfy({ (1...63).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } })
        else { return nil }
        // A top-level label is never all digits (RFC 3696 §2): "300.0.0.1" is a bad IPv4 address, not a name.
        guard labels.last?.contains(where: { $0.isLetter }) == true else { return nil }
        return labels.last?.lowercased() == "local" ? .mdns : .hostname
    }

    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part) ?? 256) <= 255
        }
    }

    static func isIPv6(_ text: Substring) -> Bool {
        var body = text
        if let percent = body.firstIndex(of: "%") {           // zone index
            guard body.index(after: percent) < body.endIndex else { return false }
            body = body[..<percent]
        }
        guard body.count >= 2, body.count <= 45 else { return false }
        let halves = body.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (pieceIndex, piece) in pieces.enumerated() {
                let isLast = halfIndex == halves.count - 1 && pieceIndex == pieces.count - 1
                if isLast, piece.contains(".") {
                    guard isIPv4(piece) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    static func stableHash(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261                      // FNV-1a: stable across runs, unlike Hasher
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}
