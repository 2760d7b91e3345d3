// swift-tools-version:6.1
import PackageDescription
import Foundation

// Capstan: a headless WebRTC media bridge and recorder daemon.
// Target layout follows ../shared/DESIGN.md §2: C system libraries at the
// bottom, pure value-type codecs above them, then transport, session and
// server, and the `capstan` executable on top. Dependencies point one way.

let systemLibraries: [Target] = [
    .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                   providers: [.apt(["libssl-dev"])]),
    .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2",
                   providers: [.apt(["libsrtp2-dev"])]),
    .systemLibrary(name: "COgg", pkgConfig: "ogg",
                   providers: [.apt(["libogg-dev"])]),
    .systemLibrary(name: "COpus", pkgConfig: "opus",
                   providers: [.apt(["libopus-dev"])]),
    .systemLibrary(name: "CVPX", pkgConfig: "vpx",
                   providers: [.apt(["libvpx-dev"])]),
    // H.264 decoding for `capstan inspect` (libavcodec's h264 decoder).
    .systemLibrary(name: "CAVCodec", pkgConfig: "libavcodec",
                   providers: [.apt(["libavcodec-dev", "libavutil-dev"])]),
    .systemLibrary(name: "COpenH264", pkgConfig: "openh264",
                   providers: [.apt(["libopenh264-dev"])]),
    // AV1 decoding for `capstan inspect` (dav1d).
    .systemLibrary(name: "CDav1d", pkgConfig: "dav1d",
                   providers: [.apt(["libdav1d-dev"])]),
    .systemLibrary(name: "CAOM", pkgConfig: "aom",
                   providers: [.apt(["libaom-dev"])]),
    // SCTP for data channels (RFC 8831): usrsctp, in its AF_CONN mode over our DTLS.
    .systemLibrary(name: "CUsrSCTP", pkgConfig: "usrsctp",
                   providers: [.apt(["libusrsctp-dev"])]),
]

// H.264 encoding (the sample peer's `--codec h264`) uses libopenh264 (BSD-2):
// optional, so Capstan builds without libopenh264-dev (scripts/setup installs it;
// without it `capstan peer --codec h264` says so). The header decides.
let hasOpenH264 = FileManager.default.fileExists(atPath: "/usr/include/wels/codec_api.h")
// AV1 encoding (`--codec av1`) uses libaom (BSD-2), optional the same way.
let hasAOM = FileManager.default.fileExists(atPath: "/usr/include/aom/aom_encoder.h")
let codecsDependencies: [Target.Dependency] = ["COpus", "CVPX", "CAVCodec", "CDav1d"]
    + (hasOpenH264 ? ["COpenH264"] : []) + (hasAOM ? ["CAOM"] : [])
let codecsSettings: [SwiftSetting] = (hasOpenH264 ? [.define("CAPSTAN_OPENH264")] : [])
    + (hasAOM ? [.define("CAPSTAN_AOM")] : [])

