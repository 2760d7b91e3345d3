#ifndef CAPSTAN_CLIBFUZZER_H
#define CAPSTAN_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver entry (compiler-rt, libclang_rt.fuzzer_no_main): parses
/// libFuzzer flags from argv and runs `callback` on generated inputs. Only
/// linked into the fuzzing build of `capstan-fuzz` (scripts/fuzz).
typedef int (*capstan_fuzz_callback)(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, capstan_fuzz_callback callback);

#endif
