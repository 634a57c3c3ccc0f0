// What the F(2×2, 3×3) and F(4×4, 3×3) transforms share: the switch to their plain copies, and
// the AVX-512 helpers that load, split and merge rows of tiles.
#ifndef ASL_WINOGRAD_COMMON_H
#define ASL_WINOGRAD_COMMON_H

#include <stddef.h>

// Set by asl_winograd_portable (tests): the plain copies run even where AVX-512 could.
extern int asl_winograd_portable_only;

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ASL_WINO_X86 1
#define ASL_WINO_TARGET __attribute__((target("avx512f")))
#define ASL_WINO_VECTOR (!asl_winograd_portable_only && asl_simd_has_avx512())

static inline __mmask16 asl_wino_lanes(size_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

// The lanes j of 16 from `start` (which may be negative) with start + j in [0, end). (Every
// load computes one: a loop over the lanes here cost more than the transforms' arithmetic.)
static inline __mmask16 asl_wino_inside(long start, long end) {
    const long lo = start < 0 ? -start : 0, hi = end - start < 16 ? end - start : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// 16 floats of a row from `start`, 0 outside [0, end).
ASL_WINO_TARGET static inline __m512 asl_wino_load(const float *row, long start, long end) {
    return _mm512_maskz_loadu_ps(asl_wino_inside(start, end), row + start);
}

// −x as the plain code's unary minus (a sign flip: −0 for +0, where 0 − x would give +0).
ASL_WINO_TARGET static inline __m512 asl_wino_neg(__m512 x) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}

// The even and the odd lanes of 32 consecutive floats (lo, then hi).
ASL_WINO_TARGET static inline void asl_wino_deinterleave(__m512 lo, __m512 hi, __m512 *even, __m512 *odd) {
    *even = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
    *odd = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
}

// The inverse: a0 b0 a1 b1 … as 32 consecutive floats (lo, then hi).
ASL_WINO_TARGET static inline void asl_wino_interleave(__m512 a, __m512 b, __m512 *lo, __m512 *hi) {
    *lo = _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), b);
    *hi = _mm512_permutex2var_ps(a, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), b);
}
#endif

#endif
