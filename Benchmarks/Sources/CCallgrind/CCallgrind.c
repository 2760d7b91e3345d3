#include "CCallgrind.h"
#include <valgrind/callgrind.h>

/* Run callgrind with collection on from the start. A dump writes and zeroes
   every counter, call counts included, so the part dumped at the end of a
   region holds exactly its instructions and calls. (Toggling collection instead is not enough:
   callgrind keeps counting calls while collection is off and writes those
   set-up calls, e.g. the handshake's mallocs, with the region's.) */
void capstan_callgrind_begin_region(void) { CALLGRIND_DUMP_STATS_AT("before-region"); }
void capstan_callgrind_end_region(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
int capstan_running_on_valgrind(void) { return (int)RUNNING_ON_VALGRIND; }
