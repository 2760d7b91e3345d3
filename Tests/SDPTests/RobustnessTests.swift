import CapstanTestSupport
import Testing
@testable import SDP

@Suite("Garbage, truncated and oversized input")
struct RobustnessTests {
    enum Expected: Sendable { case limit, malformed, missing }

    static let cases: [(String, Expected)] = [
        ("", .missing),
        ("\r\n\r\n", .missing),
        ("hello", .malformed),
        ("v=1\r\n", .malformed),
        ("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", .malformed),
        ("v=0\r\n", .missing),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", .missing),
        ("v=0\r\no=- x 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN\r\ns=-\r\nt=0 0\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=zero\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nx=unknown\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ok\u{0}\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na = spaced\r\n", .malformed),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nA=upper\r\n", .malformed),
        ("v=0\r\n" + String(repeating: "a", count: 70_000), .limit),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=" + String(repeating: "x", count: 5000) + "\r\n", .limit),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" + String(repeating: "m=audio 9 RTP/AVP 0\r\n", count: 40), .limit),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP " + (0..<200).map(String.init).joined(separator: " ") + "\r\n", .limit),
        ("v=0\r\n" + String(repeating: "a=x\r\n", count: 5000), .limit),
    ]

    @Test(arguments: cases.indices)
    func rejectsWithTypedError(index: Int) {
        let (text, expected) = Self.cases[index]
        do {
            let parsed = try SessionDescription(parsing: text)
            Issue.record("parsed garbage #\(index): \(parsed.serialized.prefix(80))")
        } catch {
            #expect(!error.reason.isEmpty)
            switch (error, expected) {
            case (.limitExceeded, .limit), (.malformedLine, .malformed), (.missingField, .missing): break
            default: Issue.record("case #\(index): unexpected \(error)")
            }
        }
    }

    @Test func callerGivenMaxSize() throws {
        let text = try fixture("chromium-156-default-offer.sdp")
        #expect(throws: SDPError.self) { try SessionDescription(parsing: text, limits: SDPLimits(maxSize: 1024)) }
        #expect(throws: SDPError.self) {
            try SessionDescription(parsing: Array(text.utf8), limits: SDPLimits(maxSize: 1024))
        }
        #expect(try SessionDescription(parsing: Array(text.utf8)) == SessionDescription(parsing: text))
        #expect(throws: SDPError.self) { try SessionDescription(parsing: [0x76, 0x3D, 0xFF, 0xFE]) }
    }

    /// Every prefix of a real offer either parses (and then round-trips) or
    /// throws a typed error; it never traps.
    @Test(arguments: capturedFixtures)
    func truncations(name: String) throws {
        let bytes = Array(try fixture(name).utf8)
        var parsedCount = 0
        for length in stride(from: 0, through: bytes.count, by: 7) {
            do {
                let parsed = try SessionDescription(parsing: bytes[0..<length])
                parsedCount += 1
                #expect(try SessionDescription(parsing: parsed.serialized) == parsed)
                _ = try? SDPAnswerer.answer(offer: parsed, options: recordingOptions())
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(parsedCount > 0)
    }

    /// Deterministic byte mutations of real offers: no trap, and whatever
    /// parses round-trips and can be fed to the answerer.
    @Test(arguments: capturedFixtures)
    func mutations(name: String) throws {
        let original = Array(try fixture(name).utf8)
        var rng = SplitMix64(seed: UInt64(original.count))
        let alphabet = Array(" :=/\r\n0123456789aAmv-.*".utf8) + [0x00, 0xFF, 0xC3]
        var survived = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let position = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[position] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: position)
                }
            }
            guard let parsed = try? SessionDescription(parsing: bytes) else { continue }
            survived += 1
            #expect(try SessionDescription(parsing: parsed.serialized) == parsed)
            if let result = try? SDPAnswerer.answer(offer: parsed, options: recordingOptions()) {
                #expect(try SessionDescription(parsing: result.answerSDP) == result.answer)
            }
            for section in parsed.media {
                for value in section.attributes(named: "candidate") { _ = try? ICECandidate(parsing: value) }
            }
        }
        #expect(survived > 0)
    }

    @Test func answererSurvivesUnknownAndBrokenAttributes() throws {
        var text = try fixture("chromium-156-vp8-opus-offer.sdp")
        text += "a=rtpmap:banana\r\na=rtcp-fb:\r\na=extmap:0\r\na=ssrc:notanumber cname:x\r\na=candidate:junk\r\na=fmtp\r\na=x-weird:\u{1F600}\r\n"
        let result = try SDPAnswerer.answer(offer: try parse(text), options: recordingOptions())
        #expect(result.session.tracks.count == 2)
        #expect(result.session.video?.remoteSSRCs == [2392065244])
    }
}

