import CapstanTestSupport
import Codecs
import Foundation
import Inspection
import Logging
import MediaBridge
import Testing
import WebM

@testable import CapstanServer

/// Issue 15, part 4: start-up recovery after the daemon listens, one file at
/// a time, in child processes bounded in time; what it cannot repair is set
/// aside with a reason, never retried, and never takes the daemon down.
@Suite("start-up recovery of hostile files", .serialized)
struct RecoveryTests {
    // MARK: - Files

    /// The two crashers of issue 15: a WebM with clusters at 2^63−1 and 2^63,
    /// and an Ogg Opus file with one packet at granule position 2^63−1.
    static func hostileWebM() -> [UInt8] {
        func vint(_ v: UInt64) -> [UInt8] { [0x01] + (0..<7).map { UInt8(truncatingIfNeeded: v >> (8 * (6 - UInt64($0)))) } }
        func element(_ id: [UInt8], _ body: [UInt8]) -> [UInt8] { id + vint(UInt64(body.count)) + body }
        func uint(_ id: [UInt8], _ v: UInt64) -> [UInt8] { element(id, withUnsafeBytes(of: v.bigEndian) { Array($0) }) }
        let block = element([0xA3], [0x81, 0, 0, 0x80, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A])
        let header = element([0x1A, 0x45, 0xDF, 0xA3], element([0x42, 0x82], Array("webm".utf8)))
        let info = element([0x15, 0x49, 0xA9, 0x66], uint([0x2A, 0xD7, 0xB1], 1_000_000))
        let track = element([0xAE], uint([0xD7], 1) + uint([0x83], 1) + element([0x86], Array("V_VP8".utf8)))
        let tracks = element([0x16, 0x54, 0xAE, 0x6B], track)
        let clusters = [UInt64(Int64.max), UInt64(Int64.max) + 1].flatMap { tc in
            element([0x1F, 0x43, 0xB6, 0x75], uint([0xE7], tc) + block)
        }
        return header + [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + info + tracks + clusters
    }

    /// A scratch folder for a stand-in tool, and one holding the two
    /// crafted files of issue 15 (`a.webm`, `b.ogg`).
    static func toolsAndTwoHostileFiles() throws -> (tools: String, dir: String) {
        let tools = try scratchDirectory()
        let dir = try scratchDirectory()
        try Data(hostileWebM()).write(to: URL(fileURLWithPath: "\(dir)/a.webm"))
        try Data(hostileOgg()).write(to: URL(fileURLWithPath: "\(dir)/b.ogg"))
        return (tools, dir)
    }

    static func hostileOgg() -> [UInt8] {
        func page(_ granule: Int64, _ sequence: UInt32, _ flags: UInt8, _ packet: [UInt8]) -> [UInt8] {
            OggBytes.page(granule: granule, sequence: sequence, flags: flags, packets: [packet])
        }
        let head = Array("OpusHead".utf8) + [1, 1, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0]
        let tags = Array("OpusTags".utf8) + [4, 0, 0, 0] + Array("test".utf8) + [0, 0, 0, 0]
        return page(0, 0, 0x02, head) + page(0, 1, 0, tags) + page(.max, 2, 0x04, [0xF8, 0xFF, 0xFE])
    }

    /// A complete recording that was never finalized (no Duration, no Cues):
    /// what a crash leaves.
    /// Returns the video frames written.
    static func writeUnfinalizedWebM(to path: String) throws -> Int {
        let encoder = try VP8Encoder(configuration: .init(width: 160, height: 120, fps: 30, bitrateKbps: 200, keyframeInterval: 30))
        var pattern = TestPattern(width: 160, height: 120)
        var image = I420Image(width: 160, height: 120)
        let opus = try OpusEncoder(channels: 1, bitrate: 24_000)
        var tone = ToneGenerator(frequency: 440, channels: 1, frameSamples: opus.frameSamples)
        let scratch = path + ".writing"
        let writer = try WebMWriter(path: scratch, video: WebMVideoTrack(width: 160, height: 120),
                                    audio: .opus(opusHead: OpusHead(channels: 1, preSkip: UInt16(opus.lookahead)).serialize()),
                                    muxingApp: "RecoveryTests", writingApp: "RecoveryTests")
        var frames = 0
        for i in 0..<60 {
            pattern.render(i, into: &image)
            for f in try encoder.encode(image, pts: Int64(i) * 3_000) {
                frames += 1
                try writer.writeFrame(track: .video, timestampNs: Int64(i) * 33_333_333, keyframe: f.isKeyframe, data: f.data)
            }
            if i % 3 == 0 {
                for k in 0..<2 {
                    try writer.writeFrame(track: .audio, timestampNs: Int64(i / 3 * 2 + k) * 20_000_000, keyframe: true,
                                          data: try opus.encode(tone.nextFrame()))
                }
            }
        }
        try writer.flush()
        try FileManager.default.copyItem(atPath: scratch, toPath: path)
        _ = try? writer.finalize()
        try FileManager.default.removeItem(atPath: scratch)
        return frames
    }

    static func scratchDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    /// Polls until `condition` holds (bounded).
    static func waitFor(_ what: String, timeout: Duration = .seconds(180), _ condition: () -> Bool) async throws {
        if !(await eventually(timeout: timeout, interval: .milliseconds(100), condition)) {
            Issue.record("timed out waiting for \(what)")
        }
    }

    // MARK: - The daemon

    @Test("hostile files in the recordings folder: the daemon listens, sets them aside with a reason, repairs the good one, and does not loop on restart")
    func daemonSurvivesHostileRecordings() async throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(Self.hostileWebM()).write(to: URL(fileURLWithPath: "\(dir)/huge-timecodes.webm"))
        try Data(Self.hostileOgg()).write(to: URL(fileURLWithPath: "\(dir)/huge-granule.ogg"))
        try Data("not a recording at all".utf8).write(to: URL(fileURLWithPath: "\(dir)/garbage.webm"))
        let videoFrames = try Self.writeUnfinalizedWebM(to: "\(dir)/good.webm")
        #expect(videoFrames > 30)
        // A repair temporary left by an earlier crash is cleaned up.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(dir)/old.webm.repair-999999.tmp"))
        #expect(!MediaInspector.inspect(path: "\(dir)/good.webm").finalized)

        let first = try DaemonProcess(arguments: ["--recordings", dir])
        defer { first.stop() }
        try await first.start()
        #expect(try await first.request("GET", "/healthz").status == 200)

        try await Self.waitFor("recovery to finish") {
            let n = Self.names(dir)
            return n.contains("good.json") && n.contains("huge-timecodes.webm.bad.json")
                && n.contains("huge-granule.ogg.bad.json") && n.contains("garbage.webm.bad.json")
        }
        let log = first.log
        let serving = try #require(log.range(of: "capstan serving"))
        let recovering = try #require(log.range(of: "recovering recordings"), "\(log)")
        #expect(serving.lowerBound < recovering.lowerBound, "recovery must start after the daemon listens:\n\(log)")

        let webm = try SetAsideNote.read(from: "\(dir)/huge-timecodes.webm.bad.json")
        #expect(webm.movedTo == "huge-timecodes.webm.bad" && webm.stage == "repair")
        #expect(webm.reason.contains("time out of range"), "\(webm.reason)")
        let ogg = try SetAsideNote.read(from: "\(dir)/huge-granule.ogg.bad.json")
        #expect(ogg.reason.contains("granule position 9223372036854775807"), "\(ogg.reason)")
        let garbage = try SetAsideNote.read(from: "\(dir)/garbage.webm.bad.json")
        #expect(garbage.reason.contains("not a media file"), "\(garbage.reason)")
        for name in ["huge-timecodes.webm", "huge-granule.ogg", "garbage.webm"] {
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/\(name)"))
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name).bad"))
        }

