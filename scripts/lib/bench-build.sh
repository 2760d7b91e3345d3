# Sourced by scripts/bench-*: builds one executable of the benchmark package
# (Benchmarks/, a package of its own beside the daemon's) in release, and
# prints its path.
bench_build() {
    local product=$1
    # Once more on failure: after a source file of the daemon is removed or
    # renamed, SwiftPM's first incremental build of a path dependency can stop
    # on the stale file list ("missing inputs") and re-plans on the next.
    # No debug info: callgrind's valgrind cannot read the DWARF 5 the toolchain
    # writes anyway (bench-hotpaths stripped it), and it was a share of the build.
    (cd Benchmarks && swift build -c release -debug-info-format none --product "$product" >&2) ||
        (cd Benchmarks && swift build -c release -debug-info-format none --product "$product" >&2)
}

bench_binary() {
    echo "$(cd Benchmarks && swift build -c release --show-bin-path)/$1"
}
