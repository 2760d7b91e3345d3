// swift-tools-version:6.1
import PackageDescription

// The ordo-one/benchmark suite over Capstan's hot-path cases (Benchmarks/Sources/HotPathCases):
// wall clock, CPU, mallocs and ARC traffic per operation.
//
//     cd Benchmarks/Suite && swift package benchmark
//
// Apart from Benchmarks/ so that the benchmark plugin (and the ArgumentParser and
// generator it builds) stay out of the callgrind allocation check's build.
let package = Package(
    name: "CapstanBenchmarkSuite",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "CapstanBenchmarks", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "HotPathCases", package: "CapstanBenchmarks"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
