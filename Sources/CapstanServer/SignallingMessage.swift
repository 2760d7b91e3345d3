/// One WebSocket signalling message (DESIGN §3): a JSON object per text
/// frame, `type` first.
public struct SignallingMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case register
        case callInit = "call:init"
        case callAccept = "call:accept"
        case callReject = "call:reject"
        case callHangup = "call:hangup"
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

    public init(type: Kind, peerId: String? = nil, to: String? = nil, from: String? = nil, reason: String? = nil,
                sdp: String? = nil, candidate: String? = nil, sdpMid: String? = nil, sdpMLineIndex: Int? = nil,
                sessionId: String? = nil, mode: String? = nil) {
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
    }

    /// The daemon's own peer id.
    public static let daemonPeerID = "capstan"

    public static func error(_ reason: String) -> SignallingMessage {
        SignallingMessage(type: .error, reason: reason)
    }
}

/// Where a call's signalling goes (the SignallingInterface of DESIGN §2):
/// transport only, no call state. The WebSocket connection implements it;
/// WHIP answers in its HTTP response and needs none.
protocol SignallingChannel: AnyObject, Sendable {
    var peerID: String { get }
    func send(_ message: SignallingMessage)
}
