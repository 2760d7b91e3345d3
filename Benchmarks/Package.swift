// swift-tools-version:6.1
import PackageDescription

// Capstan's hot-path benchmarks (issue 7): a package of its own beside the
// daemon, so its executables stay out of the daemon's build.
//
//  - capstan-hotpaths-callgrind: the hot-path cases under callgrind, for
//    instructions and allocation calls per operation (this machine has no
//    hardware counters):
//        scripts/bench-hotpaths             (from the repository root)
//  - HotPathCases: the cases, also run by the ordo-one/benchmark suite in
//    Suite/ (wall clock, CPU, mallocs and ARC traffic per operation):
//        cd Benchmarks/Suite && swift package benchmark
//    That suite is a package of its own because SwiftPM builds every build-tool
//    plugin of a package before any of its products: here, the benchmark
//    plugin's ArgumentParser and generator were compiled in release for every
//    allocation check in CI.
//  - capstan-bench-receive, capstan-bench-record, capstan-bench-write: the
//    receive path, the recording pipeline and WebM muxing end to end, for
//    scripts/bench-receive, scripts/bench-record and scripts/bench-webm-write.
//  - CCallgrind: callgrind's client requests (measured regions) as C functions.
let package = Package(
    name: "CapstanBenchmarks",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "HotPathCases", targets: ["HotPathCases"]),
    ],
    dependencies: [
        .package(name: "Capstan", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "HotPathCases", dependencies: [
            .product(name: "CapstanHotPaths", package: "Capstan"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "capstan-hotpaths-callgrind", dependencies: [
            "HotPathCases", "CCallgrind", .product(name: "CapstanHotPaths", package: "Capstan"),
        ]),
        .target(name: "CCallgrind"),
        .executableTarget(name: "capstan-bench-receive", dependencies: [
            "CCallgrind", .product(name: "CapstanHotPaths", package: "Capstan"),
            .product(name: "CapstanTransport", package: "Capstan"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "capstan-bench-record", dependencies: [
            .product(name: "CapstanHotPaths", package: "Capstan"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "capstan-bench-write", dependencies: [
            .product(name: "CapstanHotPaths", package: "Capstan"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
