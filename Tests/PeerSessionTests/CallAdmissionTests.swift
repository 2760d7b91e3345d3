import PeerSession
import Testing

struct CallAdmissionTests {
    @Test("busy once the live calls reach the limit", arguments: [
        (0, 1, false), (1, 1, true), (2, 1, true),
        (0, 0, true), (9, 10, false), (10, 10, true), (0, -3, true),
    ])
    func busy(activeCalls: Int, limit: Int, busy: Bool) {
        #expect(CallAdmission.shouldRejectAsBusy(activeCalls: activeCalls, limit: limit) == busy)
        #expect(CallAdmission(maxActiveCalls: limit).decide(activeCalls: activeCalls) == (busy ? .reject(.busy) : .admit))
    }

    @Test("a second call:init while busy: the new session refuses with busy and ends busy")
    func secondInitWhileBusy() throws {
        let admission = CallAdmission(maxActiveCalls: 1)
        var first = newSession()
        try first.receiveCallInit(now: t0)
        try first.acceptCall(now: t0)
        let live = [first].filter { $0.state.isLive }.count
        guard case .reject(let reason) = admission.decide(activeCalls: live) else {
            Issue.record("admitted a second call"); return
        }
        var second = newSession()
        try second.receiveCallInit(now: t0 + sec)
        let actions = try second.rejectCall(reason: reason, now: t0 + sec)
        #expect(actions == [.notifyStateChanged(from: .incomingInit, to: .ended), .sendCallReject(.busy), .ended(.busy)])
        #expect(first.state == .negotiating)
        // Once the first call has ended, a new call is admitted.
        try first.hangup(now: t0 + 2 * sec)
        #expect(admission.decide(activeCalls: [first].filter { $0.state.isLive }.count) == .admit)
    }
}
