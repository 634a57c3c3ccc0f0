// What max pooling and the kernels that pool in their epilogue (the Winograd output transform,
// the pooled convolution) share: the 2 × 2 window's comparisons, one expression each for
// inference (maximum, bias, ReLU) and training (maximum and which position won), so that pooling
// inside a kernel gives the bits of pooling after it.
#ifndef ASL_POOL_WINDOW_H
#define ASL_POOL_WINDOW_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// 16 windows: the maximum of top-left, top-right, bottom-left, bottom-right (strict
// comparisons, so the first of them wins on ties, as in PyTorch), plus `bias`, then with
// `relu` 0 where negative.
__attribute__((target("avx512f")))
static inline __m512 asl_pool_window_bias_relu(__m512 top_left, __m512 top_right, __m512 bottom_left, __m512 bottom_right, __m512 bias,
                                               int relu) {
    const __m512 top = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(top_right, top_left, _CMP_GT_OQ), top_left, top_right);
    const __m512 bottom = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(bottom_right, bottom_left, _CMP_GT_OQ), bottom_left, bottom_right);
    const __m512 v = _mm512_add_ps(_mm512_mask_blend_ps(_mm512_cmp_ps_mask(bottom, top, _CMP_GT_OQ), top, bottom), bias);
    const __m512 zero = _mm512_setzero_ps();
    return relu ? _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, zero) : v;
}

// 16 windows in training: the maximum of top-left, top-right, bottom-left, bottom-right (the
// same strict comparisons) and which of them won, 0 … 3 in that order, in 32-bit lanes.
__attribute__((target("avx512f")))
static inline __m512 asl_pool_window_winners(__m512 top_left, __m512 top_right, __m512 bottom_left, __m512 bottom_right, __m512i *which) {
    const __mmask16 right_on_top = _mm512_cmp_ps_mask(top_right, top_left, _CMP_GT_OQ);
    const __mmask16 right_below = _mm512_cmp_ps_mask(bottom_right, bottom_left, _CMP_GT_OQ);
    const __m512 top = _mm512_mask_blend_ps(right_on_top, top_left, top_right);
    const __m512 bottom = _mm512_mask_blend_ps(right_below, bottom_left, bottom_right);
    const __mmask16 use_bottom = _mm512_cmp_ps_mask(bottom, top, _CMP_GT_OQ);
    const __m512i top_which = _mm512_maskz_mov_epi32(right_on_top, _mm512_set1_epi32(1));
    const __m512i bottom_which = _mm512_mask_blend_epi32(right_below, _mm512_set1_epi32(2), _mm512_set1_epi32(3));
    *which = _mm512_mask_blend_epi32(use_bottom, top_which, bottom_which);
    return _mm512_mask_blend_ps(use_bottom, top, bottom);
}

#endif
#endif
