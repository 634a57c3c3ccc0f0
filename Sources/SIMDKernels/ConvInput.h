#ifndef ASL_CONV_INPUT_H
#define ASL_CONV_INPUT_H

#include <stddef.h>
#include <stdint.h>

// Where a convolution (stride 1) reads its input, and what row j of its lowering (im2col) reads:
// shared by the kernels that make the lowering themselves, in cache, instead of reading it from
// memory (PooledConvolution.c's forward, DotGEMM.c's weight gradient). Each makes it in its own
// order; the values are Im2Col's.

/// `channels` planes of height × width floats, channel_stride apart, read by a kernel × kernel
/// window with `padding` border values each side (padding_values[c] per channel, or 0 without them).
typedef struct {
    const float *image;
    size_t channels, channel_stride, height, width, kernel, padding;
    const float *padding_values;
} asl_conv_input;

static inline size_t asl_conv_output_height(const asl_conv_input *in) { return in->height + 2 * in->padding - in->kernel + 1; }
static inline size_t asl_conv_output_width(const asl_conv_input *in) { return in->width + 2 * in->padding - in->kernel + 1; }

/// Whether the window fits the padded plane (an output of at least one pixel).
static inline int asl_conv_has_output(const asl_conv_input *in) {
    return in->width + 2 * in->padding >= in->kernel && in->height + 2 * in->padding >= in->kernel;
}

/// Row j = (c·kernel + ky)·kernel + kx of the lowering: at output pixel (y, x) it reads channel
/// c's pixel (y + dy, x + dx), or `border` where that lies outside the plane.
typedef struct {
    size_t channel, kx;
    long dy, dx;
    float border;
} asl_lowering_row;

static inline asl_lowering_row asl_conv_lowering_row(const asl_conv_input *in, size_t j) {
    const size_t k = in->kernel, c = j / (k * k), ky = j / k % k, kx = j % k;
    return (asl_lowering_row){c, kx, (long)ky - (long)in->padding, (long)kx - (long)in->padding,
                              in->padding_values ? in->padding_values[c] : 0.0f};
}

/// Which of the 32 output columns x … x + 31 a lowering row with column offset dx reads inside
/// a plane `width` wide: bit i for column x + i (which reads x + i + dx).
static inline uint32_t asl_conv_columns_inside(long x, long dx, long width) {
    const long start = x + dx, lo = start < 0 ? -start : 0, hi = width - start;
    if (hi <= lo || lo >= 32) return 0;
    const uint64_t below_hi = hi >= 32 ? 0xFFFFFFFFull : (1ull << hi) - 1;
    return (uint32_t)(below_hi & ~((1ull << lo) - 1));
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/// Where lowering row r reads output rows y and y + 1: line[dy] + x is the pixel output column x
/// reads (its channel's row y + dy + r->dy, shifted by r->dx), NULL where that row lies outside
/// the plane.
static inline void asl_conv_window_rows(const asl_conv_input *in, const asl_lowering_row *r, long y, const float *line[2]) {
    for (long dy = 0; dy < 2; dy++) {
        const long sy = y + dy + r->dy;
        line[dy] = sy < 0 || sy >= (long)in->height ? NULL : in->image + r->channel * in->channel_stride + sy * (long)in->width + r->dx;
    }
}

/// A lowering row at the four positions of 16 2 × 2 pooling windows, from its `line`s
/// (asl_conv_window_rows): columns x … x + 31, so v[2·dy + dx] holds, in lane l, the value at
/// (y + dy, x + 2l + dx): the image inside the plane, `border` outside (`inside`:
/// asl_conv_columns_inside(x, r->dx, width)). Only the lanes inside are read, so the address may
/// start before the row (masked loads do not fault).
__attribute__((target("avx512f"))) static inline void asl_conv_window_positions(const float *const line[2], float border, long x,
                                                                                uint32_t inside, __m512 v[4]) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 outside = _mm512_set1_ps(border);
    for (int dy = 0; dy < 2; dy++) {
        const __m512 lo = line[dy] ? _mm512_mask_loadu_ps(outside, (__mmask16)inside, line[dy] + x) : outside;
        const __m512 hi = line[dy] ? _mm512_mask_loadu_ps(outside, (__mmask16)(inside >> 16), line[dy] + x + 16) : outside;
        v[2 * dy] = _mm512_permutex2var_ps(lo, even, hi);
        v[2 * dy + 1] = _mm512_permutex2var_ps(lo, odd, hi);
    }
}
#endif

#endif
