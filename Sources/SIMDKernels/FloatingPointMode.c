#include "SIMDKernels.h"

// x86 keeps the flush-to-zero (FTZ, bit 15) and denormals-are-zero (DAZ, bit 6) modes in
// MXCSR, per thread; both kinds of the project's machines define them the same way. The
// other CPUs this builds on keep their default mode (their kernels are the portable ones).
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <xmmintrin.h>

static const unsigned flush_bits = 0x8040u;

unsigned asl_fp_flush_denormals(void) {
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | flush_bits);
    return saved;
}

void asl_fp_restore_mode(unsigned saved) { _mm_setcsr(saved); }

int asl_fp_flushes_denormals(void) { return (_mm_getcsr() & flush_bits) == flush_bits; }

#else

unsigned asl_fp_flush_denormals(void) { return 0; }
void asl_fp_restore_mode(unsigned saved) { (void)saved; }
int asl_fp_flushes_denormals(void) { return 0; }

#endif
