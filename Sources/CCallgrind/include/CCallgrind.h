#ifndef CAPSTAN_CCALLGRIND_H
#define CAPSTAN_CCALLGRIND_H
/* Callgrind client requests as functions Swift can call (the originals are
   macros). Outside valgrind each is a handful of no-op instructions. */

/* Starts the measured region: dumps everything so far as profile part 1
   (which zeroes all counters). */
void capstan_callgrind_begin_region(void);
/* Ends it: dumps the region as profile part 2. */
void capstan_callgrind_end_region(void);
int capstan_running_on_valgrind(void);
#endif
