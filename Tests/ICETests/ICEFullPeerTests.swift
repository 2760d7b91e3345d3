import ICE
import STUN
import Testing

/// The controlling agent against a *full* ICE peer (issue 13): the remote's checks, peer-reflexive
/// addresses, triggered checks, role conflicts (RFC 8445 §7.3, §7.2.5.1).
@Suite("ICEControllingAgent toward a full ICE peer")
struct ICEFullPeerTests {
    let remoteAddress = IPEndpoint("10.0.0.1:5000")!
    let reflexive = IPEndpoint("10.0.0.1:5002")!
    static let ourTieBreaker: UInt64 = 0x8000_0000_0000_0000

    func agent() -> ICEControllingAgent {
        ICEControllingAgent(localUfrag: Creds.peerUfrag, localPassword: Creds.peerPassword,
                            remoteUfrag: Creds.liteUfrag, remotePassword: Creds.litePassword,
                            tieBreaker: Self.ourTieBreaker)
    }

    /// A check from the remote agent to us (USERNAME ours:theirs, our password).
    func remoteCheck(_ role: STUNAttribute, useCandidate: Bool = false) -> [UInt8] {
        var attributes: [STUNAttribute] = [.username("\(Creds.peerUfrag):\(Creds.liteUfrag)"), .priority(1), role]
        if useCandidate { attributes.append(.useCandidate) }
        return STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: attributes)
            .serialize(integrityKey: Array(Creds.peerPassword.utf8), fingerprint: true)
    }

    func sends(_ actions: [ICEControllingAction]) -> [(STUNMessage, IPEndpoint)] {
        actions.compactMap { action in
            guard case .send(let bytes, let to) = action, let m = try? bytes.withUnsafeBytes({ try STUNMessage(parsing: $0) })
            else { return nil }
            return (m, to)
        }
    }

    @Test("a check from an address the answer did not list is answered and checked back (peer-reflexive, triggered check)")
    func triggeredCheck() {
        var agent = agent()
        _ = agent.start(remoteCandidates: [remoteAddress], now: 0)
        let actions = remoteCheck(.iceControlled(1)).withUnsafeBytes { agent.handle($0, from: reflexive, now: 1) }
        let out = sends(actions)
        #expect(out.count == 2, "\(actions)")
        #expect(out.first?.0.type == .bindingSuccess && out.first?.1 == reflexive)
        #expect(out.last?.0.type == .bindingRequest && out.last?.1 == reflexive)
        #expect(out.last?.0.iceControlling == Self.ourTieBreaker)
        #expect(agent.peerReflexive == [reflexive])
        #expect(agent.requestsAnswered == 1)
        // Its success nominates that pair (regular nomination: a second check with USE-CANDIDATE).
        let check = out.last!.0
        let success = STUNMessage(type: .bindingSuccess, transactionID: check.transactionID,
                                  attributes: [.xorMappedAddress(IPEndpoint("10.0.0.9:6000")!)])
            .serialize(integrityKey: Array(Creds.litePassword.utf8), fingerprint: true)
        let next = sends(success.withUnsafeBytes { agent.handle($0, from: reflexive, now: 2) })
        #expect(next.count == 1 && next[0].0.useCandidate && next[0].1 == reflexive)
    }

    @Test("role conflict, both controlling: ours larger → 487 and we stay controlling; theirs larger → we become controlled and follow their USE-CANDIDATE")
    func roleConflict() {
        var agent = agent()
        _ = agent.start(remoteCandidates: [remoteAddress], now: 0)
        var out = sends(remoteCheck(.iceControlling(1)).withUnsafeBytes { agent.handle($0, from: remoteAddress, now: 1) })
        #expect(out.count == 1 && out[0].0.type == .bindingError && out[0].0.errorCode?.code == 487)
        #expect(agent.isControlling && agent.roleConflictsSent == 1)

        let actions = remoteCheck(.iceControlling(.max), useCandidate: true)
            .withUnsafeBytes { agent.handle($0, from: remoteAddress, now: 2) }
        out = sends(actions)
        #expect(!agent.isControlling)
        #expect(out.first?.0.type == .bindingSuccess)
        #expect(actions.contains(.connected(remoteAddress)), "\(actions)")
        #expect(agent.connectedRemote == remoteAddress)
    }

    @Test("a 487 to our check: we switch role and check again as controlled")
    func roleConflictResponse() throws {
        var agent = agent()
        let first = sends(agent.start(remoteCandidates: [remoteAddress], now: 0))
        let check = try #require(first.first?.0)
        let error = STUNMessage(type: .bindingError, transactionID: check.transactionID,
                                attributes: [.errorCode(.roleConflict)])
            .serialize(integrityKey: Array(Creds.litePassword.utf8), fingerprint: true)
        let again = sends(error.withUnsafeBytes { agent.handle($0, from: remoteAddress, now: 1) })
        #expect(!agent.isControlling)
        #expect(again.count == 1 && again[0].0.iceControlled == Self.ourTieBreaker && !again[0].0.useCandidate)
    }

    @Test("a check with a wrong password is ignored: no answer, no triggered check")
    func unauthenticated() {
        var agent = agent()
        _ = agent.start(remoteCandidates: [remoteAddress], now: 0)
        let forged = STUNMessage(type: .bindingRequest, transactionID: .random(),
                                 attributes: [.username("\(Creds.peerUfrag):\(Creds.liteUfrag)"), .priority(1), .iceControlled(1)])
            .serialize(integrityKey: Array("not-the-password-at-all".utf8), fingerprint: true)
        #expect(forged.withUnsafeBytes { agent.handle($0, from: reflexive, now: 1) }.isEmpty)
        #expect(agent.peerReflexive.isEmpty)
    }
}
