#include "SIMDKernels.h"

// Adam's update is a memory-bound pass over every parameter (four streams read, three
// written); this kernel does it in one AVX-512 pass with the exact float32 operations, in the
// order, of the plain formula in NN/Adam.swift (no fused multiply-adds: the bits must not
// depend on which of the two ran, nor on the CPU).
#pragma clang fp contract(off)

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <math.h>

__attribute__((target("avx512f")))
static void adam_avx512(float *p, const float *g, float *m, float *v, size_t count, float beta1, float beta2, float step_size, float root2,
                        float epsilon) {
    const __m512 b1 = _mm512_set1_ps(beta1), c1 = _mm512_set1_ps(1 - beta1), b2 = _mm512_set1_ps(beta2), c2 = _mm512_set1_ps(1 - beta2);
    const __m512 step = _mm512_set1_ps(step_size), r2 = _mm512_set1_ps(root2), eps = _mm512_set1_ps(epsilon);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        const __m512 gi = _mm512_loadu_ps(g + i);
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(c1, gi));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        const __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), r2), eps);
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), _mm512_div_ps(_mm512_mul_ps(step, mi), denominator)));
    }
    for (; i < count; i++) {
        const float gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= step_size * m[i] / (sqrtf(v[i]) / root2 + epsilon);
    }
}

int asl_adam_avx512(float *p, const float *g, float *m, float *v, size_t count, float beta1, float beta2, float step_size, float root2,
                    float epsilon) {
    if (!asl_simd_has_avx512()) return 0;
    adam_avx512(p, g, m, v, count, beta1, beta2, step_size, root2, epsilon);
    return 1;
}

#else

int asl_adam_avx512(float *p, const float *g, float *m, float *v, size_t count, float beta1, float beta2, float step_size, float root2,
                    float epsilon) {
    (void)p; (void)g; (void)m; (void)v; (void)count; (void)beta1; (void)beta2; (void)step_size; (void)root2; (void)epsilon;
    return 0;
}

#endif
