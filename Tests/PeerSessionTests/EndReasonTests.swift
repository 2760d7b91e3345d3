import Foundation
import PeerSession
import Testing

struct EndReasonTests {
    @Test("stable strings, parsing and JSON", arguments: [
        (EndReason.localHangup, "local-hangup", String?.none),
        (.remoteHangup, "remote-hangup", nil),
        (.declined, "declined", nil),
        (.missed, "missed", nil),
        (.busy, "busy", nil),
        (.failed(detail: "ice-timeout"), "failed", "ice-timeout"),
        (.failed(detail: "dtls-failed"), "failed", "dtls-failed"),
        (.shutdown, "shutdown", nil),
        (.storage, "storage", nil),
        (.maxDuration, "max-duration", nil),
    ])
    func strings(reason: EndReason, name: String, detail: String?) throws {
        #expect(reason.name == name)
        #expect(reason.detail == detail)
        #expect(EndReason(name: name, detail: detail) == reason)
        let data = try JSONEncoder().encode(reason)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object == (detail.map { ["reason": name, "detail": $0] } ?? ["reason": name]))
        #expect(try JSONDecoder().decode(EndReason.self, from: data) == reason)
    }

    @Test("unknown names are refused")
    func unknown() {
        #expect(EndReason(name: "crashed") == nil)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(EndReason.self, from: Data(#"{"reason":"nope"}"#.utf8))
        }
    }

    @Test("state raw strings are the API's", arguments: zip(
        PeerSessionState.allCases,
        ["idle", "outgoing-init", "incoming-init", "negotiating", "active", "ending", "ended"]))
    func stateStrings(state: PeerSessionState, raw: String) {
        #expect(state.rawValue == raw)
    }
}
