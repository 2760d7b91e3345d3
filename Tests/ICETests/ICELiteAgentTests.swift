import ICE
import STUN
import Testing

struct ICELiteAgentTests {
    static let from = IPEndpoint("[2001:db8::7]:61000")!

    func newAgent() -> ICELiteAgent {
        ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword,
                     remoteUfrag: Creds.peerUfrag, remotePassword: Creds.peerPassword)
    }

    @Test("a valid check is answered: XOR-MAPPED-ADDRESS of the sender, integrity under the local password, fingerprint")
    func validCheck() throws {
        var agent = newAgent()
        let (request, bytes) = checkRequest()
        let action = bytes.withUnsafeBytes { agent.handle($0, from: Self.from, now: 7) }
        guard case .respond(let reply, let to) = action else { Issue.record("got \(action)"); return }
        #expect(to == Self.from)
        let response = try STUNMessage(parsing: reply)
        #expect(response.type == .bindingSuccess)
        #expect(response.transactionID == request.transactionID)
        #expect(response.xorMappedAddress == Self.from)
        reply.withUnsafeBytes { raw in
            #expect(STUNMessage.verifyIntegrity(raw, key: Array(Creds.litePassword.utf8)))
            #expect(STUNMessage.verifyFingerprint(raw))
        }
        #expect(agent.selected == nil, "no USE-CANDIDATE, no selection")
        #expect(agent.responsesSent == 1)
    }

    @Test("USE-CANDIDATE selects the sender once; a repeat only responds")
    func nomination() {
        var agent = newAgent()
        let (_, bytes) = checkRequest(useCandidate: true)
        let first = bytes.withUnsafeBytes { agent.handle($0, from: Self.from, now: 1) }
        guard case .respondAndSelect(_, let to, let selected) = first else { Issue.record("got \(first)"); return }
        #expect(to == Self.from && selected == Self.from)
        #expect(agent.selected == Self.from)
        #expect(agent.lastConsentAt == 1)
        let again = bytes.withUnsafeBytes { agent.handle($0, from: Self.from, now: 2) }
        guard case .respond = again else { Issue.record("got \(again)"); return }
        #expect(agent.lastConsentAt == 2)
    }

    enum Expect: Equatable, Sendable, CustomTestStringConvertible {
        case error(Int, authenticated: Bool)
        case drop(ICEDropReason)
        var testDescription: String {
            switch self {
            case .error(let c, let a): "error \(c)\(a ? " with MI" : "")"
            case .drop(let r): "drop \(r.rawValue)"
            }
        }
    }

    static let cases: [(String, [UInt8], Expect)] = [
        ("no USERNAME", checkRequest(username: nil).1, .error(400, authenticated: false)),
        ("no MESSAGE-INTEGRITY", checkRequest(key: nil).1, .error(400, authenticated: false)),
        ("wrong password", checkRequest(key: "not-the-password-012345").1, .error(401, authenticated: false)),
        ("wrong remote ufrag", checkRequest(username: "\(Creds.liteUfrag):Other").1, .error(401, authenticated: false)),
        ("USERNAME without a colon", checkRequest(username: Creds.liteUfrag).1, .error(401, authenticated: false)),
        ("no PRIORITY", checkRequest(priority: false).1, .error(400, authenticated: true)),
        ("no role attribute", checkRequest(controlling: false).1, .error(400, authenticated: true)),
        ("ICE-CONTROLLED (role conflict)", checkRequest(controlling: false, controlled: true).1, .error(487, authenticated: true)),
        ("unknown comprehension-required attribute",
         checkRequest(extra: [.unknown(type: 0x0031, value: [1])]).1, .error(420, authenticated: true)),
        ("wrong local ufrag", checkRequest(username: "Other:\(Creds.peerUfrag)").1, .drop(.wrongUfrag)),
        ("empty USERNAME", checkRequest(username: "").1, .drop(.wrongUfrag)),
        ("local ufrag prefix only", checkRequest(username: "LiT:\(Creds.peerUfrag)").1, .drop(.wrongUfrag)),
        ("indication", checkRequest(type: .bindingIndication).1, .drop(.indication)),
        ("success response", checkRequest(type: .bindingSuccess).1, .drop(.notRequest)),
        ("error response", checkRequest(type: .bindingError).1, .drop(.notRequest)),
        ("other method", checkRequest(type: STUNMessageType(method: STUNMethod(rawValue: 0x003), messageClass: .request)).1,
         .drop(.unsupportedMethod)),
        ("not STUN (RTP-like)", [0x80, 0x60] + [UInt8](repeating: 0, count: 30), .drop(.notSTUN)),
        ("empty datagram", [], .drop(.notSTUN)),
        ("malformed attribute", [0, 1, 0, 8, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 9, count: 12)
            + [0x00, 0x24, 0x00, 0x03, 0, 0, 0, 0], .drop(.malformed)),
        ("bad fingerprint", { var b = checkRequest().1; b[b.count - 1] ^= 0xFF; return b }(), .drop(.badFingerprint)),
    ]

    @Test("bad requests get the RFC's error response or are dropped", arguments: cases)
    func badRequests(name: String, bytes: [UInt8], expected: Expect) throws {
        var agent = newAgent()
        let action = bytes.withUnsafeBytes { agent.handle($0, from: Self.from, now: 1) }
        switch (action, expected) {
        case (.error(let reply, let to), .error(let code, let authenticated)):
            #expect(to == Self.from)
            let m = try STUNMessage(parsing: reply)
            #expect(m.type == .bindingError)
            #expect(m.errorCode?.code == code, "\(name)")
            #expect((m.messageIntegrity != nil) == authenticated, "\(name)")
            reply.withUnsafeBytes { raw in
                #expect(STUNMessage.verifyFingerprint(raw))
                if authenticated { #expect(STUNMessage.verifyIntegrity(raw, key: Array(Creds.litePassword.utf8))) }
            }
            if code == 420 { #expect(m.attributes.contains(.unknownAttributes([0x0031]))) }
            #expect(agent.errorResponsesSent[code] == 1)
        case (.drop(let reason), .drop(let want)):
            #expect(reason == want, "\(name)")
            #expect(agent.dropCount(want) == 1)
            #expect(agent.dropCounts.values.reduce(0, +) == 1)
        default:
            Issue.record("\(name): got \(action), expected \(expected)")
        }
        #expect(agent.selected == nil)
        #expect(agent.responsesSent == 0)
    }

    @Test("a missing FINGERPRINT is tolerated")
    func noFingerprint() {
        var agent = newAgent()
        let (_, bytes) = checkRequest(fingerprint: false)
        let action = bytes.withUnsafeBytes { agent.handle($0, from: Self.from, now: 1) }
        guard case .respond = action else { Issue.record("got \(action)"); return }
    }

    @Test("without the remote ufrag any second USERNAME part is accepted; once set it is enforced")
    func lateRemoteCredentials() {
        var agent = ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword)
        let (_, bytes) = checkRequest(username: "\(Creds.liteUfrag):Whoever")
        guard case .respond = bytes.withUnsafeBytes({ agent.handle($0, from: Self.from, now: 1) }) else {
            Issue.record("expected a response"); return
        }
        agent.setRemoteCredentials(ufrag: Creds.peerUfrag, password: Creds.peerPassword)
        guard case .error = bytes.withUnsafeBytes({ agent.handle($0, from: Self.from, now: 2) }) else {
            Issue.record("expected 401"); return
        }
    }

    @Test("drop reasons have stable metric names")
    func dropNames() {
        #expect(ICEDropReason.allCases.map(\.rawValue) == [
            "not_stun", "malformed", "bad_fingerprint", "not_request", "indication", "unsupported_method", "wrong_ufrag",
        ])
        let agent = newAgent()
        #expect(agent.dropCounts.count == ICEDropReason.allCases.count)
        #expect(agent.dropCounts.values.allSatisfy { $0 == 0 })
    }

    @Test("consent: nothing before a selection; lost once after the timeout; refreshed by checks")
    func consentTimer() {
        var agent = ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword,
                                 consentTimeoutNs: 10 * sec)
        #expect(agent.poll(now: 100 * sec) == nil)
        #expect(agent.nextDeadline == nil)
        let (_, nominate) = checkRequest(username: "\(Creds.liteUfrag):x", useCandidate: true)
        _ = nominate.withUnsafeBytes { agent.handle($0, from: Self.from, now: 100 * sec) }
        #expect(agent.nextDeadline == 110 * sec)
        let (_, check) = checkRequest(username: "\(Creds.liteUfrag):x")
        _ = check.withUnsafeBytes { agent.handle($0, from: Self.from, now: 105 * sec) }
        #expect(agent.poll(now: 114 * sec) == nil)
        // A check from another address does not refresh consent of the selected one.
        _ = check.withUnsafeBytes { agent.handle($0, from: IPEndpoint("1.1.1.1:1")!, now: 114 * sec) }
        #expect(agent.lastConsentAt == 105 * sec)
        #expect(agent.poll(now: 115 * sec - 1) == nil)
        #expect(agent.poll(now: 115 * sec) == .consentLost)
        #expect(agent.poll(now: 116 * sec) == nil, "reported once")
    }

    @Test("consent: a peer that checks but never nominates loses consent when its checks stop (attack: sessions that never end)")
    func consentWithoutNomination() {
        var agent = ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword,
                                 consentTimeoutNs: 10 * sec)
        let (_, check) = checkRequest(username: "\(Creds.liteUfrag):x")
        _ = check.withUnsafeBytes { agent.handle($0, from: Self.from, now: 100 * sec) }
        #expect(agent.selected == nil)
        #expect(agent.nextDeadline == 110 * sec, "armed by the first valid check")
        _ = check.withUnsafeBytes { agent.handle($0, from: Self.from, now: 104 * sec) }
        #expect(agent.poll(now: 113 * sec) == nil)
        #expect(agent.poll(now: 114 * sec) == .consentLost)
        // An invalid check (wrong password) arms nothing.
        var fresh = ICELiteAgent(localUfrag: Creds.liteUfrag, localPassword: Creds.litePassword,
                                 consentTimeoutNs: 10 * sec)
        let (_, forged) = checkRequest(username: "\(Creds.liteUfrag):x", key: "wrong-password-wrong-pw")
        _ = forged.withUnsafeBytes { fresh.handle($0, from: Self.from, now: 100 * sec) }
        #expect(fresh.nextDeadline == nil)
    }
}
