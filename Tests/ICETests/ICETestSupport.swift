import ICE
import STUN
import Testing

let ms: UInt64 = 1_000_000
let sec: UInt64 = 1_000_000_000

enum Creds {
    static let liteUfrag = "LiTe", litePassword = "lite-password-0123456789"
    static let peerUfrag = "PeeR", peerPassword = "peer-password-0123456789"
}

/// An ICE-lite agent and a controlling agent joined by an in-memory network.
struct Harness {
    var lite: ICELiteAgent
    var peer: ICEControllingAgent
    let liteAddress = IPEndpoint("10.0.0.1:5000")!
    var peerAddress = IPEndpoint("192.168.1.2:6000")!
    var now: UInt64 = 0
    /// When true every datagram is lost (an outage).
    var outage = false
    var connected: [IPEndpoint] = []
    var failures: [ICEFailureReason] = []
    var liteActions: [ICELiteAction] = []
    var liteEvents: [(UInt64, ICELiteEvent)] = []
    var sendTimes: [UInt64] = []

    init(lite: ICELiteAgent = ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword,
                                           remoteUfrag: Creds.peerUfrag, remotePassword: Creds.peerPassword),
         peerRemoteUfrag: String = Creds.liteUfrag, peerRemotePassword: String = Creds.litePassword,
         configuration: ICEControllingConfiguration = ICEControllingConfiguration()) {
        self.lite = lite
        self.peer = ICEControllingAgent(localUfrag: Creds.peerUfrag, localPassword: Creds.peerPassword,
                                        remoteUfrag: peerRemoteUfrag, remotePassword: peerRemotePassword,
                                        tieBreaker: 0x1234_5678_9ABC_DEF0, configuration: configuration)
    }

    /// Delivers `actions` of the controlling agent, and the lite agent's replies, until quiet.
    mutating func run(_ actions: [ICEControllingAction]) {
        var queue = actions
        while !queue.isEmpty {
            let action = queue.removeFirst()
            switch action {
            case .connected(let r): connected.append(r)
            case .failed(let f): failures.append(f)
            case .send(let bytes, let to):
                sendTimes.append(now)
                guard !outage, to == liteAddress else { continue }
                let reply = bytes.withUnsafeBytes { lite.handle($0, from: peerAddress, now: now) }
                liteActions.append(reply)
                switch reply {
                case .respond(let b, let dst), .respondAndSelect(let b, let dst, _), .error(let b, let dst):
                    #expect(dst == peerAddress)
                    queue += b.withUnsafeBytes { peer.handle($0, from: liteAddress, now: now) }
                case .drop:
                    break
                }
            }
        }
    }

    mutating func start(_ candidates: [IPEndpoint]? = nil) {
        run(peer.start(remoteCandidates: candidates ?? [liteAddress], now: now))
    }

    /// Advances the clock to `end` in `step`s, polling both agents.
    mutating func advance(to end: UInt64, step: UInt64 = 100 * ms) {
        while now < end {
            now = min(end, now + step)
            run(peer.poll(now: now))
            if let e = lite.poll(now: now) { liteEvents.append((now, e)) }
        }
    }
}

/// A Binding request as a controlling peer would send it, with parts removable for error tests.
func checkRequest(username: String? = "\(Creds.liteUfrag):\(Creds.peerUfrag)", priority: Bool = true,
                  controlling: Bool = true, controlled: Bool = false, useCandidate: Bool = false,
                  extra: [STUNAttribute] = [], key: String? = Creds.litePassword, fingerprint: Bool = true,
                  type: STUNMessageType = .bindingRequest) -> (STUNMessage, [UInt8]) {
    var attributes: [STUNAttribute] = []
    if let username { attributes.append(.username(username)) }
    if priority { attributes.append(.priority(0x6E00_01FF)) }
    if controlling { attributes.append(.iceControlling(42)) }
    if controlled { attributes.append(.iceControlled(42)) }
    if useCandidate { attributes.append(.useCandidate) }
    attributes += extra
    let m = STUNMessage(type: type, attributes: attributes)
    return (m, m.serialize(integrityKey: key.map { Array($0.utf8) }, fingerprint: fingerprint))
}
