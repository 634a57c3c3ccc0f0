#ifndef ASL_FUZZ_SUPPORT_H
#define ASL_FUZZ_SUPPORT_H

#include <stddef.h>

/// From now on, any single allocation above `bytes` (malloc, calloc, realloc and the aligned
/// forms, whoever asks: Swift, Foundation, libpng, libxml2) prints its size and aborts.
void fuzz_set_allocation_limit(size_t bytes);

/// The largest single allocation asked for since the limit was set.
size_t fuzz_largest_allocation(void);

/// Caps the process's data segment (RLIMIT_DATA), so that many allocations below the single
/// limit still cannot add up without bound. Returns 0 on success.
int fuzz_limit_data(size_t bytes);

/// On a crash (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE; Swift's traps are SIGILL or
/// SIGTRAP) the current input is written to `input_path` and a line naming `target`, `seed`
/// and the run is printed before the signal takes its course. Runs on its own stack, so a
/// stack overflow on the main thread is reported too.
void fuzz_install_crash_handler(const char *target, unsigned long long seed, const char *input_path);

/// The input being tried and its run number, for the crash handler. The bytes are not copied:
/// they must stay valid until the next call.
void fuzz_set_current_input(const void *bytes, size_t count, long run);

#endif
