import Foundation
import PeerSession
import Testing

struct SessionLogTests {
    @Test("a WHIP call's log: transitions, events and milestones with wall-clock and monotonic times")
    func contents() throws {
        var s = newSession()
        try s.receiveOffer(now: t0 + 2 * ms)
        try s.localAnswerCreated(sdp: "a", now: t0 + 3 * ms)
        s.recordMilestone("ice-connected", detail: "192.0.2.1:5000", now: t0 + 120 * ms)
        s.recordMilestone("dtls-connected", now: t0 + 250 * ms, wallClockUnixNs: wall0 + 999_000_000)
        try s.transportConnected(now: t0 + 251 * ms)
        s.recordMilestone("first-keyframe", now: t0 + 400 * ms)
        try s.transportFailed(detail: "consent-lost", now: t0 + 30 * sec)
        try s.teardownCompleted(now: t0 + 30 * sec + 7 * ms)

        let wallMs = wall0 / 1_000_000
        let expected: [SessionLogEntry] = [
            .init(unixMs: wallMs, sinceStartMs: 0, kind: .event, name: "created", to: .idle),
            .init(unixMs: wallMs + 2, sinceStartMs: 2, kind: .transition, name: "offer",
                  from: .idle, to: .negotiating, detail: "implicit-accept"),
            .init(unixMs: wallMs + 3, sinceStartMs: 3, kind: .event, name: "local-answer"),
            .init(unixMs: wallMs + 120, sinceStartMs: 120, kind: .milestone, name: "ice-connected", detail: "192.0.2.1:5000"),
            .init(unixMs: wallMs + 999, sinceStartMs: 250, kind: .milestone, name: "dtls-connected"),
            .init(unixMs: wallMs + 251, sinceStartMs: 251, kind: .transition, name: "transport-connected",
                  from: .negotiating, to: .active),
            .init(unixMs: wallMs + 400, sinceStartMs: 400, kind: .milestone, name: "first-keyframe"),
            .init(unixMs: wallMs + 30_000, sinceStartMs: 30_000, kind: .transition, name: "transport-failed",
                  from: .active, to: .ending, detail: "failed(consent-lost)"),
            .init(unixMs: wallMs + 30_007, sinceStartMs: 30_007, kind: .transition, name: "teardown-completed",
                  from: .ending, to: .ended, detail: "failed(consent-lost)"),
        ]
        #expect(s.log.entries == expected)
        #expect(s.log.droppedCount == 0)
    }

    @Test("timeouts are logged by name; storage failures keep their detail")
    func timeoutAndStorageNames() throws {
        var ring = newSession()
        try ring.receiveCallInit(now: t0)
        _ = ring.tick(now: t0 + 30 * sec)
        #expect(ring.log.entries.last?.name == "ring-timeout")
        #expect(ring.log.entries.last?.detail == "missed")

        var storage = try Setup.active.make()
        try storage.storageFailed(detail: "ENOSPC", now: t0 + sec)
        #expect(storage.log.entries.last?.name == "storage-failed")
        #expect(storage.log.entries.last?.detail == "storage: ENOSPC")
    }

    @Test("illegal events leave no trace in the log")
    func illegalNotLogged() throws {
        var s = newSession()
        let count = s.log.entries.count
        #expect(throws: PeerSessionError.self) { try s.receiveAnswer(now: t0) }
        #expect(s.log.entries.count == count)
    }

    @Test("bounded: the oldest entries are dropped and counted", arguments: [1, 5, 500])
    func bound(capacity: Int) {
        var s = newSession(PeerSessionConfiguration(eventLogCapacity: capacity))
        let extra = capacity + 37
        for i in 0..<extra {
            s.recordMilestone("m\(i)", now: t0 + UInt64(i) * ms)
        }
        // One "created" entry plus `extra` milestones went in.
        #expect(s.log.entries.count == capacity)
        #expect(s.log.droppedCount == extra + 1 - capacity)
        #expect(s.log.entries.last?.name == "m\(extra - 1)")
        #expect(s.log.entries.first?.name == "m\(extra - capacity)")
    }

    @Test("JSON: stable keys and raw state strings; round trip")
    func codable() throws {
        var s = newSession()
        try s.receiveCallInit(now: t0 + 5 * ms)
        let data = try JSONEncoder().encode(s.log)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(json["entries"] as? [[String: Any]])
        #expect(json["droppedCount"] as? Int == 0)
        #expect(entries[1]["kind"] as? String == "transition")
        #expect(entries[1]["from"] as? String == "idle")
        #expect(entries[1]["to"] as? String == "incoming-init")
        #expect(entries[1]["name"] as? String == "call-init")
        #expect(entries[1]["sinceStartMs"] as? Int == 5)
        #expect(entries[1]["unixMs"] as? Int == Int(wall0 / 1_000_000) + 5)
        #expect(entries[1]["detail"] == nil)
        #expect(try JSONDecoder().decode(SessionLog.self, from: data) == s.log)
    }

    @Test("a clock earlier than the session start does not underflow")
    func earlyClock() {
        var s = newSession()
        s.recordMilestone("early", now: t0 - sec)
        #expect(s.log.entries.last?.sinceStartMs == 0)
        #expect(s.log.entries.last?.unixMs == wall0 / 1_000_000)
    }
}
