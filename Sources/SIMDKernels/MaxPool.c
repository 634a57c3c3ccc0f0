#include "SIMDKernels.h"
#include "PoolWindow.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// 16 outputs per step: the even and odd lanes of 32 inputs from each of two rows, picked
/// apart with one two-source permute each. Comparisons are strict, so the first maximum in
/// the order top-left, top-right, bottom-left, bottom-right wins, as in PyTorch.
__attribute__((target("avx512f,avx512bw")))
static void maxpool_avx512(const float *in, float *out, unsigned char *winners, size_t height, size_t width) {
    const size_t oh = height / 2, ow = width / 2;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (size_t y = 0; y < oh; y++) {
        const float *r0 = in + 2 * y * width, *r1 = r0 + width;
        float *o = out + y * ow;
        unsigned char *w = winners + y * ow;
        size_t x = 0;
        for (; x + 16 <= ow; x += 16) {
            const __m512 u0 = _mm512_loadu_ps(r0 + 2 * x), u1 = _mm512_loadu_ps(r0 + 2 * x + 16);
            const __m512 l0 = _mm512_loadu_ps(r1 + 2 * x), l1 = _mm512_loadu_ps(r1 + 2 * x + 16);
            const __m512 a = _mm512_permutex2var_ps(u0, even, u1), b = _mm512_permutex2var_ps(u0, odd, u1);
            const __m512 c = _mm512_permutex2var_ps(l0, even, l1), d = _mm512_permutex2var_ps(l0, odd, l1);
            __m512i which;
            _mm512_storeu_ps(o + x, asl_pool_window_winners(a, b, c, d, &which));
            _mm_storeu_si128((__m128i *)(w + x), _mm512_cvtepi32_epi8(which));
        }
        for (; x < ow; x++) {
            const float a = r0[2 * x], b = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1];
            const float top = b > a ? b : a, bottom = d > c ? d : c;
            const unsigned char top_which = b > a ? 1 : 0, bottom_which = d > c ? 3 : 2;
            const int use_bottom = bottom > top;
            o[x] = use_bottom ? bottom : top;
            w[x] = use_bottom ? bottom_which : top_which;
        }
    }
}

/// Backward, 16 outputs per step: each output's gradient (0 where `after_relu` and the
/// output was not positive) goes to the input that won, 0 to the other three; the two input
/// rows are the interleaved even and odd lanes. Every value is the scalar route's
/// (MaxPool2d.route): the gradient itself or a positive 0.
__attribute__((target("avx512f,avx512bw")))
static void maxpool_backward_avx512(const float *dy, const unsigned char *winners, const float *pooled, int after_relu, float *dx,
                                    size_t height, size_t width) {
    const size_t oh = height / 2, ow = width / 2;
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2), three = _mm512_set1_epi32(3);
    for (size_t y = 0; y < oh; y++) {
        const float *g = dy + y * ow, *p = pooled + y * ow;
        const unsigned char *w = winners + y * ow;
        float *top = dx + 2 * y * width, *bottom = top + width;
        size_t x = 0;
        for (; x + 16 <= ow; x += 16) {
            __m512 v = _mm512_loadu_ps(g + x);
            if (after_relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(p + x), _mm512_setzero_ps(), _CMP_GT_OQ), v);
            const __m512i which = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(w + x)));
            const __m512 t0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(which, _mm512_setzero_si512()), v);
            const __m512 t1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(which, one), v);
            const __m512 b0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(which, two), v);
            const __m512 b1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(which, three), v);
            _mm512_storeu_ps(top + 2 * x, _mm512_permutex2var_ps(t0, low, t1));
            _mm512_storeu_ps(top + 2 * x + 16, _mm512_permutex2var_ps(t0, high, t1));
            _mm512_storeu_ps(bottom + 2 * x, _mm512_permutex2var_ps(b0, low, b1));
            _mm512_storeu_ps(bottom + 2 * x + 16, _mm512_permutex2var_ps(b0, high, b1));
        }
        for (; x < ow; x++) {
            const float v = !after_relu || p[x] > 0 ? g[x] : 0;
            top[2 * x] = w[x] == 0 ? v : 0;
            top[2 * x + 1] = w[x] == 1 ? v : 0;
            bottom[2 * x] = w[x] == 2 ? v : 0;
            bottom[2 * x + 1] = w[x] == 3 ? v : 0;
        }
    }
}

