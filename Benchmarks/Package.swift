// swift-tools-version:6.1
import PackageDescription

// Capstan's hot-path benchmarks (issue 7): a package of its own beside the
// daemon, so ordo-one/benchmark and its plugin stay out of the daemon's build.
//
//  - Benchmarks/HotPaths: the ordo-one/benchmark suite — wall clock, CPU,
//    mallocs and ARC traffic per operation:
//        swift package benchmark            (from this directory)
//  - capstan-hotpaths-callgrind: the same cases under callgrind, for
//    instructions and allocation calls per operation (this machine has no
//    hardware counters for the suite's `instructions` metric):
//        scripts/bench-hotpaths             (from the repository root)
//  - HotPathCases: the cases both run, so they measure the same code.
//  - capstan-bench-receive, capstan-bench-record, capstan-bench-write: the
//    receive path, the recording pipeline and WebM muxing end to end, for
//    scripts/bench-receive, scripts/bench-record and scripts/bench-webm-write.
//  - CCallgrind: callgrind's client requests (measured regions) as C functions.
let package = Package(
    name: "CapstanBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Capstan", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "HotPathCases", dependencies: [
            .product(name: "CapstanHotPaths", package: "Capstan"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "HotPaths",
            dependencies: ["HotPathCases", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
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
