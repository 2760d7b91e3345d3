import DataChannel
import Foundation
import MediaBridge
import SDP

/// Everything `capstan serve` can be told. Sources, lowest precedence first:
/// built-in defaults < the JSON file (`config/capstan.json`) < `CAPSTAN_*`
/// environment variables < command-line flags. Every key is validated at
/// start-up; an unknown key or a bad value stops the daemon with a message
/// that names it.
public struct CapstanConfiguration: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case record
        case loopback
        case recordAndLoopback = "record+loopback"
    }

    /// HTTP listener (WHIP, WebSocket, REST, metrics).
    public var http = HostPort(host: "127.0.0.1", port: 8080)
    /// The one UDP port for all media.
    public var media = HostPort(host: "127.0.0.1", port: 50000)
    /// The ICE-TCP listener (RFC 6544, passive) beside the UDP port, on the media host.
    public var mediaTCP: MediaTCP = .samePort
    /// ICE-TCP connections open in all; past it new ones are closed at once.
    public var tcpMaxConnections = 1_000
    /// ICE-TCP connections open from one IP address; 0: no bound.
    public var tcpMaxConnectionsPerAddress = 40
    /// An ICE-TCP connection without a successful STUN check by then is closed.
    public var tcpHandshakeTimeoutSeconds = 10

    /// Where ICE-TCP listens: `same` (the UDP media port's number, the default, so peers
    /// behind UDP-blocking firewalls get through without the operator having planned it),
    /// `off`, or a port of its own (0: any free port).
    public enum MediaTCP: Sendable, Equatable, CustomStringConvertible {
        case off
        case samePort
        case port(Int)

        public init(parsing text: String, key: String) throws(ServerError) {
            switch text.lowercased() {
            case "same": self = .samePort
            case "off": self = .off
            default:
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw .invalidConfiguration("\(key): \"\(text)\" is not same, off or a port from 0 to 65535")
                }
                self = .port(port)
            }
        }

        public var description: String {
            switch self {
            case .off: "off"
            case .samePort: "same"
            case .port(let port): String(port)
            }
        }
    }
    /// Addresses put in SDP host candidates; empty means the media host.
    public var announce: [String] = []
    /// Where recordings and sidecars go.
    public var recordings = "recordings"
    /// Directory of the browser sample served at `/samples/`.
    public var samples = "samples"
    public var mode: Mode = .record
    /// One bearer token for both scopes (simple set-ups); `publishToken` and
    /// `adminToken` override it per scope.
    public var token: String?
    /// The token for WHIP and WebSocket calls, which a web page may hold.
    public var publishToken: String?
    /// The token for REST, recordings and metrics; it also publishes.
    public var adminToken: String?
    /// A file holding the tokens, so they stay out of `ps` and the
    /// environment: one line (the token for both scopes) or a JSON object
    /// with `token`, `publishToken`, `adminToken`.
    public var tokenFile: String?
    /// Host names (besides localhost, IP literals and the listen/announce
    /// hosts) that requests may carry in `Host`; `*` allows any.
    public var allowedHosts: [String] = []
    /// Origins of web pages that may call the daemon besides its own
    /// (`https://app.example.com`); `*` allows any page.
    public var allowedOrigins: [String] = []
    /// Live sessions one source address may hold; 0: no bound.
    public var maxSessionsPerAddress = 20
    /// Live sessions one token (publish or admin) may hold; 0: no bound.
    public var maxSessionsPerToken = 0
    /// An HTTP connection idle this long is closed.
    public var httpIdleTimeoutSeconds = 60
    /// Lifetime of the signed recording links `GET /api/recordings` gives.
    public var signedURLSeconds = 600
    /// The DTLS certificate is replaced after this long (it is valid 30
    /// days); new sessions get the new one, running ones keep theirs.
    public var certificateRotationSeconds = 7 * 86_400

    /// The tokens in force per scope.
    public var tokens: (publish: String?, admin: String?) {
        (publishToken ?? token, adminToken ?? token)
    }
    public var logLevel = "info"
    public var maxSessions = 100
    public var maxSDPBytes = 65_536
    public var maxSignallingMessageBytes = 65_536
    public var maxSessionDurationSeconds = 4 * 3600
    public var ringTimeoutSeconds = 30
    public var negotiationTimeoutSeconds = 20
    public var consentTimeoutSeconds = 30
    /// While media flows, the media socket is read at most this often, everything that
    /// arrived since in one pass (issue 13: one wake-up per interval for every session's
    /// datagrams instead of one per datagram). 0: each datagram as it arrives.
    public var mediaReadIntervalMs = 20
    /// What the daemon does with a WebSocket `call:init`.
    public enum CallPolicy: String, Sendable, CaseIterable { case accept, reject }
    public var callPolicy: CallPolicy = .accept
    /// ICE servers advertised in WHIP `Link` headers (RFC 9725 §4.6).
    public var iceServers: [String] = []
    /// TURN servers (`turn:`/`turns:` URLs) whose credentials Capstan mints
    /// (TURN REST API, coturn `use-auth-secret`) under `turnSecret`.
    public var turnURLs: [String] = []
    /// The secret shared with the TURN server (coturn `static-auth-secret`).
    public var turnSecret: String?
    /// A file holding `turnSecret` (one line), so it stays out of `ps` and the environment.
    public var turnSecretFile: String?
    /// How long minted TURN credentials stay valid.
    public var turnTTLSeconds = 86_400
    /// The TURN server's realm, told to clients that want it (`GET /api/ice-servers`).
    public var turnRealm: String?
    /// `auto`: WebM (VP8 + Opus) with video, Ogg Opus audio-only; `webm`: always WebM.
    public var containerPolicy: ContainerPolicy = .auto
    /// The video codecs answered, in order of preference (an offer with
    /// several gets the first of these it has). Known: VP8, VP9, AV1, H264;
    /// implemented: `SupportedCodec.recordableVideo` (naming another is a configuration error).
    public var videoCodecs: [SupportedCodec] = SupportedCodec.recordableVideo
    /// Below this much free space on the recordings file system new sessions
    /// are refused (WHIP `503`, WebSocket `call:reject`). 0 disables the check.
    public var minFreeDiskBytes = 100 * 1024 * 1024
    /// A session receiving more than this many bits per second (RTP, over a
    /// 2 s window) ends with `bitrate-limit`, its file finalized. 0: no bound.
    public var maxSessionBitrateSetting = 25_000_000
    /// A recording whose media reaches this many bytes ends with
    /// `size-limit`, its file finalized. 0: no bound.
    public var maxRecordingBytesSetting = 32 * 1024 * 1024 * 1024
    /// `maxSessionBitrateSetting`, nil when 0.
    public var maxSessionBitrate: Int? { maxSessionBitrateSetting > 0 ? maxSessionBitrateSetting : nil }
    /// `maxRecordingBytesSetting`, nil when 0.
    public var maxRecordingBytes: UInt64? { maxRecordingBytesSetting > 0 ? UInt64(maxRecordingBytesSetting) : nil }

    /// Data channels (RFC 8831): accept an offered `m=application` data
    /// channel section and record its messages (`{id}.data.jsonl`); false
    /// rejects the section (the media still connects).
    public var dataChannels = true
    /// Bounds on each session's data channels: message size (advertised as
    /// `a=max-message-size`), messages per second, bytes per session, channels.
    public var dataChannelLimits = DataChannelLimits()

    public init() {}

    /// A `host:port` pair; IPv6 hosts in brackets (`[::1]:8080`).
    public struct HostPort: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public init(parsing text: String, key: String) throws(ServerError) {
            let host: Substring, portText: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"),
                      text[text.index(after: close)...].hasPrefix(":") else {
                    throw .invalidConfiguration("\(key): \"\(text)\" is not [IPv6]:PORT")
                }
                host = text[text.index(after: text.startIndex)..<close]
                portText = text[text.index(close, offsetBy: 2)...]
            } else {
                guard let colon = text.lastIndex(of: ":") else {
                    throw .invalidConfiguration("\(key): \"\(text)\" is not HOST:PORT")
                }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            guard !host.isEmpty else { throw .invalidConfiguration("\(key): \"\(text)\" has no host") }
            guard let port = Int(portText), (0...65535).contains(port) else {
                throw .invalidConfiguration("\(key): port \"\(portText)\" is not a number from 0 to 65535")
            }
            self.host = String(host)
            self.port = port
        }

        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// The keys, as written in the file; environment names are
    /// `CAPSTAN_` + the key in upper snake case (`maxSessions` → `CAPSTAN_MAX_SESSIONS`).
    public static let keys = [
        "http", "media", "announce", "recordings", "mode", "token", "logLevel",
        "maxSessions", "maxSDPBytes", "maxSignallingMessageBytes", "maxSessionDurationSeconds",
        "ringTimeoutSeconds", "negotiationTimeoutSeconds", "consentTimeoutSeconds", "mediaReadIntervalMs", "iceServers", "callPolicy",
        "samples", "containerPolicy", "minFreeDiskBytes", "maxSessionBitrate", "maxRecordingBytes",
        "publishToken", "adminToken", "tokenFile", "allowedHosts", "allowedOrigins", "maxSessionsPerAddress",
        "maxSessionsPerToken", "httpIdleTimeoutSeconds", "signedURLSeconds", "certificateRotationSeconds",
        "videoCodecs", "turnURLs", "turnSecret", "turnSecretFile", "turnTTLSeconds", "turnRealm",
        "mediaTCP", "tcpMaxConnections", "tcpMaxConnectionsPerAddress", "tcpHandshakeTimeoutSeconds",
        "dataChannels", "dataChannelMaxMessageSize", "dataChannelMessagesPerSecond", "dataChannelMaxBytesPerSession",
        "dataChannelMaxChannels",
    ]

    static func environmentName(for key: String) -> String {
        var out = "CAPSTAN_"
        var previousWasLower = false
        for character in key {
            if character.isUppercase && previousWasLower { out.append("_") }
            out.append(contentsOf: character.uppercased())
            previousWasLower = character.isLowercase || character.isNumber
        }
        return out
    }

    /// Applies one setting given as text (from the environment or a flag).
    public mutating func set(_ key: String, text: String) throws(ServerError) {
        switch key {
        case "http": http = try HostPort(parsing: text, key: key)
        case "media": media = try HostPort(parsing: text, key: key)
        case "mediaTCP": mediaTCP = try MediaTCP(parsing: text, key: key)
        case "tcpMaxConnections": tcpMaxConnections = try Self.int(text, key: key, min: 1)
        case "tcpMaxConnectionsPerAddress": tcpMaxConnectionsPerAddress = try Self.int(text, key: key, min: 0)
        case "tcpHandshakeTimeoutSeconds": tcpHandshakeTimeoutSeconds = try Self.int(text, key: key, min: 1)
        case "announce": announce = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case "iceServers": iceServers = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case "turnURLs": turnURLs = Self.list(text)
        case "turnSecret": turnSecret = text.isEmpty ? nil : text
        case "turnSecretFile":
            turnSecretFile = text.isEmpty ? nil : text
            if let turnSecretFile { try readTURNSecret(from: turnSecretFile) }
        case "turnTTLSeconds": turnTTLSeconds = try Self.int(text, key: key, min: 60)
        case "turnRealm": turnRealm = text.isEmpty ? nil : text
        case "recordings": recordings = text
        case "samples": samples = text
        case "mode":
            guard let value = Mode(rawValue: text) else {
                throw .invalidConfiguration("mode: \"\(text)\" is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = value
        case "callPolicy":
            guard let value = CallPolicy(rawValue: text) else {
                throw .invalidConfiguration("callPolicy: \"\(text)\" is not one of \(CallPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            callPolicy = value
        case "containerPolicy":
            guard let value = ContainerPolicy(rawValue: text) else {
                throw .invalidConfiguration("containerPolicy: \"\(text)\" is not one of \(ContainerPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            containerPolicy = value
        case "minFreeDiskBytes": minFreeDiskBytes = try Self.int(text, key: key, min: 0)
        case "maxSessionBitrate": maxSessionBitrateSetting = try Self.int(text, key: key, min: 0)
        case "maxRecordingBytes": maxRecordingBytesSetting = try Self.int(text, key: key, min: 0)
        case "videoCodecs": videoCodecs = try Self.videoCodecs(text, key: key)
        case "token": token = text.isEmpty ? nil : text
        case "publishToken": publishToken = text.isEmpty ? nil : text
        case "adminToken": adminToken = text.isEmpty ? nil : text
        case "tokenFile":
            tokenFile = text.isEmpty ? nil : text
            if let tokenFile { try readTokens(from: tokenFile) }
        case "allowedHosts": allowedHosts = Self.list(text)
        case "allowedOrigins": allowedOrigins = Self.list(text)
        case "maxSessionsPerAddress": maxSessionsPerAddress = try Self.int(text, key: key, min: 0)
        case "maxSessionsPerToken": maxSessionsPerToken = try Self.int(text, key: key, min: 0)
        case "httpIdleTimeoutSeconds": httpIdleTimeoutSeconds = try Self.int(text, key: key, min: 1)
        case "signedURLSeconds": signedURLSeconds = try Self.int(text, key: key, min: 1)
        case "certificateRotationSeconds":
            certificateRotationSeconds = try Self.int(text, key: key, min: 60)
            guard certificateRotationSeconds <= 20 * 86_400 else {
                throw .invalidConfiguration("certificateRotationSeconds: at most 1728000 (20 days; the certificate is valid 30)")
            }
        case "logLevel": logLevel = text
        case "dataChannels":
            switch text.lowercased() {
            case "true", "1", "on": dataChannels = true
            case "false", "0", "off": dataChannels = false
            default: throw .invalidConfiguration("dataChannels: \"\(text)\" is not true or false")
            }
        case "dataChannelMaxMessageSize":
            // usrsctp reassembles in memory: bounded by what a session may hold.
            dataChannelLimits.maxMessageSize = try Self.int(text, key: key, min: 1)
            guard dataChannelLimits.maxMessageSize <= 1 << 24 else {
                throw .invalidConfiguration("dataChannelMaxMessageSize: at most 16777216")
            }
        case "dataChannelMessagesPerSecond": dataChannelLimits.messagesPerSecond = try Self.int(text, key: key, min: 1)
        case "dataChannelMaxBytesPerSession":
            dataChannelLimits.maxBytesPerSession = UInt64(try Self.int(text, key: key, min: 0))
        case "dataChannelMaxChannels":
            dataChannelLimits.maxChannels = try Self.int(text, key: key, min: 1)
            guard dataChannelLimits.maxChannels <= 1024 else {
                throw .invalidConfiguration("dataChannelMaxChannels: at most 1024 (the SCTP streams Capstan offers)")
            }
        case "maxSessions": maxSessions = try Self.int(text, key: key, min: 1)
        case "maxSDPBytes": maxSDPBytes = try Self.int(text, key: key, min: 1024)
        case "maxSignallingMessageBytes": maxSignallingMessageBytes = try Self.int(text, key: key, min: 1024)
        case "maxSessionDurationSeconds": maxSessionDurationSeconds = try Self.int(text, key: key, min: 1)
        case "ringTimeoutSeconds": ringTimeoutSeconds = try Self.int(text, key: key, min: 1)
        case "negotiationTimeoutSeconds": negotiationTimeoutSeconds = try Self.int(text, key: key, min: 1)
        case "consentTimeoutSeconds": consentTimeoutSeconds = try Self.int(text, key: key, min: 1)
        case "mediaReadIntervalMs":
            mediaReadIntervalMs = try Self.int(text, key: key, min: 0)
            guard mediaReadIntervalMs <= 50 else { throw .invalidConfiguration("mediaReadIntervalMs: \(text) is over 50") }
        default: throw .invalidConfiguration("unknown key \"\(key)\" (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Reads `tokenFile`: one line is the token for both scopes; a JSON
    /// object may name `token`, `publishToken` and `adminToken`.
    mutating func readTokens(from path: String) throws(ServerError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .invalidConfiguration("tokenFile: cannot read \(path): \(error.localizedDescription)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONDecoder().decode([String: String].self, from: Data(trimmed.utf8)) else {
                throw .invalidConfiguration("tokenFile: \(path) is not a JSON object of strings")
            }
            for key in object.keys where !["token", "publishToken", "adminToken"].contains(key) {
                throw .invalidConfiguration("tokenFile: unknown key \"\(key)\" (known: token, publishToken, adminToken)")
            }
            if let value = object["token"] { token = value }
            if let value = object["publishToken"] { publishToken = value }
            if let value = object["adminToken"] { adminToken = value }
        } else {
            guard !trimmed.isEmpty, !trimmed.contains("\n") else {
                throw .invalidConfiguration("tokenFile: \(path) must hold one line (the token) or a JSON object")
            }
            token = trimmed
        }
    }

    /// Reads `turnSecretFile`: one line, the secret.
    mutating func readTURNSecret(from path: String) throws(ServerError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .invalidConfiguration("turnSecretFile: cannot read \(path): \(error.localizedDescription)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains("\n") else {
            throw .invalidConfiguration("turnSecretFile: \(path) must hold one line (the secret)")
        }
        turnSecret = trimmed
    }

    /// `VP8,H264`: names of implemented video codecs, each once, at least one.
    private static func videoCodecs(_ text: String, key: String) throws(ServerError) -> [SupportedCodec] {
        let implemented = SupportedCodec.recordableVideo.map(\.rawValue).joined(separator: ", ")
        var codecs: [SupportedCodec] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let codec = SupportedCodec(videoName: name), SupportedCodec.recordableVideo.contains(codec) else {
                let known = SupportedCodec(videoName: name) != nil
                throw .invalidConfiguration("\(key): \"\(name)\" is \(known ? "not implemented yet" : "not a video codec")"
                    + " (implemented: \(implemented))")
            }
            guard !codecs.contains(codec) else { throw .invalidConfiguration("\(key): \(name) is listed twice") }
            codecs.append(codec)
        }
        guard !codecs.isEmpty else { throw .invalidConfiguration("\(key): name at least one of \(implemented)") }
        return codecs
    }

    private static func int(_ text: String, key: String, min: Int) throws(ServerError) -> Int {
        guard let value = Int(text), value >= min else {
            throw .invalidConfiguration("\(key): \"\(text)\" is not a whole number ≥ \(min)")
        }
        return value
    }

    /// Reads a JSON object file: every key must be known and every value
    /// well-typed (strings, whole numbers, or lists of strings for lists).
    public mutating func apply(file path: String) throws(ServerError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .invalidConfiguration("cannot read \(path): \(error.localizedDescription)")
        }
        let object: [String: ConfigValue]
        do { object = try JSONDecoder().decode([String: ConfigValue].self, from: data) } catch {
            throw .invalidConfiguration("\(path) is not a JSON object of settings: \(error)")
        }
        var settings = object
        if let turn = settings.removeValue(forKey: "turn") {
            // The issue's nested form: `turn: {urls, secret | secretFile, ttlSeconds, realm}`,
            // the same settings as the flat `turn*` keys (one form or the other, not both).
            guard case .object(let members) = turn else {
                throw .invalidConfiguration("\(path): turn: unsupported value (expected an object with urls, secret or secretFile, ttlSeconds, realm)")
            }
            for (member, value) in members {
                guard let key = Self.turnMembers[member] else {
                    throw .invalidConfiguration("\(path): turn: unknown member \"\(member)\" (known: \(Self.turnMembers.keys.sorted().joined(separator: ", ")))")
                }
                guard settings[key] == nil else {
                    throw .invalidConfiguration("\(path): turn.\(member) and \(key) are both set: use one form")
                }
                settings[key] = value
            }
        }
        for key in settings.keys.sorted() {
            let text: String
            switch settings[key]! {
            case .string(let string): text = string
            case .number(let number):
                guard number == number.rounded(), abs(number) < 1e15 else {
                    throw .invalidConfiguration("\(path): \(key): \(number) is not a whole number")
                }
                text = String(Int(number))
            case .list(let list) where Self.listKeys.contains(key):
                text = list.joined(separator: ",")
            case .null where Self.nullableKeys.contains(key): text = ""
            case .bool(let value) where Self.boolKeys.contains(key): text = value ? "true" : "false"
            default:
                throw .invalidConfiguration("\(path): \(key): unsupported value (expected \(Self.expectedType(of: key)))")
            }
            do { try set(key, text: text) } catch { throw .invalidConfiguration("\(path): \(error.message)") }
        }
    }

    /// The members of the nested `turn` object and the flat keys they stand for.
    static let turnMembers = ["urls": "turnURLs", "secret": "turnSecret", "secretFile": "turnSecretFile",
                              "ttlSeconds": "turnTTLSeconds", "realm": "turnRealm"]
    static let boolKeys: Set = ["dataChannels"]
    static let listKeys: Set = ["announce", "iceServers", "allowedHosts", "allowedOrigins", "videoCodecs", "turnURLs"]
    static let nullableKeys: Set = ["token", "publishToken", "adminToken", "tokenFile", "turnSecret", "turnSecretFile",
                                    "turnRealm"]

    private static func expectedType(of key: String) -> String {
        switch key {
        case _ where listKeys.contains(key): "a list of strings"
        case _ where nullableKeys.contains(key): "a string or null"
        case "mediaTCP": "same, off or a port number"
        case _ where boolKeys.contains(key): "true or false"
        case _ where key.hasPrefix("dataChannel"): "a whole number"
        case _ where key.hasPrefix("max") || key.hasPrefix("min") || key.hasPrefix("tcpMax") || key.hasSuffix("Seconds") || key.hasSuffix("Ms"): "a whole number"
        default: "a string"
        }
    }

    /// Applies every `CAPSTAN_*` variable; an unknown `CAPSTAN_*` name is an error.
    public mutating func apply(environment: [String: String]) throws(ServerError) {
        let names = Dictionary(uniqueKeysWithValues: Self.keys.map { (Self.environmentName(for: $0), $0) })
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("CAPSTAN_") {
            guard let key = names[name] else {
                throw .invalidConfiguration("unknown environment variable \(name) (known: \(names.keys.sorted().joined(separator: ", ")))")
            }
            do { try set(key, text: value) } catch { throw .invalidConfiguration("\(name): \(error.message)") }
        }
    }

    /// Checks relations between values after all sources were applied.
    public func validate() throws(ServerError) {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else {
            throw .invalidConfiguration("logLevel: \"\(logLevel)\" is not one of \(levels.joined(separator: ", "))")
        }
        if media.host == "0.0.0.0" || media.host == "::", announce.isEmpty {
            throw .invalidConfiguration("media listens on \(media.host): set announce to the address peers reach")
        }
        for address in announce where address.isEmpty {
            throw .invalidConfiguration("announce: empty address")
        }
        if tokens.publish != nil, tokens.admin == nil {
            throw .invalidConfiguration("publishToken is set but no adminToken (or token): the admin API would be open; set adminToken")
        }
        for url in turnURLs where !(url.hasPrefix("turn:") || url.hasPrefix("turns:")) || url.count < 7 {
            throw .invalidConfiguration("turnURLs: \"\(url)\" is not a turn: or turns: URL")
        }
        if !turnURLs.isEmpty, turnSecret == nil {
            throw .invalidConfiguration("turnURLs is set but no turnSecret (or turnSecretFile): credentials cannot be minted")
        }
        if turnSecret != nil, turnURLs.isEmpty {
            throw .invalidConfiguration("turnSecret is set but no turnURLs")
        }
        for origin in allowedOrigins where origin != "*" {
            guard AccessPolicy.authority(ofOrigin: AccessPolicy.normalizeOrigin(origin)) != nil else {
                throw .invalidConfiguration("allowedOrigins: \"\(origin)\" is not scheme://host[:port]")
            }
        }
    }

    /// Addresses for host candidates.
    public var candidateAddresses: [String] {
        announce.isEmpty ? [media.host] : announce
    }
}

/// A JSON value a configuration file may hold.
enum ConfigValue: Decodable, Sendable {
    case string(String), number(Double), bool(Bool), null, list([String]), other
    /// Only the `turn` setting is an object; its members are flat values.
    indirect case object([String: ConfigValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([String].self) { self = .list(value) }
        else if decoder.codingPath.count <= 1,
                let value = try? container.decode([String: ConfigValue].self) { self = .object(value) }
        else { self = .other }
    }
}

extension ServerError {
    var message: String {
        switch self {
        case .invalidConfiguration(let message): message
        }
    }
}
