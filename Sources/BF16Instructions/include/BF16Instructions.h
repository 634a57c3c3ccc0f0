#ifndef ASL_BF16_INSTRUCTIONS_H
#define ASL_BF16_INSTRUCTIONS_H

// For tests only: the two AVX512-BF16 instructions the engine's bf16 kernels use, each run
// as one instruction on caller's data, so a test can hold this CPU's results to the bits
// Intel's SDM defines for them. Whether bf16 training gives the same bytes on two CPUs
// comes down to these two: everything else in the AVX512-BF16 path is IEEE float32
// arithmetic in a fixed order, or integer work.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[i] = VDPBF16PS(acc[i], a[i], b[i]) for i < count: each a[i], b[i] holds a pair of
/// bf16 values (element 0 in bits 15..0, element 1 in bits 31..16). Returns 0, writing
/// nothing, where the engine's check (`asl_simd_has_avx512_bf16`) finds no AVX512-BF16.
int asl_bf16_dot_pairs(const float *acc, const uint32_t *a, const uint32_t *b, float *out, size_t count);

/// out[i] = VCVTNE2PS2BF16's bf16 of x[i] for i < count. Returns 0, writing nothing, where
/// `asl_bf16_dot_pairs` would.
int asl_bf16_convert(const float *x, uint16_t *out, size_t count);

#ifdef __cplusplus
}
#endif

#endif
