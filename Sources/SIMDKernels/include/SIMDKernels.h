#ifndef ASL_SIMD_KERNELS_H
#define ASL_SIMD_KERNELS_H

#include <stddef.h>

/// Whether this CPU runs the AVX2 + FMA kernels below (checked once, at run time, so the
/// binary still runs on CPUs without them; callers use their portable kernel then).
int asl_simd_has_avx2_fma(void);

/// Barnes-Hut repulsion of `count` points (`points`: x, y interleaved) from one interaction
/// list of `entries` cells or points (`entries` a multiple of 8; padding entries weigh 0).
/// For point p, `out[3p ...]` receives Σ w q² (p − e)ₓ, Σ w q² (p − e)ᵧ and Σ w q, with
/// q = 1 / (1 + ‖p − e‖²). Call only when `asl_simd_has_avx2_fma()` is true.
void asl_tsne_repulsion_avx2(const float *list_x, const float *list_y, const float *list_weight, size_t entries,
                             const float *points, size_t count, float *out);

#endif
