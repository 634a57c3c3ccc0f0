#include "SIMDKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// The ceiling the matrix products are measured against: 24 independent chains of 512-bit
// multiply-adds in registers, no memory traffic, enough chains to hide the instruction's
// latency on both kinds of machine (latency 4–6 cycles, up to 2 per cycle). What the loop
// reaches is what the core can do for a product; a kernel's GFLOP/s divided by it is its
// efficiency.
enum { CHAINS = 24 };

#define ASL_PROBE_LOOP(step)                                                                         \
    for (size_t i = 0; i < iterations; i++) {                                                        \
        for (int j = 0; j < CHAINS; j++) c[j] = step;                                                \
    }

__attribute__((target("avx512f")))
static double probe_fp32(size_t iterations, float *sink) {
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-6f);
    __m512 c[CHAINS];
    for (int j = 0; j < CHAINS; j++) c[j] = _mm512_set1_ps((float)j);
    ASL_PROBE_LOOP(_mm512_fmadd_ps(a, b, c[j]))
    __m512 sum = c[0];
    for (int j = 1; j < CHAINS; j++) sum = _mm512_add_ps(sum, c[j]);
    *sink = _mm512_reduce_add_ps(sum);
    return (double)iterations * CHAINS * 16 * 2;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static double probe_bf16(size_t iterations, float *sink) {
    const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.999f), _mm512_set1_ps(0.998f));
    const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-6f), _mm512_set1_ps(2e-6f));
    __m512 c[CHAINS];
    for (int j = 0; j < CHAINS; j++) c[j] = _mm512_set1_ps((float)j);
    ASL_PROBE_LOOP(_mm512_dpbf16_ps(c[j], a, b))
    __m512 sum = c[0];
    for (int j = 1; j < CHAINS; j++) sum = _mm512_add_ps(sum, c[j]);
    *sink = _mm512_reduce_add_ps(sum);
    return (double)iterations * CHAINS * 16 * 4;
}

double asl_simd_peak_probe(int bf16, size_t iterations) {
    // The result goes through a volatile so the compiler cannot drop the chains.
    volatile float kept;
    float sink = 0;
    double operations = 0;
    if (bf16) {
        if (asl_simd_has_avx512_bf16()) operations = probe_bf16(iterations, &sink);
    } else if (asl_simd_has_avx512()) {
        operations = probe_fp32(iterations, &sink);
    }
    kept = sink;
    (void)kept;
    return operations;
}

#else

double asl_simd_peak_probe(int bf16, size_t iterations) {
    (void)bf16; (void)iterations;
    return 0;
}

#endif
