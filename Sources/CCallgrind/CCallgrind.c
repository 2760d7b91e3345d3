#include "CCallgrind.h"
#include <valgrind/callgrind.h>

void capstan_callgrind_toggle_collect(void) { CALLGRIND_TOGGLE_COLLECT; }
int capstan_running_on_valgrind(void) { return (int)RUNNING_ON_VALGRIND; }
