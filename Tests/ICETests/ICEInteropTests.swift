import ICE
import STUN
import Testing

/// ICELiteAgent ↔ ICEControllingAgent in memory, with an injected clock.
struct ICEInteropTests {
    @Test("connect to a single candidate: nominated on the first check")
    func connect() {
        var h = Harness()
        h.start()
        #expect(h.connected == [h.liteAddress])
        #expect(h.lite.selected == h.peerAddress)
        #expect(h.peer.connectedRemote == h.liteAddress)
        #expect(h.peer.mappedAddress == h.peerAddress)
        #expect(h.sendTimes.count == 1)
        guard case .respondAndSelect = h.liteActions.first else { Issue.record("\(h.liteActions)"); return }
    }

    @Test("several candidates: a plain check first, then regular nomination of the pair that worked")
    func regularNomination() {
        var h = Harness()
        let unreachable = IPEndpoint("[2001:db8::99]:5000")!
        h.start([unreachable, h.liteAddress])
        #expect(h.connected == [h.liteAddress])
        #expect(h.liteActions.count == 2)
        guard case .respond = h.liteActions[0], case .respondAndSelect = h.liteActions[1] else {
            Issue.record("\(h.liteActions)"); return
        }
        // The unreachable candidate's check is cancelled: no more retransmissions to it.
        let before = h.sendTimes.count
        h.advance(to: 3 * sec)
        #expect(h.sendTimes.count == before)
        #expect(h.failures.isEmpty)
    }

    @Test("wrong password: 401, not connected, the peer fails")
    func wrongPassword() {
        var h = Harness(peerRemotePassword: "wrong-password-0123456789")
        h.start()
        #expect(h.connected.isEmpty)
        #expect(h.lite.selected == nil)
        #expect(h.lite.errorResponsesSent[401] == 1)
        #expect(h.failures == [.checksFailed(errorCode: 401)])
    }

    @Test("wrong ufrag: dropped, never connected, the peer times out")
    func wrongUfrag() {
        var h = Harness(peerRemoteUfrag: "Nope")
        h.start()
        h.advance(to: 11 * sec)
        #expect(h.connected.isEmpty)
        #expect(h.lite.selected == nil)
        #expect(h.lite.dropCount(.wrongUfrag) == UInt64(h.sendTimes.count))
        #expect(h.lite.dropCount(.wrongUfrag) >= 4)
        #expect(h.failures == [.timeout])
    }

    @Test("retransmissions follow RFC 8489 §6.2.1 (RTO 500 ms, Rc 7, Rm 16)")
    func retransmissionSchedule() {
        var h = Harness(configuration: ICEControllingConfiguration(connectTimeoutNs: 60 * sec))
        h.outage = true
        h.start()
        h.advance(to: 50 * sec, step: 10 * ms)
        #expect(h.sendTimes == [0, 500, 1500, 3500, 7500, 15500, 31500].map { $0 * ms })
        #expect(h.failures == [.timeout])
        #expect(h.peer.hasFailed)
    }

    @Test("a changed nominated address is followed (NAT rebinding)")
    func nominationChange() {
        var h = Harness()
        h.start()
        #expect(h.lite.selected == h.peerAddress)
        let old = h.peerAddress
        // The same peer now comes from a new port and nominates again.
        h.peerAddress = IPEndpoint("192.168.1.2:6001")!
        h.now = 2 * sec
        var second = ICEControllingAgent(localUfrag: Creds.peerUfrag, localPassword: Creds.peerPassword,
                                         remoteUfrag: Creds.liteUfrag, remotePassword: Creds.litePassword, tieBreaker: 1)
        guard case .send(let bytes, _)? = second.start(remoteCandidates: [h.liteAddress], now: h.now).first else {
            Issue.record("no check"); return
        }
        let action = bytes.withUnsafeBytes { h.lite.handle($0, from: h.peerAddress, now: h.now) }
        guard case .respondAndSelect(_, _, let selected) = action else { Issue.record("got \(action)"); return }
        #expect(selected == h.peerAddress)
        #expect(h.lite.selected == h.peerAddress)
        #expect(h.lite.selected != old)
        #expect(h.lite.lastConsentAt == 2 * sec)
    }

