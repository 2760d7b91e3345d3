// capstan-hotpaths-callgrind: Capstan's hot paths (Sources/HotPathCases)
// under callgrind, for instructions and allocation calls per operation.
// Run through scripts/bench-hotpaths, which reads the profile parts.
//
// For each case: make it, warm it up (`--warmup` operations, so buffers have
// grown and a stateful path is in steady state), then one measured region
// of `--operations` operations, dumped as a profile part named after the
// case. Set-up, preparation and the check afterwards are outside the regions.
#if canImport(Glibc)
import Glibc
#endif
import CCallgrind
import HotPathCases

var operations = 3_000
var warmup = 600
var filter: String?
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    switch arg {
    case "--operations": operations = Int(args.next() ?? "") ?? operations
    case "--warmup": warmup = Int(args.next() ?? "") ?? warmup
    case "--filter": filter = args.next()
    case "--list":
        for d in HotPaths.all {
            print("\(d.name)\t\(d.unit)\t\(d.expectsZeroAllocations ? "zero" : "expected")\t\(d.summary)\t\(d.allocationNote)")
        }
        exit(0)
    default:
        print("usage: capstan-hotpaths-callgrind [--operations N] [--warmup N] [--filter SUBSTRING] [--list]")
        exit(2)
    }
}

var failed = false
for descriptor in HotPaths.all where filter.map({ descriptor.name.contains($0) }) ?? true {
    do {
        let hotPath = try descriptor.make()
        try hotPath.prepare(count: warmup)
        hotPath.run(count: warmup)
        try hotPath.prepare(count: operations)
        capstan_callgrind_begin_region()
        hotPath.run(count: operations)
        capstan_callgrind_end_region(descriptor.name)
        if let problem = hotPath.verify() {
            print("\(descriptor.name): FAILED \(problem)")
            failed = true
        } else {
            print("\(descriptor.name): ok operations=\(operations)")
        }
    } catch {
        print("\(descriptor.name): FAILED \(error)")
        failed = true
    }
}
exit(failed ? 1 : 0)
