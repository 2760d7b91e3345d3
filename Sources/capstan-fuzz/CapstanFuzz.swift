#if canImport(Glibc)
import Glibc
#endif
import Foundation
import FuzzTargets
#if CAPSTAN_LIBFUZZER
import CLibFuzzer
#endif

/// `capstan-fuzz`: the fuzz targets of `FuzzTargets` as one binary.
///
/// Built by `scripts/fuzz` (ASan + libFuzzer coverage, `-DCAPSTAN_LIBFUZZER`):
///     capstan-fuzz TARGET [libFuzzer flags and corpus directories]
/// Built normally (no libFuzzer):
///     capstan-fuzz list
///     capstan-fuzz replay TARGET FILE…   run files through a target (reproduce a crasher)
///     capstan-fuzz seeds DIR             write the seed corpora (Tests/FuzzCorpus)
@main
struct CapstanFuzz {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        #if CAPSTAN_LIBFUZZER
        if let target = FuzzTargets.named(arguments[1]) {
            // Fork mode (-fork=N) starts workers with libFuzzer's own argv: they find the target here.
            setenv("CAPSTAN_FUZZ_TARGET", target.name, 1)
            runLibFuzzer(target, arguments: [arguments[0]] + arguments.dropFirst(2))
        } else if let name = getenv("CAPSTAN_FUZZ_TARGET").map({ String(cString: $0) }),
                  let target = FuzzTargets.named(name) {
            runLibFuzzer(target, arguments: arguments)
        }
        usage()
        #else
        switch arguments[1] {
        case "list":
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTargets.named(arguments[2]) else { usage() }
            for path in arguments.dropFirst(3) {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                bytes.withUnsafeBytes { target.run($0) }
                print("ok \(path)")
            }
        case "seeds" where arguments.count == 3:
            try Seeds.write(to: arguments[2])
        default:
            usage()
        }
        #endif
    }

    static func usage() -> Never {
        let names = FuzzTargets.all.map(\.name).joined(separator: " ")
        #if CAPSTAN_LIBFUZZER
        FileHandle.standardError.write(Data("usage: capstan-fuzz TARGET [libFuzzer flags] [CORPUS_DIR…]\ntargets: \(names)\n".utf8))
        #else
        FileHandle.standardError.write(Data("usage: capstan-fuzz list | replay TARGET FILE… | seeds DIR\ntargets: \(names)\n".utf8))
        #endif
        exit(2)
    }
}

#if CAPSTAN_LIBFUZZER
/// The chosen target, for the C callback (which cannot capture).
nonisolated(unsafe) var selectedTarget: FuzzTarget?

func runLibFuzzer(_ target: FuzzTarget, arguments: [String]) -> Never {
    selectedTarget = target
    // libFuzzer sees argv without the target name; -max_len defaults to the target's.
    var arguments = arguments
    if !arguments.contains(where: { $0.hasPrefix("-max_len=") }) { arguments.insert("-max_len=\(target.maxLength)", at: 1) }
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var argc = Int32(arguments.count)
    let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &pointer) { data, size in
            selectedTarget!.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
    exit(status)
}
#endif