    @Test("consent is kept alive while checks flow, for minutes")
    func consentKeptAlive() {
        var h = Harness()
        h.start()
        h.advance(to: 180 * sec)
        #expect(h.liteEvents.isEmpty)
        #expect(h.failures.isEmpty)
        #expect(h.lite.lastConsentAt.map { 180 * sec - $0 <= 6 * sec } == true)
        #expect(h.peer.lastConsentAt.map { 180 * sec - $0 <= 6 * sec } == true)
        // Consent checks every 4–6 s: 180 s gives 30 to 45 of them, all answered.
        let checks = h.sendTimes.count - 1
        #expect((30...45).contains(checks), "\(checks) consent checks")
        let gaps = zip(h.sendTimes.dropFirst(2), h.sendTimes.dropFirst()).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 4 * sec && $0 <= 6 * sec + 100 * ms }, "\(gaps)")
    }

    @Test("consent lost after the timeout on both sides when the path goes dark")
    func consentLost() {
        var h = Harness()
        h.start()
        h.advance(to: 10 * sec)
        let last = h.lite.lastConsentAt!
        h.outage = true
        h.advance(to: 60 * sec)
        #expect(h.liteEvents.count == 1)
        #expect(h.liteEvents.first?.0 == last + 30 * sec)
        #expect(h.liteEvents.first?.1 == .consentLost)
        #expect(h.failures == [.consentLost])
    }

    @Test("ICE restart: old credentials are dropped, the new ones connect and are followed")
    func restart() {
        var h = Harness()
        h.start()
        h.advance(to: 5 * sec)
        h.lite.restart(localUfrag: "NewL", localPassword: "new-lite-password-01234",
                       remoteUfrag: "NewP", remotePassword: "new-peer-password-01234")
        #expect(h.lite.selected == h.peerAddress, "the selection survives a restart")
        // The old agent's consent checks are now for a stale ufrag.
        h.advance(to: 12 * sec)
        #expect(h.lite.dropCount(.wrongUfrag) >= 1)
        var fresh = ICEControllingAgent(localUfrag: "NewP", localPassword: "new-peer-password-01234",
                                        remoteUfrag: "NewL", remotePassword: "new-lite-password-01234", tieBreaker: 9)
        let newAddress = IPEndpoint("192.168.1.2:7000")!
        guard case .send(let bytes, _)? = fresh.start(remoteCandidates: [h.liteAddress], now: h.now).first else {
            Issue.record("no check"); return
        }
        let action = bytes.withUnsafeBytes { h.lite.handle($0, from: newAddress, now: h.now) }
        guard case .respondAndSelect(let reply, _, _) = action else { Issue.record("got \(action)"); return }
        let result = reply.withUnsafeBytes { fresh.handle($0, from: h.liteAddress, now: h.now) }
        #expect(result == [.connected(h.liteAddress)])
        #expect(h.lite.selected == newAddress)
        #expect(h.lite.localUfrag == "NewL")
    }

    @Test("the controlling agent answers Binding requests with its own password")
    func controllingAnswers() throws {
        var agent = ICEControllingAgent(localUfrag: Creds.peerUfrag, localPassword: Creds.peerPassword,
                                        remoteUfrag: Creds.liteUfrag, remotePassword: Creds.litePassword, tieBreaker: 3)
        let from = IPEndpoint("10.9.8.7:1234")!
        let (request, good) = checkRequest(username: "\(Creds.peerUfrag):\(Creds.liteUfrag)", key: Creds.peerPassword)
        let actions = good.withUnsafeBytes { agent.handle($0, from: from, now: 0) }
        guard case .send(let reply, let to)? = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(to == from)
        let m = try STUNMessage(parsing: reply)
        #expect(m.type == .bindingSuccess && m.transactionID == request.transactionID && m.xorMappedAddress == from)
        reply.withUnsafeBytes { #expect(STUNMessage.verifyIntegrity($0, key: Array(Creds.peerPassword.utf8))) }
        let (_, bad) = checkRequest(username: "\(Creds.peerUfrag):\(Creds.liteUfrag)", key: Creds.litePassword)
        #expect(bad.withUnsafeBytes { agent.handle($0, from: from, now: 0) }.isEmpty)
        let (_, other) = checkRequest(username: "X:\(Creds.liteUfrag)", key: Creds.peerPassword)
        #expect(other.withUnsafeBytes { agent.handle($0, from: from, now: 0) }.isEmpty)
    }

    @Test("responses from the wrong address or with a bad integrity are ignored")
    func spoofedResponses() throws {
        var agent = ICEControllingAgent(localUfrag: Creds.peerUfrag, localPassword: Creds.peerPassword,
                                        remoteUfrag: Creds.liteUfrag, remotePassword: Creds.litePassword, tieBreaker: 3)
        let lite = IPEndpoint("10.0.0.1:5000")!
        guard case .send(let bytes, _)? = agent.start(remoteCandidates: [lite], now: 0).first else { return }
        let request = try STUNMessage(parsing: bytes)
        let forged = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                                 attributes: [.xorMappedAddress(lite)])
        let wrongKey = forged.serialize(integrityKey: Array("guess".utf8), fingerprint: true)
        #expect(wrongKey.withUnsafeBytes { agent.handle($0, from: lite, now: 1) }.isEmpty)
        let right = forged.serialize(integrityKey: Array(Creds.litePassword.utf8), fingerprint: true)
        #expect(right.withUnsafeBytes { agent.handle($0, from: IPEndpoint("10.0.0.2:5000")!, now: 1) }.isEmpty)
        #expect(right.withUnsafeBytes { agent.handle($0, from: lite, now: 1) } == [.connected(lite)])
    }

    @Test("credentials: generated ones validate; the RFC 8839 syntax is enforced", arguments: [
        ("abcd", "abcdefghijklmnopqrstuv", true),
        ("abc", "abcdefghijklmnopqrstuv", false),
        ("ab:d", "abcdefghijklmnopqrstuv", false),
        ("a+/d", "abcdefghijklmnopqrstu", false),
        ("a+/d", "abcdefghijklmnopqrst+/", true),
    ])
    func credentials(ufrag: String, password: String, valid: Bool) {
        #expect(((try? ICECredentials(ufrag: ufrag, password: password)) != nil) == valid)
        let g = ICECredentials.generate()
        #expect((try? ICECredentials(ufrag: g.ufrag, password: g.password)) == g)
        #expect(ICECredentials.generate() != g)
    }
}
