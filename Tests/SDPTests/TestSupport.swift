import Testing
@testable import SDP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Loads a fixture next to this file (never from /work/shared at run time).
func fixture(_ name: String, filePath: String = #filePath) throws -> String {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let data = try Data(contentsOf: directory.appendingPathComponent(name))
    return String(decoding: data, as: UTF8.self)
}

let capturedFixtures = [
    "chromium-156-default-offer.sdp",
    "chromium-156-vp8-opus-offer.sdp",
    "firefox-153esr-default-offer.sdp",
    "firefox-153esr-vp8-opus-offer.sdp",
    "gstreamer-1.22-webrtcbin-offer.sdp",
    "aiortc-1.16-offer.sdp",
]

let reconstructedAcceptedFixtures = [
    "safari-17-offer.sdp",
    "obs-30-whip-vp8-offer.sdp",
]

let localFingerprint = SDPFingerprint.sha256(
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89")

func recordingOptions(candidates: [ICECandidate] = [.host(address: "127.0.0.1", port: 40000)]) -> AnswerOptions {
    AnswerOptions(iceUfrag: "CapS", icePwd: "capstanPasswordOf24Chars", fingerprint: localFingerprint,
                  candidates: candidates, mode: .recvonly, sessionID: 4242, sessionVersion: 1)
}

/// Parses SDP or records the error as a test failure.
func parse(_ text: String) throws -> SessionDescription {
    try SessionDescription(parsing: text)
}
