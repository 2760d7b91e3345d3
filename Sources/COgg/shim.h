#ifndef CAPSTAN_COGG_SHIM_H
#define CAPSTAN_COGG_SHIM_H
#include <ogg/ogg.h>
#endif