        let sidecar = try RecordingSidecar.read(from: "\(dir)/good.json")
        #expect(sidecar.endReason == "crashed" && sidecar.repaired == true)
        #expect(sidecar.tracks.first { $0.kind == "video" }?.frames == videoFrames)
        let report = MediaInspector.inspect(path: "\(dir)/good.webm")
        #expect(report.valid && report.finalized, "\(report.problems)")

        let left = Self.names(dir)
        #expect(!left.contains { $0.hasSuffix(".tmp") || $0.contains(".repair-") }, "\(left)")
        #expect(first.process.isRunning)
        #expect(try await first.request("GET", "/healthz").status == 200)
        // Set-aside notes are not listed as recordings.
        let listed = try await first.request("GET", "/api/recordings").body
        #expect(listed.contains(#""sessionId":"good""#) && !listed.contains("huge-"), "\(listed)")

        first.process.terminate()
        #expect(await first.waitForExit(timeout: .seconds(30)) == 0)

        // Once more: nothing is left to recover, nothing is retried.
        let second = try DaemonProcess(arguments: ["--recordings", dir])
        defer { second.stop() }
        try await second.start()
        #expect(try await second.request("GET", "/healthz").status == 200)
        // Whether it recovers is decided before it serves, and a recovery it
        // started logs before a clean shutdown finishes: stop it and read the
        // whole log.
        second.process.terminate()
        #expect(await second.waitForExit(timeout: .seconds(30)) == 0)
        #expect(!second.log.contains("recovering recordings"), "\(second.log)")
        #expect(Self.names(dir) == left)
    }

    // MARK: - The bound and the crash guard, with a stand-in tool

    /// A shell script standing in for `capstan`: it leaves a repair temporary
    /// as a real repair would, then does `behaviour`.
    static func fakeTool(in dir: String, _ behaviour: String) throws -> ToolProcess {
        let path = "\(dir)/fake-capstan"
        // Arguments: repair FILE -o FILE.
        let script = "#!/bin/sh\n: > \"$4.repair-$$.tmp\"\n\(behaviour)\n"
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return ToolProcess(executable: path)
    }

    @Test("a file whose repair runs past the bound is abandoned and set aside; its temporary is removed",
          arguments: [("exec sleep 60", "took longer than the 1 s allowed"),
                      ("kill -SEGV $$", "repair crashed (SIGSEGV)"),
                      ("echo 'capstan repair: x: cannot repair: no complete frame to keep' >&2; exit 1", "repair: no complete frame to keep")])
    func boundAndCrashGuard(behaviour: String, reason: String) throws {
        let (tools, dir) = try Self.toolsAndTwoHostileFiles()
        defer {
            try? FileManager.default.removeItem(atPath: tools)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let recovery = RecordingRecovery(directory: dir, tool: try Self.fakeTool(in: tools, behaviour),
                                         timeBound: { _ in .seconds(1) })
        let names = recovery.candidates()
        #expect(names == ["a.webm", "b.ogg"])
        let clock = ContinuousClock()
        let started = clock.now
        let outcomes = recovery.run(names, logger: Logger(label: "test"), metrics: CapstanMetrics())
        #expect(clock.now - started < .seconds(30))
        #expect(outcomes.count == 2)
        for (outcome, name) in zip(outcomes, names) {
            guard case .setAside(let file, let why) = outcome else {
                Issue.record("\(name): \(outcome)")
                continue
            }
            #expect(file == "\(name).bad")
            #expect(why.contains(reason), "\(why)")
            let note = try SetAsideNote.read(from: "\(dir)/\(name).bad.json")
            #expect(note.reason == why && note.file == name && note.bytes > 0)
        }
        #expect(Self.names(dir) == ["a.webm.bad", "a.webm.bad.json", "b.ogg.bad", "b.ogg.bad.json"])
        // Nothing left to try.
        #expect(recovery.candidates().isEmpty)
    }

    @Test("shutdown stops recovery: the child is killed, its file left as it was for the next start, no temporary left")
    func shutdownStopsRecovery() async throws {
        let (tools, dir) = try Self.toolsAndTwoHostileFiles()
        defer {
            try? FileManager.default.removeItem(atPath: tools)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let recovery = RecordingRecovery(directory: dir, tool: try Self.fakeTool(in: tools, "exec sleep 60"),
                                         timeBound: { _ in .seconds(120) })
        let names = recovery.candidates()
        let stop = StopFlag()
        let box = OutcomeBox()
        let thread = Thread {
            box.set(recovery.run(names, logger: Logger(label: "test"), metrics: CapstanMetrics(), stop: stop))
            stop.finished()
        }
        thread.start()
        try await Self.waitFor("the first child's temporary", timeout: .seconds(30)) {
            Self.names(dir).contains { $0.hasPrefix("a.webm.repair-") }
        }
        let clock = ContinuousClock()
        let asked = clock.now
        stop.stop()
        stop.waitUntilFinished(timeout: 10)
        #expect(clock.now - asked < .seconds(5))
        #expect(box.get() == [.interrupted, .interrupted])
        #expect(Self.names(dir) == ["a.webm", "b.ogg"])
        #expect(recovery.candidates() == ["a.webm", "b.ogg"])
    }
}

/// Hands a result from a thread to the test.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [RecordingRecovery.Outcome]?
    func set(_ v: [RecordingRecovery.Outcome]) { lock.withLock { value = v } }
    func get() -> [RecordingRecovery.Outcome]? { lock.withLock { value } }
}
