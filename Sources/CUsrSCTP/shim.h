#ifndef CAPSTAN_CUSRSCTP_SHIM_H
#define CAPSTAN_CUSRSCTP_SHIM_H
#include <usrsctp.h>
#endif
