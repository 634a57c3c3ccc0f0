#ifndef ASL_CONV_INPUT_H
#define ASL_CONV_INPUT_H

#include <stddef.h>

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

#endif
