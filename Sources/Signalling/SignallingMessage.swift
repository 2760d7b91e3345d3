import Foundation

/// One WebSocket signalling message (DESIGN §3): a JSON object per text
/// frame, `type` first.
public struct SignallingMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case register
        case callInit = "call:init"
        case callAccept = "call:accept"
        case callReject = "call:reject"
        case callHangup = "call:hangup"
        /// Daemon → client: where the call's PeerSession is (`status`).
        case callStatus = "call:status"
        case offer, answer, candidate, error
    }

    public var type: Kind
    public var peerId: String?
    public var to: String?
    public var from: String?
    public var reason: String?
    public var sdp: String?
    public var candidate: String?
    public var sdpMid: String?
    public var sdpMLineIndex: Int?
    /// Set on messages about a daemon session (`call:*`, `answer`, `offer`).
    public var sessionId: String?
    /// On `call:init` from a client: the session's mode (`record`, `loopback`,
    /// `record+loopback`), as WHIP's `?mode=`; the daemon's mode when absent.
    public var mode: String?
    /// On the daemon's `register` acknowledgement: STUN/TURN servers for the
    /// client's RTCPeerConnection (TURN with short-lived credentials).
    public var iceServers: [ICEServer]?
    /// On `call:status`: `negotiating`, `active`, `ending` or `ended`.
    public var status: String?
    /// On `call:status` `active`: the ICE candidate pair in use.
    public var selectedPair: CandidatePair?
    /// On `call:status` `ended`: seconds from `active` to the end (0 when
    /// the call never became active).
    public var durationSeconds: Double?

    public init(type: Kind, peerId: String? = nil, to: String? = nil, from: String? = nil, reason: String? = nil,
                sdp: String? = nil, candidate: String? = nil, sdpMid: String? = nil, sdpMLineIndex: Int? = nil,
                sessionId: String? = nil, mode: String? = nil, iceServers: [ICEServer]? = nil,
                status: String? = nil, selectedPair: CandidatePair? = nil, durationSeconds: Double? = nil) {
        self.type = type
        self.peerId = peerId
        self.to = to
        self.from = from
        self.reason = reason
        self.sdp = sdp
        self.candidate = candidate
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self.sessionId = sessionId
        self.mode = mode
        self.iceServers = iceServers
        self.status = status
        self.selectedPair = selectedPair
        self.durationSeconds = durationSeconds
    }

    /// One entry of `RTCConfiguration.iceServers` (W3C webrtc-pc), as JSON.
    public struct ICEServer: Codable, Sendable, Equatable {
        public var urls: [String]
        public var username: String?
        public var credential: String?

        public init(urls: [String], username: String? = nil, credential: String? = nil) {
            self.urls = urls
            self.username = username
            self.credential = credential
        }
    }

    /// The selected ICE pair: our address and the peer's, `host:port`.
    public struct CandidatePair: Codable, Sendable, Equatable {
        public var local: String
        public var remote: String

        public init(local: String, remote: String) {
            self.local = local
            self.remote = remote
        }
    }

    /// The daemon's own peer id.
    public static let daemonPeerID = "capstan"

    public static func error(_ reason: String) -> SignallingMessage {
        SignallingMessage(type: .error, reason: reason)
    }
}

extension SignallingMessage {
    /// Why a text frame is not a signalling message: a short description for
    /// the `error` reply.
    public struct DecodingFailure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Decodes one text frame (peer input: any bytes). Throws `DecodingFailure`
    /// for malformed JSON, an unknown `type` or fields of the wrong type;
    /// never traps.
    public static func decode(_ text: String) throws(DecodingFailure) -> SignallingMessage {
        do {
            return try JSONDecoder().decode(SignallingMessage.self, from: Data(text.utf8))
        } catch {
            throw DecodingFailure(description: describe(error))
        }
    }

    /// The peer id a connection's first message names: `peerId` of a
    /// `register`, `from` of a `call:init`; nil for anything else or an
    /// invalid id.
    public var registeringPeerID: String? {
        let name = type == .register ? peerId : (type == .callInit ? from : nil)
        guard let name, Self.isValidPeerID(name) else { return nil }
        return name
    }

    /// 1–64 ASCII letters, digits, `-`, `_`, `.`; never the daemon's own id.
    public static func isValidPeerID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id != daemonPeerID
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
