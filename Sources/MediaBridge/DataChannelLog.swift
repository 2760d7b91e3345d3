#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The data channel messages of one recording, as JSON Lines next to it
/// (`{session-id}.data.jsonl`): one object per message, and per channel
/// opened or closed, each with its time on the recording's timeline.
///
///     {"timeMs":1234.5,"channel":1,"label":"chat","protocol":"","type":"text","data":"hello"}
///     {"timeMs":1300.0,"channel":3,"label":"bin","protocol":"","type":"binary","data":"AAEC/w=="}
///
/// `timeMs` is the message's arrival on the same clock and origin as the
/// media in the file (file time 0 is the first written frame), so it can be
/// negative for a message before the first frame. Until the file opens the
/// lines wait in memory (bounded; past the bound messages are dropped and
/// counted); they are written in batches, at the latest every flush interval.
///
/// Event-loop confined, like `MediaBridge`, which owns it.
public final class DataChannelLog {
    public enum Content: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
    }

    public let path: String
    /// Channels seen (by id and label, in order) with their counts.
    private(set) var channels: [RecordingSidecar.DataChannelRecord.Channel] = []
    private var currentChannel: [UInt16: Int] = [:]
    private(set) var messages = 0
    private(set) var bytes: UInt64 = 0
    /// Messages dropped before the file's origin was known, the memory bound reached.
    private(set) var droppedBeforeRecording = 0
    private(set) var writeError: String?

    private var fd: Int32 = -1
    private var originUnixNs: Int64?
    private var buffer: [UInt8] = []
    private var pending: [(unixNs: Int64, entry: Entry)] = []
    private var pendingBytes = 0
    private let maxPendingBytes: Int
    private static let flushThreshold = 32 * 1024
    static let maxChannelRecords = 1_024

    private enum Entry {
        case message(channel: UInt16, label: String, protocol: String, content: Content)
        case open(channel: UInt16, label: String, protocol: String)
        case close(channel: UInt16, label: String, protocol: String)
    }

    init(path: String, maxPendingBytes: Int = 1 << 20) {
        self.path = path
        self.maxPendingBytes = maxPendingBytes
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// File time 0 in Unix ns: the waiting lines are written.
    func setOrigin(unixNs: Int64) {
        guard originUnixNs == nil else { return }
        originUnixNs = unixNs
        let waiting = pending
        pending = []
        pendingBytes = 0
        for item in waiting { append(item.entry, unixNs: item.unixNs) }
    }

    func channelOpened(_ id: UInt16, label: String, protocol proto: String, unixNs: Int64) {
        if channels.count < Self.maxChannelRecords {
            currentChannel[id] = channels.count
            channels.append(.init(id: Int(id), label: label, protocol: proto, messages: 0, bytes: 0))
        } else {
            currentChannel[id] = nil
        }
        add(.open(channel: id, label: label, protocol: proto), unixNs: unixNs, size: label.utf8.count + proto.utf8.count)
    }

    func channelClosed(_ id: UInt16, label: String, protocol proto: String, unixNs: Int64) {
        currentChannel[id] = nil
        add(.close(channel: id, label: label, protocol: proto), unixNs: unixNs, size: label.utf8.count + proto.utf8.count)
    }

    func message(_ id: UInt16, label: String, protocol proto: String, content: Content, unixNs: Int64) {
        let size: Int
        switch content {
        case .text(let text): size = text.utf8.count
        case .binary(let data): size = data.count
        }
        guard add(.message(channel: id, label: label, protocol: proto, content: content), unixNs: unixNs,
                  size: size + label.utf8.count + proto.utf8.count) else { return }
        messages += 1
        bytes += UInt64(size)
        if let index = currentChannel[id] {
            channels[index].messages += 1
            channels[index].bytes += UInt64(size)
        }
    }

    @discardableResult
    private func add(_ entry: Entry, unixNs: Int64, size: Int) -> Bool {
        if originUnixNs != nil {
            append(entry, unixNs: unixNs)
            return true
        }
        guard pendingBytes + size <= maxPendingBytes else {
            droppedBeforeRecording += 1
            return false
        }
        pendingBytes += size + 64
        pending.append((unixNs, entry))
        return true
    }

    private func append(_ entry: Entry, unixNs: Int64) {
        guard writeError == nil, let origin = originUnixNs else { return }
        let timeMs = Double(unixNs.subtractingSaturating(origin)) / 1_000_000
        var line = "{\"timeMs\":\(Self.format(timeMs)),"
        switch entry {
        case .message(let channel, let label, let proto, let content):
            line += Self.channelFields(channel, label, proto)
            switch content {
            case .text(let text): line += ",\"type\":\"text\",\"data\":\(Self.quoted(text))}\n"
            case .binary(let data): line += ",\"type\":\"binary\",\"data\":\"\(Data(data).base64EncodedString())\"}\n"
            }
        case .open(let channel, let label, let proto):
            line += Self.channelFields(channel, label, proto) + ",\"type\":\"open\"}\n"
        case .close(let channel, let label, let proto):
            line += Self.channelFields(channel, label, proto) + ",\"type\":\"close\"}\n"
        }
        buffer.append(contentsOf: line.utf8)
        if buffer.count >= Self.flushThreshold { flush() }
    }

    private static func channelFields(_ channel: UInt16, _ label: String, _ proto: String) -> String {
        "\"channel\":\(channel),\"label\":\(quoted(label)),\"protocol\":\(quoted(proto))"
    }

    private static func format(_ ms: Double) -> String {
        let rounded = (ms * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }

    /// A JSON string literal (RFC 8259 §7).
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Writes what is buffered (creating the file on the first write).
    func flush() {
        guard !buffer.isEmpty, writeError == nil else { return }
        if fd < 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                writeError = "open \(path): \(String(cString: strerror(errno)))"
                buffer = []
                return
            }
        }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                writeError = "write \(path): \(String(cString: strerror(errno)))"
                break
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: buffer.count <= 2 * Self.flushThreshold)
    }

    /// Writes everything (lines still waiting for an origin get `fallbackOrigin`)
    /// and closes the file; the sidecar's record.
    func finish(fallbackOriginUnixNs: Int64, drops: [String: Int]) -> RecordingSidecar.DataChannelRecord {
        setOrigin(unixNs: fallbackOriginUnixNs)
        flush()
        if fd >= 0 {
            if fsync(fd) != 0, writeError == nil { writeError = "fsync \(path): \(String(cString: strerror(errno)))" }
            Glibc.close(fd)
            fd = -1
        }
        var dropped = drops
        if droppedBeforeRecording > 0 { dropped["beforeRecording", default: 0] += droppedBeforeRecording }
        return RecordingSidecar.DataChannelRecord(
            file: (path as NSString).lastPathComponent, channels: channels, messages: messages, bytes: bytes,
            dropped: dropped.isEmpty ? nil : dropped, writeError: writeError)
    }
}
