#include "SIMDKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int asl_simd_has_avx2_fma(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
}

__attribute__((target("avx2,fma")))
static inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Two points per pass, so each list load serves both.
__attribute__((target("avx2,fma")))
void asl_tsne_repulsion_avx2(const float *list_x, const float *list_y, const float *list_weight, size_t entries,
                             const float *points, size_t count, float *out) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t p = 0;
    for (; p + 2 <= count; p += 2) {
        const __m256 ax = _mm256_set1_ps(points[2 * p]), ay = _mm256_set1_ps(points[2 * p + 1]);
        const __m256 bx = _mm256_set1_ps(points[2 * p + 2]), by = _mm256_set1_ps(points[2 * p + 3]);
        __m256 afx = _mm256_setzero_ps(), afy = afx, az = afx, bfx = afx, bfy = afx, bz = afx;
        for (size_t e = 0; e < entries; e += 8) {
            const __m256 x = _mm256_loadu_ps(list_x + e), y = _mm256_loadu_ps(list_y + e), w = _mm256_loadu_ps(list_weight + e);
            __m256 dx = _mm256_sub_ps(ax, x), dy = _mm256_sub_ps(ay, y);
            __m256 q = _mm256_div_ps(one, _mm256_fmadd_ps(dx, dx, _mm256_fmadd_ps(dy, dy, one)));
            __m256 wq = _mm256_mul_ps(w, q);
            az = _mm256_add_ps(az, wq);
            wq = _mm256_mul_ps(wq, q);
            afx = _mm256_fmadd_ps(wq, dx, afx);
            afy = _mm256_fmadd_ps(wq, dy, afy);
            dx = _mm256_sub_ps(bx, x); dy = _mm256_sub_ps(by, y);
            q = _mm256_div_ps(one, _mm256_fmadd_ps(dx, dx, _mm256_fmadd_ps(dy, dy, one)));
            wq = _mm256_mul_ps(w, q);
            bz = _mm256_add_ps(bz, wq);
            wq = _mm256_mul_ps(wq, q);
            bfx = _mm256_fmadd_ps(wq, dx, bfx);
            bfy = _mm256_fmadd_ps(wq, dy, bfy);
        }
        out[3 * p] = sum8(afx); out[3 * p + 1] = sum8(afy); out[3 * p + 2] = sum8(az);
        out[3 * p + 3] = sum8(bfx); out[3 * p + 4] = sum8(bfy); out[3 * p + 5] = sum8(bz);
    }
    if (p < count) {
        const __m256 ax = _mm256_set1_ps(points[2 * p]), ay = _mm256_set1_ps(points[2 * p + 1]);
        __m256 afx = _mm256_setzero_ps(), afy = afx, az = afx;
        for (size_t e = 0; e < entries; e += 8) {
            const __m256 x = _mm256_loadu_ps(list_x + e), y = _mm256_loadu_ps(list_y + e), w = _mm256_loadu_ps(list_weight + e);
            const __m256 dx = _mm256_sub_ps(ax, x), dy = _mm256_sub_ps(ay, y);
            const __m256 q = _mm256_div_ps(one, _mm256_fmadd_ps(dx, dx, _mm256_fmadd_ps(dy, dy, one)));
            __m256 wq = _mm256_mul_ps(w, q);
            az = _mm256_add_ps(az, wq);
            wq = _mm256_mul_ps(wq, q);
            afx = _mm256_fmadd_ps(wq, dx, afx);
            afy = _mm256_fmadd_ps(wq, dy, afy);
        }
        out[3 * p] = sum8(afx); out[3 * p + 1] = sum8(afy); out[3 * p + 2] = sum8(az);
    }
}

#else

int asl_simd_has_avx2_fma(void) { return 0; }

void asl_tsne_repulsion_avx2(const float *list_x, const float *list_y, const float *list_weight, size_t entries,
                             const float *points, size_t count, float *out) {
    (void)list_x; (void)list_y; (void)list_weight; (void)entries; (void)points; (void)count; (void)out;
}

#endif
