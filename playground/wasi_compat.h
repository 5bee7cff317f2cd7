// Force-included in the wasm32-wasi build (playground/toolchain-wasi.cmake):
// the Linux errnos wasi-libc's <errno.h> lacks. The model uses errno names,
// never numbers, so only distinctness matters; Linux's values do not collide
// with WASI's (which end at 76).
#pragma once
#include <errno.h>
#ifndef EUSERS
#define EUSERS 87
#endif
#ifndef ETOOMANYREFS
#define ETOOMANYREFS 109
#endif
