// Capstan's hot paths under ordo-one/benchmark: wall clock, CPU time and
// mallocs per operation, in steady state.
//
//   cd Benchmarks && swift package benchmark
//   cd Benchmarks && swift package benchmark --filter 'srtp.*' --metric mallocCountTotal
//
// Each benchmark runs 1,000 operations per sample; the `*` columns are per
// operation, rounded down to whole numbers — add `--scale` to see them per
// 1,000 operations (0.07 mallocs per packet shows as 70, not 0). The case prepares its inputs outside the
// measured region (fresh SRTP receive contexts, the next packets of the
// stream); see Sources/HotPathCases. Instructions per operation come from
// scripts/bench-hotpaths (callgrind): this suite's `instructions` metric needs
// hardware counters, which shared VMs often lack.
import Benchmark
import HotPathCases

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // Not .cpuTotal: its 10 ms resolution says nothing per operation.
        // Not .retainCount/.releaseCount: on Linux with Swift 6.3 the ARC hooks
        // need ordo-one's swift-runtime-interposer (ordo-one/benchmark#349),
        // which the package mirror here does not carry; without it the
        // counting crashes the benchmark process.
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 2_000)

    // The harness's own cost per sample, in every other benchmark's figures too.
    // With these metrics it allocates nothing; adding `.cpuTotal` made the
    // harness itself allocate 16 times per sample (reading /proc).
    Benchmark("baseline-empty") { benchmark in
        benchmark.startMeasurement()
        benchmark.stopMeasurement()
    }

    for descriptor in HotPaths.all {
        let box = CaseBox(descriptor)
        Benchmark(descriptor.name) { benchmark in
            let hotPath = try box.instance()
            try hotPath.prepare(count: benchmark.scaledIterations.count)
            benchmark.startMeasurement()
            hotPath.run(count: benchmark.scaledIterations.count)
            benchmark.stopMeasurement()
            if let problem = hotPath.verify() { benchmark.error("\(descriptor.name): \(problem)") }
        }
    }
}

/// One case instance per benchmark, made on first use and kept across
/// samples so stateful paths reach steady state.
final class CaseBox: @unchecked Sendable {
    private let descriptor: HotPathDescriptor
    private var made: (any HotPathCase)?

    init(_ descriptor: HotPathDescriptor) { self.descriptor = descriptor }

    func instance() throws -> any HotPathCase {
        if let made { return made }
        let hotPath = try descriptor.make()
        made = hotPath
        return hotPath
    }
}
