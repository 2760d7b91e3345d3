import Codecs
import Foundation
import Inspection
import Testing
import WebM

/// Issue 15, part 4: crafted files never crash `capstan inspect` or
/// `capstan repair`. Each is built here byte by byte and given to the real
/// binary: `inspect` exits 1 naming what is wrong, `repair` exits 0 with a
/// finalized file or 1 with the reason, neither dies of a signal, and no
/// repair temporary is left behind.
@Suite struct HostileFileTests {
    enum Repair: Sendable {
        /// `repair` must refuse, naming this.
        case refused(String)
        /// Either a finalized output or a refusal with a reason.
        case either
        /// `repair` must succeed, printing this.
        case kept(String)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var ext: String
        var bytes: [UInt8]
        /// A problem `inspect` must print.
        var problem: String
        var repair: Repair
        /// False for a file that is strange but well-formed (inspect may pass it).
        var invalid = true
        var description: String { name }
    }

    static let garbage: [UInt8] = Array(repeating: 0xA5, count: 12)

    static let webmCases: [Case] = {
        let head = EBML.info()
        let video = EBML.tracks([EBML.videoTrack()])
        let av = EBML.tracks([EBML.videoTrack(), EBML.audioTrack()])
        let outOfRange = "time out of range"
        let max63 = UInt64(Int64.max)
        return [
            Case(name: "issue 15: clusters at timecodes 2^63−1 and 2^63", ext: "webm",
                 bytes: EBML.file([head, video,
                                   EBML.cluster(timecode: max63, [EBML.simpleBlock(timecode: 0)]),
                                   EBML.cluster(timecode: max63 + 1, [EBML.simpleBlock(timecode: 0)])]),
                 problem: outOfRange, repair: .refused(outOfRange)),
            Case(name: "cluster 2^63−1 at TimecodeScale 1, block +1", ext: "webm",
                 bytes: EBML.file([EBML.info(scale: 1), video, EBML.cluster(timecode: max63, [EBML.simpleBlock(timecode: 1)])]),
                 problem: outOfRange, repair: .refused(outOfRange)),
            Case(name: "cluster −: block −32768 at TimecodeScale 1 from Int64.min side", ext: "webm",
                 bytes: EBML.file([EBML.info(scale: 1), video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: .min)]),
                                   EBML.cluster(timecode: max63, [EBML.simpleBlock(timecode: .max)])]),
                 problem: outOfRange, repair: .either),
            Case(name: "valid frames, then a cluster near the Int64 ns limit (largest gap saturates)", ext: "webm",
                 bytes: EBML.file([head, av,
                                   EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: .min), EBML.simpleBlock(track: 2, timecode: 0, payload: OggBytes.packet)]),
                                   EBML.cluster(timecode: UInt64(Int64.max / 1_000_000) - 40, [EBML.simpleBlock(timecode: 0),
                                                                                                EBML.simpleBlock(track: 2, timecode: 20, payload: OggBytes.packet)])]),
                 problem: "failed to decode", repair: .either),
            Case(name: "absurd TimecodeScale 2^64−1", ext: "webm",
                 bytes: EBML.file([EBML.info(scale: .max), video, EBML.cluster(timecode: 1, [EBML.simpleBlock(timecode: 0)])]),
                 problem: outOfRange, repair: .refused(outOfRange)),
            Case(name: "TimecodeScale 2^63 with cluster 0, block −1", ext: "webm",
                 bytes: EBML.file([EBML.info(scale: 1 << 63), video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: -1)])]),
                 problem: outOfRange, repair: .refused(outOfRange)),
            Case(name: "fixed lacing, 256 frames, DefaultDuration 2^63−1 (lace offset overflows)", ext: "webm",
                 bytes: EBML.file([head, EBML.tracks([EBML.videoTrack(defaultDuration: max63)]),
                                   EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0, flags: 0x84,
                                                                               payload: [0xFF] + Array(repeating: 0x11, count: 512))])]),
                 problem: outOfRange, repair: .either),
            Case(name: "Xiph lacing: 256 frames whose sizes run past the block", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0, flags: 0x82,
                                                                                            payload: [0xFF] + Array(repeating: 0xFF, count: 300))])]),
                 problem: "", repair: .either),
            Case(name: "EBML lacing: negative size deltas", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0, flags: 0x86,
                                                                                            payload: [0x03, 0x84, 0x80, 0x01, 0x00, 0x01] + garbage)])]),
                 problem: "", repair: .either),
            Case(name: "SimpleBlock claiming 2^56−2 bytes", ext: "webm",
                 bytes: EBML.file([head, video, EBML.element(MatroskaID.cluster, declaredSize: 60,
                                                             EBML.uint(MatroskaID.timecode, 0) + EBML.element(MatroskaID.simpleBlock, declaredSize: (1 << 56) - 2, [0x81, 0, 0, 0x80] + garbage))]),
                 problem: "", repair: .refused("")),
            Case(name: "Cluster claiming 2^56−2 bytes", ext: "webm",
                 bytes: EBML.file([head, video, EBML.element(MatroskaID.cluster, declaredSize: (1 << 56) - 2,
                                                             EBML.uint(MatroskaID.timecode, 0) + EBML.simpleBlock(timecode: 0))]),
                 problem: "", repair: .either),
            Case(name: "CodecPrivate claiming 2^55 bytes", ext: "webm",
                 bytes: EBML.file([head, EBML.master(MatroskaID.tracks, [EBML.element(MatroskaID.trackEntry, declaredSize: 1 << 55,
                                                                                      EBML.uint(MatroskaID.trackNumber, 1) + EBML.element(MatroskaID.codecPrivate, declaredSize: 1 << 55, garbage))])]),
                 problem: "", repair: .refused("")),
            Case(name: "CueTime 2^63−1", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0)]),
                                   EBML.master(MatroskaID.cues, [EBML.master(MatroskaID.cuePoint, [
                                       EBML.uint(MatroskaID.cueTime, max63),
                                       EBML.master(MatroskaID.cueTrackPositions, [EBML.uint(MatroskaID.cueTrack, 1), EBML.uint(MatroskaID.cueClusterPosition, 0)]),
                                   ])])]),
                 problem: outOfRange, repair: .either),
            Case(name: "Duration NaN", ext: "webm",
                 bytes: EBML.file([EBML.info(duration: .nan), video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0)])]),
                 problem: "failed to decode", repair: .either),
            Case(name: "Duration +inf and 1e300", ext: "webm",
                 bytes: EBML.file([EBML.info(duration: .infinity), EBML.info(duration: 1e300), video,
                                   EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0)])]),
                 problem: "failed to decode", repair: .either),
            Case(name: "SamplingFrequency inf, −1 and NaN", ext: "webm",
                 bytes: EBML.file([head, EBML.tracks([EBML.audioTrack(number: 1, samplingFrequency: .infinity),
                                                      EBML.audioTrack(number: 2, samplingFrequency: -1),
                                                      EBML.audioTrack(number: 3, samplingFrequency: .nan)]),
                                   EBML.cluster(timecode: 0, [EBML.simpleBlock(track: 1, timecode: 0, payload: [0x0B])])]),
                 problem: "", repair: .either),
            Case(name: "an empty SimpleBlock between two frames (malformed: repair keeps the frame before)", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0), EBML.simpleBlock(timecode: 33, payload: []),
                                                                          EBML.simpleBlock(timecode: 66)])]),
                 problem: "invalid element size", repair: .kept("kept 1 video and 0 audio frames")),
            Case(name: "a Xiph-laced block whose first frame is empty (repair drops it)", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [EBML.simpleBlock(timecode: 0),
                                                                          EBML.simpleBlock(timecode: 33, flags: 0x82, payload: [0x01, 0x00] + garbage),
                                                                          EBML.simpleBlock(timecode: 66)])]),
                 problem: "failed to decode", repair: .kept("kept 3 video and 0 audio frames")),
            Case(name: "BlockGroup at −32768 and track number 2^56−2", ext: "webm",
                 bytes: EBML.file([head, video, EBML.cluster(timecode: 0, [
                     EBML.master(EBML.blockGroup, [EBML.element(EBML.block, [0x81, 0x80, 0x00, 0x00] + garbage)]),
                     EBML.element(MatroskaID.simpleBlock, [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0x80] + garbage),
                 ])]),
                 problem: "", repair: .either),
        ]
    }()

    static let oggCases: [Case] = {
        let packet = OggBytes.packet
        return [
            Case(name: "issue 15: one packet at granule position 2^63−1", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: .max, sequence: 2, flags: 0x04, packets: [packet])]),
                 problem: "out of range", repair: .refused("out of range")),
            Case(name: "granule just past the limit", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: 442_721_857_728_001, sequence: 2, flags: 0x04, packets: [packet])]),
                 problem: "out of range", repair: .refused("out of range")),
            Case(name: "granule going backwards", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: 1_272, sequence: 2, packets: [packet]),
                                              OggBytes.page(granule: 960, sequence: 3, packets: [packet]),
                                              OggBytes.page(granule: 100, sequence: 4, flags: 0x04, packets: [packet])]),
                 problem: "goes backwards", repair: .either),
            Case(name: "negative granule −5", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: -5, sequence: 2, flags: 0x04, packets: [packet])]),
                 problem: "goes backwards or is negative", repair: .either),
            Case(name: "granule Int64.min", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: .min, sequence: 2, flags: 0x04, packets: [packet])]),
                 problem: "negative", repair: .either),
            Case(name: "zero-length pages, then a cut", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: -1, sequence: 2, packets: []),
                                              OggBytes.page(granule: 1_272, sequence: 3, packets: [packet]),
                                              OggBytes.page(granule: -1, sequence: 4, packets: []),
                                              Array(OggBytes.page(granule: 2_232, sequence: 5, flags: 0x04, packets: [packet]).prefix(30))]),
                 problem: "truncated", repair: .either),
            Case(name: "a packet continued over 255-segment pages that never ends", ext: "ogg",
                 bytes: OggBytes.file(audio: [OggBytes.page(granule: -1, sequence: 2, packets: [Array(repeating: 0xF8, count: 255 * 255)],
                                                            segments: Array(repeating: 255, count: 255)),
                                              OggBytes.page(granule: -1, sequence: 3, flags: 0x01, packets: [Array(repeating: 0xF8, count: 255 * 255)],
                                                            segments: Array(repeating: 255, count: 255))]),
                 problem: "", repair: .either),
            Case(name: "pre-skip 65535, 255 channels, family 255", ext: "ogg",
                 bytes: OggBytes.file(head: OggBytes.opusHead(channels: 255, preSkip: 65_535, family: 255,
                                                              extra: [255, 0] + Array(repeating: 0, count: 255)),
                                      audio: [OggBytes.page(granule: 0, sequence: 2, flags: 0x04, packets: [packet])]),
                 problem: "", repair: .either, invalid: false),
        ]
    }()

    static let cases = webmCases + oggCases

    @Test(arguments: cases) func theBinarySurvives(_ c: Case) throws {
        let capstan = try ExternalTool.capstanBinary()
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = dir.path("hostile.\(c.ext)")
        try Data(c.bytes).write(to: URL(fileURLWithPath: path))

        let inspect = try ExternalTool.run(capstan, ["inspect", path], timeout: 60)
        #expect(!inspect.timedOut && !inspect.signalled, "inspect died: \(inspect.stderr.suffix(800))")
        if c.invalid {
            #expect(inspect.status == 1, "\(inspect.stdout)\(inspect.stderr.suffix(800))")
            #expect(inspect.stdout.contains("INVALID") && inspect.stdout.contains("problem: "), "\(inspect.stdout)")
        } else {
            #expect(inspect.status == 0 || inspect.status == 1, "\(inspect.stdout)\(inspect.stderr.suffix(800))")
        }
        if !c.problem.isEmpty {
            #expect(inspect.stdout.contains(c.problem), "\(inspect.stdout)")
        }
        let json = try ExternalTool.run(capstan, ["inspect", "--json", path], timeout: 60)
        #expect(json.status == inspect.status && !json.signalled)
        let reports = try JSONDecoder().decode([InspectionReport].self, from: Data(json.stdout.utf8))
        #expect(reports.first?.valid == (inspect.status == 0))

        let out = dir.path("out.\(c.ext)")
        let repair = try ExternalTool.run(capstan, ["repair", path, "-o", out], timeout: 60)
        #expect(!repair.timedOut && !repair.signalled, "repair died: \(repair.stderr.suffix(800))")
        switch c.repair {
        case .refused(let reason):
            #expect(repair.status == 1, "\(repair.stdout)\(repair.stderr)")
            #expect(repair.stderr.contains("cannot repair: \(reason)") || repair.stderr.contains(reason) && repair.stderr.contains("cannot repair: "),
                    "\(repair.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        case .kept(let what):
            #expect(repair.status == 0 && repair.stdout.contains(what), "\(repair.stdout)\(repair.stderr)")
            #expect(MediaInspector.inspect(path: out).finalized)
        case .either:
            #expect(repair.status == 0 || repair.status == 1, "\(repair.stderr)")
            if repair.status == 1 {
                #expect(repair.stderr.contains("cannot repair: "), "\(repair.stderr)")
            } else if FileManager.default.fileExists(atPath: out) {
                // What repair writes parses whole and is finalized (kept frames
                // may not decode; a Duration past 2^63 ns cannot be read back;
                // an Ogg stream may keep no packet, as a headers-only file does).
                let fixed = MediaInspector.inspect(path: out)
                #expect(fixed.finalized || fixed.warnings.contains { $0.hasPrefix("not finalized: no Duration") },
                        "\(fixed.problems) \(fixed.warnings)")
                #expect(fixed.problems.allSatisfy { $0.contains("failed to decode") || $0 == "no audio packets" },
                        "\(fixed.problems)")
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!left.contains { $0.contains(".repair-") }, "\(left)")
    }
}
