#include "BF16Instructions.h"
#include "SIMDKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

static __mmask16 lanes(size_t left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }

BF16_TARGET static void dot_pairs(const float *acc, const uint32_t *a, const uint32_t *b, float *out, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 c = _mm512_maskz_loadu_ps(m, acc + i);
        const __m512bh x = (__m512bh)_mm512_maskz_loadu_epi32(m, a + i), y = (__m512bh)_mm512_maskz_loadu_epi32(m, b + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_dpbf16_ps(c, x, y));
    }
}

BF16_TARGET static void convert(const float *x, uint16_t *out, size_t count) {
    // Both sources of the instruction: the high half of its result is the first operand's.
    for (size_t i = 0; i < count; i += 32) {
        const size_t left = count - i;
        const __mmask16 lo = lanes(left), hi = left > 16 ? lanes(left - 16) : 0;
        const __m512 x_lo = _mm512_maskz_loadu_ps(lo, x + i), x_hi = _mm512_maskz_loadu_ps(hi, x + i + 16);
        const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(x_hi, x_lo);
        const __mmask32 m = (__mmask32)lo | ((__mmask32)hi << 16);
        _mm512_mask_storeu_epi16(out + i, m, both);
    }
}

int asl_bf16_dot_pairs(const float *acc, const uint32_t *a, const uint32_t *b, float *out, size_t count) {
    if (!asl_simd_has_avx512_bf16()) return 0;
    dot_pairs(acc, a, b, out, count);
    return 1;
}

int asl_bf16_convert(const float *x, uint16_t *out, size_t count) {
    if (!asl_simd_has_avx512_bf16()) return 0;
    convert(x, out, count);
    return 1;
}

#else
int asl_bf16_dot_pairs(const float *acc, const uint32_t *a, const uint32_t *b, float *out, size_t count) { return 0; }
int asl_bf16_convert(const float *x, uint16_t *out, size_t count) { return 0; }
#endif
