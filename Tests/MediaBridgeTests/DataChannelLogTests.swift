import CapstanTestSupport
import Foundation
import Testing
@testable import MediaBridge

/// `{id}.data.jsonl`: lines wait for the file's time 0, then carry times on
/// that timeline; strings are valid JSON whatever they hold; memory before
/// time 0 is bounded.
struct DataChannelLogTests {
    @Test("messages before the file's origin wait and get times relative to it; text escaped, binary base64; the sidecar record counts them")
    func originAndFormat() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/s.data.jsonl"
        let log = DataChannelLog(path: path)
        let origin: Int64 = 1_700_000_000_000_000_000
        log.channelOpened(1, label: "chat", protocol: "x", unixNs: origin - 250_000_000)
        log.message(1, label: "chat", protocol: "x", content: .text("early \"quoted\"\n\u{1}"), unixNs: origin - 100_000_000)
        #expect(!FileManager.default.fileExists(atPath: path))
        log.setOrigin(unixNs: origin)
        log.message(1, label: "chat", protocol: "x", content: .binary([0, 1, 2, 255]), unixNs: origin + 1_234_567_890)
        log.channelClosed(1, label: "chat", protocol: "x", unixNs: origin + 2_000_000_000)
        let record = log.finish(fallbackOriginUnixNs: 0, drops: ["rate": 3])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["type"] as? String } == ["open", "text", "binary", "close"])
        #expect(objects.map { $0["timeMs"] as? Double } == [-250, -100, 1234.568, 2000])
        #expect(objects[1]["data"] as? String == "early \"quoted\"\n\u{1}")
        #expect(objects[2]["data"] as? String == "AAEC/w==")
        #expect(objects.allSatisfy { $0["label"] as? String == "chat" && $0["protocol"] as? String == "x" && $0["channel"] as? Int == 1 })
        #expect(record.messages == 2 && record.bytes == UInt64("early \"quoted\"\n\u{1}".utf8.count + 4))
        #expect(record.channels.first?.messages == 2)
        #expect(record.dropped == ["rate": 3])
        #expect(record.file == "s.data.jsonl")
    }

    @Test("before the origin, memory is bounded: past it messages are dropped and counted")
    func pendingBound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = DataChannelLog(path: "\(directory.path)/p.data.jsonl", maxPendingBytes: 10_000)
        for i in 0..<100 {
            log.message(1, label: "", protocol: "", content: .binary([UInt8](repeating: UInt8(i), count: 1_000)), unixNs: Int64(i))
        }
        let record = log.finish(fallbackOriginUnixNs: 0, drops: [:])
        #expect(record.messages < 10)
        #expect(record.dropped?["beforeRecording"] == 100 - record.messages)
    }
}