int asl_maxpool2x2_backward_avx512(const float *dy, const unsigned char *winners, const float *pooled, int after_relu, float *dx,
                                   size_t height, size_t width) {
    if (!asl_simd_has_avx512()) return 0;
    maxpool_backward_avx512(dy, winners, pooled, after_relu, dx, height, width);
    return 1;
}

/// Inference's epilogue, 16 outputs per step: the 2 × 2 maximum of the raw products (the same
/// comparisons as maxpool_avx512), then its bias and ReLU, with no winners. Adding a bias and
/// ReLU are monotone (rounding to nearest never reverses an order), so this is the value of
/// biasing, ReLU-ing and then pooling, on a quarter of the values.
__attribute__((target("avx512f")))
static void maxpool_bias_relu_avx512(const float *in, float *out, size_t height, size_t width, float bias, int relu) {
    const size_t oh = height / 2, ow = width / 2;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 b = _mm512_set1_ps(bias);
    for (size_t y = 0; y < oh; y++) {
        const float *r0 = in + 2 * y * width, *r1 = r0 + width;
        float *o = out + y * ow;
        size_t x = 0;
        for (; x + 16 <= ow; x += 16) {
            const __m512 u0 = _mm512_loadu_ps(r0 + 2 * x), u1 = _mm512_loadu_ps(r0 + 2 * x + 16);
            const __m512 l0 = _mm512_loadu_ps(r1 + 2 * x), l1 = _mm512_loadu_ps(r1 + 2 * x + 16);
            const __m512 p = _mm512_permutex2var_ps(u0, even, u1), q = _mm512_permutex2var_ps(u0, odd, u1);
            const __m512 r = _mm512_permutex2var_ps(l0, even, l1), s = _mm512_permutex2var_ps(l0, odd, l1);
            _mm512_storeu_ps(o + x, asl_pool_window_bias_relu(p, q, r, s, b, relu));
        }
        for (; x < ow; x++) {
            const float p = r0[2 * x], q = r0[2 * x + 1], r = r1[2 * x], s = r1[2 * x + 1];
            const float top = q > p ? q : p, bottom = s > r ? s : r;
            const float v = (bottom > top ? bottom : top) + bias;
            o[x] = relu && v < 0 ? 0 : v;
        }
    }
}

int asl_maxpool2x2_bias_relu_avx512(const float *in, float *out, size_t height, size_t width, float bias, int relu) {
    if (!asl_simd_has_avx512()) return 0;
    maxpool_bias_relu_avx512(in, out, height, width, bias, relu);
    return 1;
}

/// The CPU check stays outside the AVX-512 function (see asl_sgemm_avx512).
int asl_maxpool2x2_avx512(const float *in, float *out, unsigned char *winners, size_t height, size_t width) {
    if (!asl_simd_has_avx512()) return 0;
    maxpool_avx512(in, out, winners, height, width);
    return 1;
}

#else

int asl_maxpool2x2_backward_avx512(const float *dy, const unsigned char *winners, const float *pooled, int after_relu, float *dx,
                                   size_t height, size_t width) {
    (void)dy; (void)winners; (void)pooled; (void)after_relu; (void)dx; (void)height; (void)width;
    return 0;
}

int asl_maxpool2x2_avx512(const float *in, float *out, unsigned char *winners, size_t height, size_t width) {
    (void)in; (void)out; (void)winners; (void)height; (void)width;
    return 0;
}

int asl_maxpool2x2_bias_relu_avx512(const float *in, float *out, size_t height, size_t width, float bias, int relu) {
    (void)in; (void)out; (void)height; (void)width; (void)bias; (void)relu;
    return 0;
}

#endif