let package = Package(
    name: "Capstan",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "capstan", targets: ["capstan"]),
        // The hot-path modules, for the benchmark package in Benchmarks/
        // (a separate package, so its dependencies and its executables stay
        // out of this build).
        .library(name: "CapstanHotPaths", targets: [
            "STUN", "ICE", "SRTP", "RTP", "MediaPipeline", "WebM", "Ogg", "Codecs", "MediaBridge",
        ]),
        // The transport (SwiftNIO), for the receive-path benchmark only.
        .library(name: "CapstanTransport", targets: ["DTLS", "Transport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Without the ConfigurationSupport trait: Capstan reads its own configuration, and
        // swift-configuration was a minute of every clean build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: systemLibraries + [
        // MARK: test support — shared by the test targets
        .target(name: "CapstanTestSupport", path: "Tests/CapstanTestSupport"),

        // MARK: codecs — libopus/libvpx wrappers, test media, packetizers
        .target(name: "Codecs", dependencies: codecsDependencies, swiftSettings: codecsSettings),
        .target(name: "Ogg", dependencies: ["COgg", "Codecs"]),
        .testTarget(name: "CodecsTests", dependencies: ["CapstanTestSupport", "Codecs"]),
        .testTarget(name: "OggTests", dependencies: ["CapstanTestSupport", "Ogg", "Codecs"]),

        // MARK: containers — WebM (Swift EBML writer, libwebm reader), Ogg Opus
        .target(
            name: "CWebMParser",
            linkerSettings: [.linkedLibrary("webm")]
        ),
        .target(name: "WebM", dependencies: ["CWebMParser"]),
        .testTarget(name: "WebMTests", dependencies: ["CapstanTestSupport", "WebM"]),

        // MARK: inspection — `capstan inspect` / `capstan repair`
        .target(name: "Inspection", dependencies: ["WebM", "Ogg", "Codecs"]),
        .testTarget(name: "InspectionTests", dependencies: ["CapstanTestSupport", "Inspection", "WebM", "Ogg", "Codecs"]),

        // MARK: sdp
        .target(name: "SDP"),
        .testTarget(name: "SDPTests", dependencies: ["CapstanTestSupport", "SDP"], exclude: ["Fixtures"]),

        // MARK: stun-ice
        .target(name: "STUN", dependencies: ["COpenSSL"]),
        .target(name: "ICE", dependencies: ["STUN"]),
        .testTarget(name: "STUNTests", dependencies: ["CapstanTestSupport", "STUN"]),
        .testTarget(name: "ICETests", dependencies: ["ICE", "STUN"]),

        // MARK: rtp
        .target(name: "RTP"),
        .testTarget(name: "RTPTests", dependencies: ["CapstanTestSupport", "RTP"]),

        // MARK: dtls-srtp
        .target(name: "SRTP", dependencies: ["CSRTP"]),
        .target(name: "DTLS", dependencies: ["COpenSSL", "SRTP"]),
        .testTarget(name: "SRTPTests", dependencies: ["CapstanTestSupport", "SRTP"]),
        .testTarget(name: "DTLSTests", dependencies: ["CapstanTestSupport", "DTLS", "SRTP"]),

        // MARK: transport — UDP port, demux, per-session transport
        .target(name: "CDatagram"),
        .target(name: "Transport", dependencies: [
            "STUN", "ICE", "DTLS", "SRTP", "RTP", "CDatagram",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "TransportTests", dependencies: ["CapstanTestSupport", "Transport", "SDP", "RTP", "ICE"]),

        // MARK: data channels — SCTP (usrsctp) over DTLS, DCEP (RFC 8831, 8832)
        .target(name: "CSCTPShim", dependencies: ["CUsrSCTP"]),
        // DCEP's messages, apart (no SwiftNIO) so the fuzz build compiles no NIO.
        .target(name: "DCEP"),
        .target(name: "DataChannel", dependencies: [
            "CSCTPShim", "DCEP",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "DataChannelTests", dependencies: ["CapstanTestSupport", "DataChannel", "DCEP"]),

        // MARK: session — PeerSession call lifecycle (sans-I/O)
        .target(name: "PeerSession"),
        .testTarget(name: "PeerSessionTests", dependencies: ["PeerSession"]),

        // MARK: pipeline — depacketizers, packetizers, jitter buffer, keyframe gate
        .target(name: "MediaPipeline", dependencies: ["RTP", "Codecs"]),
        .testTarget(name: "MediaPipelineTests", dependencies: ["CapstanTestSupport", "MediaPipeline", "RTP", "Codecs"]),
        .target(name: "Loopback", dependencies: ["RTP", "Transport"]),
        .testTarget(name: "LoopbackTests", dependencies: ["Loopback", "RTP"]),
        // No Transport (so no SwiftNIO): CapstanServer attaches it to a session's transport.
        .target(name: "MediaBridge", dependencies: [
            "MediaPipeline", "RTP", "Codecs", "WebM", "Ogg", "SDP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MediaBridgeTests", dependencies: ["CapstanTestSupport", 
            "MediaBridge", "MediaPipeline", "RTP", "Codecs", "WebM", "Ogg", "Inspection",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: server — configuration, HTTP/WebSocket signalling, REST, metrics
        // The signalling message and its decoding, apart so the fuzzer links it without the server.
        .target(name: "Signalling"),
        .target(name: "CapstanServer", dependencies: [
            "Signalling", "Transport", "SDP", "DTLS", "ICE", "STUN", "PeerSession", "MediaBridge", "Inspection", "Loopback", "SRTP", "COpenSSL",
            "DataChannel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // MARK: sample peer — WHIP client on Capstan's own stack
        .target(name: "SamplePeer", dependencies: ["Transport", "SDP", "DTLS", "ICE", "STUN", "SRTP", "RTP", "MediaPipeline", "Codecs", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "SamplePeerTests", dependencies: ["CapstanTestSupport", "SamplePeer", "MediaPipeline", "Codecs", "RTP", "Transport", "SDP", "DTLS", "ICE", "STUN", .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "ServerTests", dependencies: [
            "CapstanTestSupport", "CapstanServer", "SamplePeer", "DTLS", "Transport", "SDP", "ICE", "STUN",
            "MediaBridge", "MediaPipeline", "RTP", "Codecs", "Inspection", "WebM",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: fuzzing (DESIGN §8) — entry points compiled and replayed by the normal build;
        // scripts/fuzz builds capstan-fuzz with libFuzzer + ASan in .build-fuzz.
        .target(name: "FuzzTargets", dependencies: [
            "STUN", "RTP", "SDP", "MediaPipeline", "Codecs", "WebM", "Ogg", "MediaBridge", "Signalling", "DCEP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "capstan-fuzz", dependencies: [
            "FuzzTargets", "CLibFuzzer", "Codecs", "MediaPipeline", "RTP", "STUN", "DCEP",
        ]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "Signalling", "WebM", "capstan-fuzz"]),

        // MARK: executable
        .executableTarget(
            name: "capstan",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                "CapstanServer",
                "Inspection",
                "SamplePeer",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
