// What max pooling and the Winograd output transform that pools share: inference's 2 × 2 window
// maximum with its bias and ReLU, one expression, so that pooling inside the transform gives
// the bits of pooling after it.
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

#endif
#endif
