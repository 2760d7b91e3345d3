#ifndef CAPSTAN_CCALLGRIND_H
#define CAPSTAN_CCALLGRIND_H
/* Callgrind client requests as functions Swift can call (the originals are
   macros). Outside valgrind each is a handful of no-op instructions. */
void capstan_callgrind_toggle_collect(void);
int capstan_running_on_valgrind(void);
#endif
