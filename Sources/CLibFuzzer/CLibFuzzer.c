// Declarations only (include/CLibFuzzer.h); libFuzzer itself comes from the
// toolchain's compiler-rt when scripts/fuzz links capstan-fuzz.
#include "CLibFuzzer.h"
