import CapstanTestSupport
import Foundation
import Testing
@testable import WebM

enum BadInput: String, CaseIterable, Sendable {
    case textFile, empty, ebmlHeaderCut, tracksCut, randomBytes, oggFile, missing
}

@Suite struct WebMBadInputTests {
    static func make(_ kind: BadInput, in dir: TempDir) throws -> String {
        let path = dir.path("\(kind.rawValue).bin")
        let src = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.get().src640))
        switch kind {
        case .textFile:
            try Data("hello, this is not a media file\n".utf8).write(to: URL(fileURLWithPath: path))
        case .empty:
            try Data().write(to: URL(fileURLWithPath: path))
        case .ebmlHeaderCut:
            try src.prefix(20).write(to: URL(fileURLWithPath: path))
        case .tracksCut:
            // Cut inside the Tracks element of an ffmpeg file.
            let tracksID: [UInt8] = [0x16, 0x54, 0xAE, 0x6B]
            let at = try #require(src.firstRange(of: Data(tracksID))?.lowerBound)
            try src.prefix(at + 12).write(to: URL(fileURLWithPath: path))
        case .randomBytes:
            var rng = SplitMix64(seed: 42)
            try Data((0..<65_536).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                .write(to: URL(fileURLWithPath: path))
        case .oggFile:
            try ToolRunner.check("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440",
                                            "-t", "1", "-c:a", "libopus", "-f", "ogg", path])
        case .missing:
            break
        }
        return path
    }

    @Test(arguments: BadInput.allCases)
    func badInputThrowsTypedError(_ kind: BadInput) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = try Self.make(kind, in: dir)
        do {
            _ = try WebMReader.info(path: path)
            Issue.record("\(kind) was accepted")
        } catch let error as WebMError {
            switch (kind, error) {
            case (.missing, .readFailed(_, let e)): #expect(e == ENOENT)
            case (.tracksCut, .missingTracks(let code, let offset)):
                #expect(code == -3)
                #expect(offset > 0)
            case (.textFile, .notWebM), (.empty, .notWebM), (.ebmlHeaderCut, .notWebM),
                 (.randomBytes, .notWebM), (.oggFile, .notWebM): break
            default: Issue.record("\(kind): unexpected \(error)")
            }
        }
        // Repair refuses it with a typed error and writes nothing usable.
        #expect(throws: WebMError.self) {
            try WebMRepair.repair(input: path, output: dir.path("out.webm"))
        }
    }

    /// Corrupted real files: the reader returns or throws a WebMError, never crashes.
    @Test func corruptedFilesNeverCrash() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let src = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.get().src640))
        var rng = SplitMix64(seed: 7)
        var parsedWithError = 0
        for i in 0..<60 {
            var bytes = [UInt8](src)
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                // Bias toward the headers, where sizes and IDs live.
                let limit = rng.next() % 2 == 0 ? min(bytes.count, 600) : bytes.count
                bytes[Int(rng.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let path = dir.path("corrupt-\(i).webm")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let info = try WebMReader.read(path: path) { _ in }
                if info.parseError != nil { parsedWithError += 1 }
            } catch is WebMError {
                parsedWithError += 1
            }
        }
        #expect(parsedWithError > 0)
    }
}
