// Packing of float32 operands into bfloat16 pairs, shared by the AVX512-BF16 and AMX kernels.
// Both instructions (vdpbf16ps, tdpbf16ps) multiply pairs of bf16 values along k: one 32-bit
// lane holds (x[2p], x[2p+1]) of one column. Rounding is to nearest even, by vcvtne2ps2bf16.
#ifndef ASL_BF16_PACK_H
#define ASL_BF16_PACK_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include "Transpose16.h"

#define ASL_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

ASL_BF16_TARGET static inline __mmask16 bf16_lanes(size_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// 32 bf16 from 32 floats: lo[0..15] then hi[0..15], each rounded to nearest even.
ASL_BF16_TARGET static inline __m512i bf16_convert(__m512 lo, __m512 hi) {
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/// An operand stored with k as its row index, x(k, j) = src[k·ld + j]: in strips of ldd
/// columns (a multiple of 16), strip s at dst + s·⌈kc/2⌉·ldd, dst[p·ldd + j] = (x(2p, j),
/// x(2p+1, j)) for the strip's columns j < width, p < ⌈kc/2⌉; zero past kc and width.
///
/// A pair of rows is packed across every strip before the next: read strip by strip, a
/// panel's hundreds of rows (a layer's weights, 128 KB apart) were all streams at once, which
/// fall in the same sets of L1 and L2 and which the prefetchers cannot follow.
ASL_BF16_TARGET static void bf16_pack_pairs_rows(const float *src, size_t ld, size_t kc, size_t width, uint32_t *dst, size_t ldd) {
    static const uint16_t order[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                       8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i interleave = _mm512_loadu_si512(order);
    const size_t pairs = (kc + 1) / 2, strips = width == 0 ? 1 : (width + ldd - 1) / ldd;
    for (size_t p = 0; p < pairs; p++) {
        const float *r0 = src + 2 * p * ld, *r1 = r0 + ld;
        const int second = 2 * p + 1 < kc;
        for (size_t s = 0; s < strips; s++)
            for (size_t j = 0; j < ldd; j += 16) {
                const size_t col = s * ldd + j;
                const __mmask16 mask = col < width ? bf16_lanes(width - col) : 0;
                const __m512 lo = _mm512_maskz_loadu_ps(mask, r0 + col);
                const __m512 hi = second ? _mm512_maskz_loadu_ps(mask, r1 + col) : _mm512_setzero_ps();
                _mm512_storeu_si512(dst + (s * pairs + p) * ldd + j, _mm512_permutexvar_epi16(interleave, bf16_convert(lo, hi)));
            }
    }
}

/// An operand stored with k contiguous, x(k, j) = src[j·ld + k]: the same packed layout as
/// `bf16_pack_pairs_rows` (16 × 16 blocks of pairs transposed in registers).
///
/// The 16 rows of a block are first copied, one after the other, into a buffer in L1. Read in
/// place, a block's 16 loads hit 16 rows at once; a layer's weights have rows 128 KB apart
/// (32 768 inputs), which all fall in one set of L1 and of L2: the rows evicted each other and
/// the hardware's prefetches, and every load waited on memory. One row at a time is a stream
/// the prefetchers follow, and the next row is asked for while one is copied.
ASL_BF16_TARGET static void bf16_pack_pairs_cols(const float *src, size_t ld, size_t kc, size_t width, uint32_t *dst, size_t ldd) {
    enum { STAGED = 384 }; // values of k staged at a time: a multiple of 32 (16 pairs)
    float stage[16 * STAGED] __attribute__((aligned(64)));
    const size_t pairs = (kc + 1) / 2;
    for (size_t j0 = 0; j0 < ldd; j0 += 16) {
        const size_t rows_here = j0 < width ? (width - j0 < 16 ? width - j0 : 16) : 0;
        for (size_t c0 = 0; c0 < kc; c0 += STAGED) {
            const size_t count = kc - c0 < STAGED ? kc - c0 : STAGED;
            for (size_t j = 0; j < rows_here; j++) {
                const float *row = src + (j0 + j) * ld + c0;
                if (j + 1 < rows_here)
                    for (size_t x = 0; x < count; x += 16) _mm_prefetch((const char *)(row + ld + x), _MM_HINT_T0);
                for (size_t x = 0; x < count; x += 16)
                    _mm512_store_ps(stage + j * STAGED + x, _mm512_maskz_loadu_ps(bf16_lanes(count - x), row + x));
            }
            for (size_t p0 = c0 / 2; p0 < (c0 + count + 1) / 2; p0 += 16) {
                const size_t k0 = 2 * p0, kleft = kc - k0;
                const __mmask16 m0 = bf16_lanes(kleft), m1 = kleft > 16 ? bf16_lanes(kleft - 16) : 0;
                const size_t rows = pairs - p0 < 16 ? pairs - p0 : 16;
                __m512i r[16];
                for (size_t j = 0; j < 16; j++) {
                    if (j < rows_here) {
                        const float *s = stage + j * STAGED + (k0 - c0);
                        r[j] = bf16_convert(_mm512_maskz_loadu_ps(m0, s), _mm512_maskz_loadu_ps(m1, s + 16));
                    } else {
                        r[j] = _mm512_setzero_si512();
                    }
                }
                asl_transpose16(r);
                for (size_t p = 0; p < rows; p++) _mm512_storeu_si512(dst + (p0 + p) * ldd + j0, r[p]);
            }
        }
    }
}

#endif
#endif
