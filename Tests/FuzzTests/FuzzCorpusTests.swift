import Foundation
import Testing
@testable import FuzzTargets
import Signalling
import WebM

/// Every kept fuzz input is a regression test (DESIGN §8): the seed corpora
/// in Tests/FuzzCorpus/<target>/ replay in-process through the same entry
/// points the fuzzer calls (a trap or failed check fails the run); each
/// crasher in Tests/FuzzCorpus/<target>/crashers/ replays in a child process
/// (`capstan-fuzz replay`), so one that traps again fails its own test.
/// Crashers not fixed yet are listed in Tests/FuzzCorpus/OPEN-CRASHERS with
/// their cause: their test expects the crash (a known issue) and fails once
/// the crash is gone, so the list cannot go stale.
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    static func files(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// "target/file" → cause, from OPEN-CRASHERS (`target/file  cause`, # comments).
    static let openCrashers: [String: String] = {
        guard let text = try? String(contentsOf: corpus.appendingPathComponent("OPEN-CRASHERS"), encoding: .utf8) else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.allSatisfy(\.isWhitespace) {
            let parts = line.split(separator: " ", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        return result
    }()

    static let crashers: [String] = FuzzTargets.all.flatMap { target in
        files(in: corpus.appendingPathComponent("\(target.name)/crashers")).map { "\(target.name)/\($0.lastPathComponent)" }
    }

    @Test("every target has a seed corpus, and every seed passes", arguments: FuzzTargets.all.map(\.name))
    func seedCorpus(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = Self.files(in: Self.corpus.appendingPathComponent(name))
        #expect(seeds.count >= 3, "Tests/FuzzCorpus/\(name) holds \(seeds.count) seeds")
        for file in seeds {
            let bytes = try [UInt8](Data(contentsOf: file))
            #expect(bytes.count <= target.maxLength, "\(file.lastPathComponent) is longer than -max_len")
            bytes.withUnsafeBytes { target.run($0) }
        }
    }

    @Test("every kept crasher replays without a crash (or is listed open, and still crashes)", arguments: crashers)
    func crasher(_ entry: String) throws {
        let parts = entry.split(separator: "/")
        let file = Self.corpus.appendingPathComponent("\(parts[0])/crashers/\(parts[1])")
        let (status, output) = try Self.replay(target: String(parts[0]), file: file)
        if let cause = Self.openCrashers[entry] {
            withKnownIssue("open crasher \(entry): \(cause)") {
                #expect(status == 0, "\(entry) still crashes: \(output.suffix(600))")
            }
        } else {
            #expect(status == 0, "\(entry) crashes again: \(output.suffix(1500))")
        }
    }

    @Test("OPEN-CRASHERS names only kept crashers")
    func openListIsCurrent() {
        for entry in Self.openCrashers.keys { #expect(Self.crashers.contains(entry), "\(entry) is not a file in crashers/") }
    }

    /// Runs `capstan-fuzz replay TARGET FILE` (the binary `swift build` put beside the tests).
    static func replay(target: String, file: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("capstan-fuzz")
        process.arguments = ["replay", target, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static var productsDirectory: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: here.appendingPathComponent("capstan-fuzz").path) { return here }
        return corpus.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug")
    }
}

/// The entry points check what they claim to check.
struct FuzzTargetTests {
    @Test("the pipeline target records the A/V seed into a WebM it then reads back, and sends RTCP")
    func pipelineRecords() throws {
        let seed = try [UInt8](Data(contentsOf: FuzzCorpusTests.corpus.appendingPathComponent("pipeline/av-1s")))
        var rtcp = 0
        var recorded: String?
        var frames = 0
        PipelineTarget.record(seed, sendRTCP: { _ in rtcp += 1 }) { path in
            recorded = path
            frames = (try? WebMReader.info(path: path).frameCount) ?? -1
        }
        #expect(recorded?.hasSuffix(".webm") == true)
        #expect(frames > 40, "\(frames) frames in the recording")
        #expect(rtcp > 0)
    }

    @Test("the Ogg seed of the audio-only pipeline run reads back with increasing granules")
    func audioOnly() throws {
        let seed = try [UInt8](Data(contentsOf: FuzzCorpusTests.corpus.appendingPathComponent("pipeline/audio-only-2s")))
        var recorded: String?
        PipelineTarget.record(seed, sendRTCP: { _ in }) { recorded = $0 }
        #expect(recorded?.hasSuffix(".ogg") == true)
    }

    @Test("signalling decode: messages, errors as the socket reports them, peer ids")
    func signalling() throws {
        let message = try SignallingMessage.decode(#"{"type":"call:init","from":"alice","mode":"loopback"}"#)
        #expect(message == SignallingMessage(type: .callInit, from: "alice", mode: "loopback"))
        #expect(message.registeringPeerID == "alice")
        #expect(try SignallingMessage.decode(#"{"type":"register","peerId":"capstan"}"#).registeringPeerID == nil)
        #expect(try SignallingMessage.decode(#"{"type":"offer","from":"alice"}"#).registeringPeerID == nil)
        #expect(throws: SignallingMessage.DecodingFailure.self) { try SignallingMessage.decode("{") }
        do {
            _ = try SignallingMessage.decode(#"{"peerId":"x"}"#)
            Issue.record("a message without type decoded")
        } catch {
            #expect(error.description == #"missing "type""#)
        }
        #expect(!SignallingMessage.isValidPeerID(String(repeating: "a", count: 65)))
        #expect(SignallingMessage.isValidPeerID("a-b_c.9"))
        #expect(!SignallingMessage.isValidPeerID("é"))
    }
}
