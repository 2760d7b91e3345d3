#ifndef CAPSTAN_CCALLGRIND_H
#define CAPSTAN_CCALLGRIND_H
/* Callgrind client requests as functions Swift can call (the originals are
   macros). Outside valgrind each is a handful of no-op instructions. */

/* Starts a measured region: dumps everything so far as a profile part
   (which zeroes all counters). */
void capstan_callgrind_begin_region(void);
/* Ends it: dumps the region as a profile part whose trigger names it
   ("Client Request: NAME"). */
void capstan_callgrind_end_region(const char *name);
int capstan_running_on_valgrind(void);
#endif
