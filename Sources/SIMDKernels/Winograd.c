#include "SIMDKernels.h"
#include "WinogradCommon.h"
#include "PoolWindow.h"
#include <stdint.h>
#include <string.h>

// Winograd F(2×2, 3×3) transforms (Lavin & Gray 2015) for a 3 × 3 convolution with padding 1:
//   V = Bᵀ d B (4 × 4 input tile), U = G g Gᵀ (3 × 3 kernel), Y = Aᵀ (U ⊙ V) A (2 × 2 output)
// and their adjoints for backward. The products between them (Σ over channels of U ⊙ V at each
// of the 16 points) are matrix products the engine runs in its own kernels.
//
// Every value here is a fixed sequence of additions, subtractions and multiplications by 1/2
// (exact), so the bits do not depend on how the compiler vectorises a loop: the AVX-512 copy and
// the plain one give the same results. Contraction into FMAs is off all the same.
#pragma clang fp contract(off)

enum { ASL_WINO_BLOCK = 64 };

// Tiles of one tile row: the tile at tx reads input columns 2tx − 1 … 2tx + 2 (0 outside).
static inline void input_tile_row(const float *plane, size_t height, size_t width, size_t ty, float *v, size_t point_stride) {
    const size_t tw = width / 2;
    for (size_t t0 = 0; t0 < tw; t0 += ASL_WINO_BLOCK) {
        const size_t count = tw - t0 < ASL_WINO_BLOCK ? tw - t0 : ASL_WINO_BLOCK;
        float h[4][4][ASL_WINO_BLOCK];
        for (size_t r = 0; r < 4; r++) {
            const long y = (long)(2 * ty) - 1 + (long)r;
            if (y < 0 || y >= (long)height) {
                for (size_t q = 0; q < 4; q++)
                    for (size_t i = 0; i < count; i++) h[r][q][i] = 0;
                continue;
            }
            const float *row = plane + (size_t)y * width;
            for (size_t i = 0; i < count; i++) {
                const size_t tx = t0 + i;
                const float d0 = tx > 0 ? row[2 * tx - 1] : 0.0f;
                const float d1 = row[2 * tx], d2 = row[2 * tx + 1];
                const float d3 = tx + 1 < tw ? row[2 * tx + 2] : 0.0f;
                h[r][0][i] = d0 - d2;
                h[r][1][i] = d1 + d2;
                h[r][2][i] = d2 - d1;
                h[r][3][i] = d1 - d3;
            }
        }
        for (size_t q = 0; q < 4; q++) {
            float *v0 = v + (0 * 4 + q) * point_stride + t0, *v1 = v + (1 * 4 + q) * point_stride + t0;
            float *v2 = v + (2 * 4 + q) * point_stride + t0, *v3 = v + (3 * 4 + q) * point_stride + t0;
            for (size_t i = 0; i < count; i++) {
                v0[i] = h[0][q][i] - h[2][q][i];
                v1[i] = h[1][q][i] + h[2][q][i];
                v2[i] = h[2][q][i] - h[1][q][i];
                v3[i] = h[1][q][i] - h[3][q][i];
            }
        }
    }
}

static void input_plain(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                        size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
    const size_t tw = width / 2;
    for (size_t c = 0; c < channels; c++) {
        const float *plane = image + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++)
            input_tile_row(plane, height, width, tile_row0 + j, v + c * ldv + j * tw, point_stride);
    }
}

static void output_plain(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                         size_t tile_row0, size_t tile_rows, float *out) {
    const size_t tw = width / 2;
    for (size_t k = 0; k < channels; k++) {
        float *plane = out + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const float *mt = m + k * ldm + j * tw;
            float *row0 = plane + 2 * (tile_row0 + j) * width, *row1 = row0 + width;
            for (size_t t0 = 0; t0 < tw; t0 += ASL_WINO_BLOCK) {
                const size_t count = tw - t0 < ASL_WINO_BLOCK ? tw - t0 : ASL_WINO_BLOCK;
                float r[4][2][ASL_WINO_BLOCK];
                for (size_t p = 0; p < 4; p++) {
                    const float *m0 = mt + (p * 4 + 0) * point_stride + t0, *m1 = mt + (p * 4 + 1) * point_stride + t0;
                    const float *m2 = mt + (p * 4 + 2) * point_stride + t0, *m3 = mt + (p * 4 + 3) * point_stride + t0;
                    for (size_t i = 0; i < count; i++) {
                        r[p][0][i] = m0[i] + m1[i] + m2[i];
                        r[p][1][i] = m1[i] - m2[i] - m3[i];
                    }
                }
                for (size_t i = 0; i < count; i++) {
                    const size_t x = 2 * (t0 + i);
                    row0[x] = r[0][0][i] + r[1][0][i] + r[2][0][i];
                    row0[x + 1] = r[0][1][i] + r[1][1][i] + r[2][1][i];
                    row1[x] = r[1][0][i] - r[2][0][i] - r[3][0][i];
                    row1[x + 1] = r[1][1][i] - r[2][1][i] - r[3][1][i];
                }
            }
        }
    }
}

static void output_adjoint_plain(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
    const size_t tw = width / 2;
    for (size_t k = 0; k < channels; k++) {
        const float *plane = dy + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            float *mt = dm + k * ldm + j * tw;
            const float *row0 = plane + 2 * (tile_row0 + j) * width, *row1 = row0 + width;
            for (size_t t0 = 0; t0 < tw; t0 += ASL_WINO_BLOCK) {
                const size_t count = tw - t0 < ASL_WINO_BLOCK ? tw - t0 : ASL_WINO_BLOCK;
                float e[2][4][ASL_WINO_BLOCK];
                for (size_t i = 0; i < count; i++) {
                    const size_t x = 2 * (t0 + i);
                    const float a = row0[x], b = row0[x + 1], c = row1[x], d = row1[x + 1];
                    e[0][0][i] = a;
                    e[0][1][i] = a + b;
                    e[0][2][i] = a - b;
                    e[0][3][i] = -b;
                    e[1][0][i] = c;
                    e[1][1][i] = c + d;
                    e[1][2][i] = c - d;
                    e[1][3][i] = -d;
                }
                for (size_t q = 0; q < 4; q++) {
                    float *m0 = mt + (0 * 4 + q) * point_stride + t0, *m1 = mt + (1 * 4 + q) * point_stride + t0;
                    float *m2 = mt + (2 * 4 + q) * point_stride + t0, *m3 = mt + (3 * 4 + q) * point_stride + t0;
                    for (size_t i = 0; i < count; i++) {
                        m0[i] = e[0][q][i];
                        m1[i] = e[0][q][i] + e[1][q][i];
                        m2[i] = e[0][q][i] - e[1][q][i];
                        m3[i] = -e[1][q][i];
                    }
                }
            }
        }
    }
}

// The adjoint of the input transform: each tile's 4 × 4 gradient, dd = B dV Bᵀ, added onto the
// input pixels it read (columns 2tx − 1 … 2tx + 2 of rows 2ty − 1 … 2ty + 2). A column gets the
// terms of two neighbouring tiles, summed left one first and then added to the pixel; a row gets
// those of two tile rows, the upper one first. The order is fixed, whatever the banding.
static void input_adjoint_plain(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                size_t tile_row0, size_t tile_rows, float *dx) {
    const size_t tw = width / 2;
    for (size_t c = 0; c < channels; c++) {
        float *plane = dx + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const size_t ty = tile_row0 + j;
            const float *vt = dv + c * ldv + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += ASL_WINO_BLOCK) {
                const size_t count = tw - t0 < ASL_WINO_BLOCK ? tw - t0 : ASL_WINO_BLOCK;
                // Slot i holds tile t0 + i − 1: the block and one neighbour each side (0 outside the row).
                const size_t lo = t0 == 0 ? 1 : 0, hi = t0 + count == tw ? count + 1 : count + 2;
                // dh[r][q] = Σ_p Bᵀ[p][r] dV[p][q]
                float dh[4][4][ASL_WINO_BLOCK + 2];
                for (size_t q = 0; q < 4; q++) {
                    const float *p0 = vt + (0 * 4 + q) * point_stride + t0, *p1 = vt + (1 * 4 + q) * point_stride + t0;
                    const float *p2 = vt + (2 * 4 + q) * point_stride + t0, *p3 = vt + (3 * 4 + q) * point_stride + t0;
                    // Outside the row, what the formulas give for zeros (−0 for the negated one),
                    // as the AVX-512 copy computes them.
                    for (size_t r = 0; r < 4; r++) {
                        const float outside = r == 3 ? -0.0f : 0.0f;
                        for (size_t i = 0; i < lo; i++) dh[r][q][i] = outside;
                        for (size_t i = hi; i < count + 2; i++) dh[r][q][i] = outside;
                    }
                    for (size_t i = lo; i < hi; i++) {
                        const ptrdiff_t t = (ptrdiff_t)i - 1;
                        dh[0][q][i] = p0[t];
                        dh[1][q][i] = p1[t] - p2[t] + p3[t];
                        dh[2][q][i] = p1[t] + p2[t] - p0[t];
                        dh[3][q][i] = -p3[t];
                    }
                }
                for (size_t r = 0; r < 4; r++) {
                    const long y = (long)(2 * ty) - 1 + (long)r;
                    if (y < 0 || y >= (long)height) continue;
                    float *row = plane + (size_t)y * width + 2 * t0;
                    // dd[r][s] = Σ_q dh[r][q] Bᵀ[q][s]
                    float s0[ASL_WINO_BLOCK + 2], s1[ASL_WINO_BLOCK + 2], s2[ASL_WINO_BLOCK + 2], s3[ASL_WINO_BLOCK + 2];
                    for (size_t i = 0; i < count + 2; i++) {
                        const float h0 = dh[r][0][i], h1 = dh[r][1][i], h2 = dh[r][2][i], h3 = dh[r][3][i];
                        s0[i] = h0;
                        s1[i] = h1 - h2 + h3;
                        s2[i] = h1 + h2 - h0;
                        s3[i] = -h3;
                    }
                    // Column 2tx: s3 of tile tx − 1, then s1 of tile tx; column 2tx + 1: s2 of
                    // tile tx, then s0 of tile tx + 1.
                    for (size_t i = 0; i < count; i++) {
                        row[2 * i] += s3[i] + s1[i + 1];
                        row[2 * i + 1] += s2[i + 1] + s0[i + 2];
                    }
                }
            }
        }
    }
}

#ifdef ASL_WINO_X86
// The AVX-512 transforms take 16 tiles at a time and compute every value with the same
// expression, in the same order, as the plain code above, so both give the same bits.

// 32 floats of a row from `start` (which may be −1), 0 outside [0, width).
ASL_WINO_TARGET static inline void load_pair(const float *row, long start, long width, __m512 *lo, __m512 *hi) {
    *lo = asl_wino_load(row, start, width);
    *hi = asl_wino_load(row, start + 16, width);
}

// The 16 points of V for the 16 tiles from t0 of tile row ty of one plane: v[4p + q].
ASL_WINO_TARGET static inline void input_tiles(const float *plane, size_t height, size_t width, size_t ty, size_t t0, __m512 v[16]) {
    __m512 h[4][4];
    for (size_t r = 0; r < 4; r++) {
        const long y = (long)(2 * ty) - 1 + (long)r;
        if (y < 0 || y >= (long)height) {
            for (size_t q = 0; q < 4; q++) h[r][q] = _mm512_setzero_ps();
            continue;
        }
        const float *row = plane + (size_t)y * width;
        // From 2t0 − 1: even lanes are d0 = row[2tx − 1], odd ones d1 = row[2tx];
        // from 2t0 + 1: d2 = row[2tx + 1], d3 = row[2tx + 2] (0 past the row's end).
        __m512 a0, a1, b0, b1;
        load_pair(row, (long)(2 * t0) - 1, (long)width, &a0, &a1);
        load_pair(row, (long)(2 * t0) + 1, (long)width, &b0, &b1);
        __m512 d0, d1, d2, d3;
        asl_wino_deinterleave(a0, a1, &d0, &d1);
        asl_wino_deinterleave(b0, b1, &d2, &d3);
        h[r][0] = _mm512_sub_ps(d0, d2);
        h[r][1] = _mm512_add_ps(d1, d2);
        h[r][2] = _mm512_sub_ps(d2, d1);
        h[r][3] = _mm512_sub_ps(d1, d3);
    }
    for (size_t q = 0; q < 4; q++) {
        v[0 * 4 + q] = _mm512_sub_ps(h[0][q], h[2][q]);
        v[1 * 4 + q] = _mm512_add_ps(h[1][q], h[2][q]);
        v[2 * 4 + q] = _mm512_sub_ps(h[2][q], h[1][q]);
        v[3 * 4 + q] = _mm512_sub_ps(h[1][q], h[3][q]);
    }
}

ASL_WINO_TARGET static void input_avx512(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                         size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
    const size_t tw = width / 2;
    for (size_t c = 0; c < channels; c++) {
        const float *plane = image + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            float *vt = v + c * ldv + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const __mmask16 keep = asl_wino_lanes(tw - t0);
                __m512 points[16];
                input_tiles(plane, height, width, tile_row0 + j, t0, points);
                for (size_t xi = 0; xi < 16; xi++) _mm512_mask_storeu_ps(vt + xi * point_stride + t0, keep, points[xi]);
            }
        }
    }
}

#define ASL_WINO_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// V of two channels at once, rounded to bf16 pairs in a packed B layout (as BF16Pack.h's
// bf16_pack_pairs_rows packs them: cvtne2ps_pbh, then the pairs interleaved): strips of
// `strip_width` tiles (48: the AVX512-BF16 kernel's; 32: AMX's), each `strip_pairs` pairs of
// channels deep (the pairs past the channels' are zero: AMX pads k to whole tiles).
ASL_WINO_BF16_TARGET static void input_bf16_packed(const float *image, size_t channels, size_t channel_stride, size_t height,
                                                   size_t width, size_t tile_row0, size_t tile_rows, uint32_t *packed,
                                                   size_t first_tile, size_t tiles, size_t point_stride, size_t strip_width,
                                                   size_t strip_pairs) {
    static const uint16_t order[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                       8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i interleave = _mm512_loadu_si512(order);
    const size_t tw = width / 2, pairs = (channels + 1) / 2, strip = strip_pairs * strip_width, sw = strip_width;
    for (size_t p = 0; p < pairs; p++) {
        const float *even = image + 2 * p * channel_stride, *odd = even + channel_stride;
        const int has_odd = 2 * p + 1 < channels;
        for (size_t j = 0; j < tile_rows; j++) {
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                __m512 lo[16], hi[16];
                input_tiles(even, height, width, tile_row0 + j, t0, lo);
                if (has_odd) input_tiles(odd, height, width, tile_row0 + j, t0, hi);
                else
                    for (size_t xi = 0; xi < 16; xi++) hi[xi] = _mm512_setzero_ps();
                const size_t tile = first_tile + j * tw + t0;
                uint32_t *dst = packed + (tile / sw) * strip + p * sw + tile % sw;
                for (size_t xi = 0; xi < 16; xi++) {
                    const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi[xi], lo[xi]);
                    _mm512_storeu_si512(dst + xi * point_stride, _mm512_permutexvar_epi16(interleave, both));
                }
            }
        }
    }
    for (size_t p = pairs; p < strip_pairs; p++)
        for (size_t j = 0; j < tile_rows; j++)
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const size_t tile = first_tile + j * tw + t0;
                for (size_t xi = 0; xi < 16; xi++)
                    _mm512_storeu_si512(packed + xi * point_stride + (tile / sw) * strip + p * sw + tile % sw, _mm512_setzero_si512());
            }
    // The last strip's lanes past the last tile: the kernel reads them (its stores skip their columns).
    const size_t end = first_tile + tile_rows * tw;
    if (end == tiles && tiles % sw != 0)
        for (size_t xi = 0; xi < 16; xi++)
            for (size_t p = 0; p < strip_pairs; p++)
                memset(packed + xi * point_stride + (tiles / sw) * strip + p * sw + tiles % sw, 0, 4 * (sw - tiles % sw));
}

// Aᵀ M A of F(2×2) for 16 tiles (lanes past `keep` read as 0): each tile's 2 × 2 outputs, y_rc
// for row r and column c, from its 16 points `point_stride` apart, starting at tile t0 of mt.
ASL_WINO_TARGET static inline void output_tile_avx512(const float *mt, size_t point_stride, size_t t0, __mmask16 keep, __m512 *y00,
                                                      __m512 *y01, __m512 *y10, __m512 *y11) {
    __m512 r[4][2];
    for (size_t p = 0; p < 4; p++) {
        const __m512 m0 = _mm512_maskz_loadu_ps(keep, mt + (p * 4 + 0) * point_stride + t0);
        const __m512 m1 = _mm512_maskz_loadu_ps(keep, mt + (p * 4 + 1) * point_stride + t0);
        const __m512 m2 = _mm512_maskz_loadu_ps(keep, mt + (p * 4 + 2) * point_stride + t0);
        const __m512 m3 = _mm512_maskz_loadu_ps(keep, mt + (p * 4 + 3) * point_stride + t0);
        r[p][0] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        r[p][1] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
    }
    *y00 = _mm512_add_ps(_mm512_add_ps(r[0][0], r[1][0]), r[2][0]);
    *y01 = _mm512_add_ps(_mm512_add_ps(r[0][1], r[1][1]), r[2][1]);
    *y10 = _mm512_sub_ps(_mm512_sub_ps(r[1][0], r[2][0]), r[3][0]);
    *y11 = _mm512_sub_ps(_mm512_sub_ps(r[1][1], r[2][1]), r[3][1]);
}

ASL_WINO_TARGET static void output_avx512(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                                          size_t tile_row0, size_t tile_rows, float *out) {
    const size_t tw = width / 2;
    for (size_t k = 0; k < channels; k++) {
        float *plane = out + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const float *mt = m + k * ldm + j * tw;
            float *row0 = plane + 2 * (tile_row0 + j) * width, *row1 = row0 + width;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const size_t count = tw - t0 < 16 ? tw - t0 : 16;
                const __mmask16 keep = asl_wino_lanes(count);
                __m512 y00, y01, y10, y11;
                output_tile_avx512(mt, point_stride, t0, keep, &y00, &y01, &y10, &y11);
                const __mmask16 first = asl_wino_lanes(2 * count), second = asl_wino_lanes(2 * count > 16 ? 2 * count - 16 : 0);
                __m512 lo, hi;
                asl_wino_interleave(y00, y01, &lo, &hi);
                _mm512_mask_storeu_ps(row0 + 2 * t0, first, lo);
                _mm512_mask_storeu_ps(row0 + 2 * t0 + 16, second, hi);
                asl_wino_interleave(y10, y11, &lo, &hi);
                _mm512_mask_storeu_ps(row1 + 2 * t0, first, lo);
                _mm512_mask_storeu_ps(row1 + 2 * t0 + 16, second, hi);
            }
        }
    }
}

// Inference's epilogue straight from M: a tile's 2 × 2 outputs are one pooling window, so each
// tile gives one pooled value, the window's maximum plus the bias, then ReLU. The outputs come
// from output_tile_avx512, as output_avx512's, and the window from asl_pool_window_bias_relu, as
// asl_maxpool2x2_bias_relu_avx512's, so the bits are those of transforming, then pooling.
ASL_WINO_TARGET static void output_pooled_avx512(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t tiles,
                                                 const float *bias, int relu, float *pooled, size_t pooled_channel_stride) {
    for (size_t k = 0; k < channels; k++) {
        const float *mt = m + k * ldm;
        float *out = pooled + k * pooled_channel_stride;
        const __m512 b = _mm512_set1_ps(bias[k]);
        for (size_t t0 = 0; t0 < tiles; t0 += 16) {
            const __mmask16 keep = asl_wino_lanes(tiles - t0);
            __m512 y00, y01, y10, y11;
            output_tile_avx512(mt, point_stride, t0, keep, &y00, &y01, &y10, &y11);
            _mm512_mask_storeu_ps(out + t0, keep, asl_pool_window_bias_relu(y00, y01, y10, y11, b, relu));
        }
    }
}

ASL_WINO_TARGET static void output_adjoint_avx512(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                                  size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
    const size_t tw = width / 2;
    for (size_t k = 0; k < channels; k++) {
        const float *plane = dy + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            float *mt = dm + k * ldm + j * tw;
            const float *row0 = plane + 2 * (tile_row0 + j) * width, *row1 = row0 + width;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const size_t count = tw - t0 < 16 ? tw - t0 : 16;
                const __mmask16 keep = asl_wino_lanes(count);
                __m512 u0, u1, l0, l1;
                load_pair(row0, (long)(2 * t0), (long)width, &u0, &u1);
                load_pair(row1, (long)(2 * t0), (long)width, &l0, &l1);
                __m512 a, b, c, d;
                asl_wino_deinterleave(u0, u1, &a, &b);
                asl_wino_deinterleave(l0, l1, &c, &d);
                const __m512 e0[4] = {a, _mm512_add_ps(a, b), _mm512_sub_ps(a, b), asl_wino_neg(b)};
                const __m512 e1[4] = {c, _mm512_add_ps(c, d), _mm512_sub_ps(c, d), asl_wino_neg(d)};
                for (size_t q = 0; q < 4; q++) {
                    _mm512_mask_storeu_ps(mt + (0 * 4 + q) * point_stride + t0, keep, e0[q]);
                    _mm512_mask_storeu_ps(mt + (1 * 4 + q) * point_stride + t0, keep, _mm512_add_ps(e0[q], e1[q]));
                    _mm512_mask_storeu_ps(mt + (2 * 4 + q) * point_stride + t0, keep, _mm512_sub_ps(e0[q], e1[q]));
                    _mm512_mask_storeu_ps(mt + (3 * 4 + q) * point_stride + t0, keep, asl_wino_neg(e1[q]));
                }
            }
        }
    }
}

// dh[r][q] for 16 tiles from `t` (lanes outside [0, tw) read as 0).
ASL_WINO_TARGET static inline __m512 adjoint_column(const float *vt, size_t point_stride, size_t q, size_t r, long t, long tw) {
    const __mmask16 m = asl_wino_inside(t, tw);
    const __m512 p0 = _mm512_maskz_loadu_ps(m, vt + (0 * 4 + q) * point_stride + t);
    const __m512 p1 = _mm512_maskz_loadu_ps(m, vt + (1 * 4 + q) * point_stride + t);
    const __m512 p2 = _mm512_maskz_loadu_ps(m, vt + (2 * 4 + q) * point_stride + t);
    const __m512 p3 = _mm512_maskz_loadu_ps(m, vt + (3 * 4 + q) * point_stride + t);
    switch (r) {
    case 0: return p0;
    case 1: return _mm512_add_ps(_mm512_sub_ps(p1, p2), p3);
    case 2: return _mm512_sub_ps(_mm512_add_ps(p1, p2), p0);
    default: return asl_wino_neg(p3);
    }
}

ASL_WINO_TARGET static void input_adjoint_avx512(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height,
                                                 size_t width, size_t tile_row0, size_t tile_rows, float *dx) {
    const size_t tw = width / 2;
    for (size_t c = 0; c < channels; c++) {
        float *plane = dx + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const size_t ty = tile_row0 + j;
            const float *vt = dv + c * ldv + j * tw;
            for (size_t r = 0; r < 4; r++) {
                const long y = (long)(2 * ty) - 1 + (long)r;
                if (y < 0 || y >= (long)height) continue;
                float *row = plane + (size_t)y * width;
                for (size_t t0 = 0; t0 < tw; t0 += 16) {
                    const size_t count = tw - t0 < 16 ? tw - t0 : 16;
                    const long t = (long)t0;
                    const __m512 h0 = adjoint_column(vt, point_stride, 0, r, t, (long)tw);
                    const __m512 h1 = adjoint_column(vt, point_stride, 1, r, t, (long)tw);
                    const __m512 h2 = adjoint_column(vt, point_stride, 2, r, t, (long)tw);
                    const __m512 h3 = adjoint_column(vt, point_stride, 3, r, t, (long)tw);
                    // s3 of the tiles one to the left and s0 of those one to the right.
                    const __m512 s3_left = asl_wino_neg(adjoint_column(vt, point_stride, 3, r, t - 1, (long)tw));
                    const __m512 s0_right = adjoint_column(vt, point_stride, 0, r, t + 1, (long)tw);
                    const __m512 s1 = _mm512_add_ps(_mm512_sub_ps(h1, h2), h3);
                    const __m512 s2 = _mm512_sub_ps(_mm512_add_ps(h1, h2), h0);
                    const __m512 evens = _mm512_add_ps(s3_left, s1), odds = _mm512_add_ps(s2, s0_right);
                    const __mmask16 first = asl_wino_lanes(2 * count), second = asl_wino_lanes(2 * count > 16 ? 2 * count - 16 : 0);
                    float *at = row + 2 * t0;
                    __m512 lo, hi;
                    asl_wino_interleave(evens, odds, &lo, &hi);
                    _mm512_mask_storeu_ps(at, first, _mm512_add_ps(_mm512_maskz_loadu_ps(first, at), lo));
                    _mm512_mask_storeu_ps(at + 16, second, _mm512_add_ps(_mm512_maskz_loadu_ps(second, at + 16), hi));
                }
            }
        }
    }
}

#endif

int asl_winograd_portable_only = 0;
void asl_winograd_portable(int on) { asl_winograd_portable_only = on; }

void asl_winograd_input(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                        size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
#ifdef ASL_WINO_X86
    if (ASL_WINO_VECTOR) {
        input_avx512(image, channels, channel_stride, height, width, tile_row0, tile_rows, v, ldv, point_stride);
        return;
    }
#endif
    input_plain(image, channels, channel_stride, height, width, tile_row0, tile_rows, v, ldv, point_stride);
}

// The AVX512-BF16 and AMX layouts share the checks and the transform; they differ in the packed
// strips' width (48 or 32 tiles), in k's padding (pairs, or whole tiles of 16 pairs) and in the
// channels one pass over k holds.
static int input_bf16_packed_checked(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                     size_t tile_row0, size_t tile_rows, uint32_t *packed, size_t first_tile, size_t tiles,
                                     size_t point_stride, size_t strip_width, size_t strip_pairs, size_t max_channels) {
#ifdef ASL_WINO_X86
    const size_t tw = width / 2;
    if (asl_winograd_portable_only || !asl_simd_has_avx512_bf16() || channels > max_channels || tw % 16 != 0 || first_tile % 16 != 0
        || point_stride % 16 != 0 || ((uintptr_t)packed & 63) != 0 || first_tile + tile_rows * tw > tiles)
        return 0;
    input_bf16_packed(image, channels, channel_stride, height, width, tile_row0, tile_rows, packed, first_tile, tiles, point_stride,
                      strip_width, strip_pairs);
    return 1;
#else
    (void)image; (void)channels; (void)channel_stride; (void)height; (void)width; (void)tile_row0; (void)tile_rows;
    (void)packed; (void)first_tile; (void)tiles; (void)point_stride; (void)strip_width; (void)strip_pairs; (void)max_channels;
    return 0;
#endif
}

int asl_winograd_input_bf16_packed(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                   size_t tile_row0, size_t tile_rows, uint32_t *packed, size_t first_tile, size_t tiles,
                                   size_t point_stride) {
    return input_bf16_packed_checked(image, channels, channel_stride, height, width, tile_row0, tile_rows, packed, first_tile, tiles,
                                     point_stride, 48, (channels + 1) / 2, SIZE_MAX);
}

int asl_winograd_input_bf16_packed_amx(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                       size_t tile_row0, size_t tile_rows, uint32_t *packed, size_t first_tile, size_t tiles,
                                       size_t point_stride) {
    return input_bf16_packed_checked(image, channels, channel_stride, height, width, tile_row0, tile_rows, packed, first_tile, tiles,
                                     point_stride, 32, (channels + 31) / 32 * 16, 512);
}

void asl_winograd_output(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                         size_t tile_row0, size_t tile_rows, float *out) {
#ifdef ASL_WINO_X86
    if (ASL_WINO_VECTOR) {
        output_avx512(m, ldm, point_stride, channels, channel_stride, width, tile_row0, tile_rows, out);
        return;
    }
#endif
    output_plain(m, ldm, point_stride, channels, channel_stride, width, tile_row0, tile_rows, out);
}

int asl_winograd_output_pooled(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t tiles, const float *bias, int relu,
                               float *pooled, size_t pooled_channel_stride) {
#ifdef ASL_WINO_X86
    if (ASL_WINO_VECTOR) {
        output_pooled_avx512(m, ldm, point_stride, channels, tiles, bias, relu, pooled, pooled_channel_stride);
        return 1;
    }
#endif
    (void)m; (void)ldm; (void)point_stride; (void)channels; (void)tiles; (void)bias; (void)relu; (void)pooled; (void)pooled_channel_stride;
    return 0;
}

void asl_winograd_output_adjoint(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
#ifdef ASL_WINO_X86
    if (ASL_WINO_VECTOR) {
        output_adjoint_avx512(dy, channels, channel_stride, width, tile_row0, tile_rows, dm, ldm, point_stride);
        return;
    }
#endif
    output_adjoint_plain(dy, channels, channel_stride, width, tile_row0, tile_rows, dm, ldm, point_stride);
}

void asl_winograd_input_adjoint(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                size_t tile_row0, size_t tile_rows, float *dx) {
#ifdef ASL_WINO_X86
    if (ASL_WINO_VECTOR) {
        input_adjoint_avx512(dv, ldv, point_stride, channels, channel_stride, height, width, tile_row0, tile_rows, dx);
        return;
    }
#endif
    input_adjoint_plain(dv, ldv, point_stride, channels, channel_stride, height, width, tile_row0, tile_rows, dx);
}

// U[ξ][k][c] = (G g Gᵀ)[ξ] for the kernel g = w[k][c] (3 × 3), ξ = 4p + q.
void asl_winograd_weights(const float *w, size_t out_channels, size_t in_channels, float *u, size_t point_stride) {
    for (size_t k = 0; k < out_channels; k++) {
        for (size_t c = 0; c < in_channels; c++) {
            const float *g = w + (k * in_channels + c) * 9;
            float t[4][3];
            for (size_t j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = (g[j] + g[3 + j] + g[6 + j]) * 0.5f;
                t[2][j] = (g[j] - g[3 + j] + g[6 + j]) * 0.5f;
                t[3][j] = g[6 + j];
            }
            float *o = u + k * in_channels + c;
            for (size_t p = 0; p < 4; p++) {
                o[(4 * p + 0) * point_stride] = t[p][0];
                o[(4 * p + 1) * point_stride] = (t[p][0] + t[p][1] + t[p][2]) * 0.5f;
                o[(4 * p + 2) * point_stride] = (t[p][0] - t[p][1] + t[p][2]) * 0.5f;
                o[(4 * p + 3) * point_stride] = t[p][2];
            }
        }
    }
}

// dw[k][c] += Gᵀ dU G: the adjoint of asl_winograd_weights.
void asl_winograd_weights_adjoint(const float *du, int channel_major, size_t out_channels, size_t in_channels, size_t point_stride, float *dw) {
    for (size_t k = 0; k < out_channels; k++) {
        for (size_t c = 0; c < in_channels; c++) {
            const float *d = du + (channel_major ? c * out_channels + k : k * in_channels + c);
            float t[4][3];
            for (size_t p = 0; p < 4; p++) {
                const float a = d[(4 * p + 0) * point_stride], b = d[(4 * p + 1) * point_stride];
                const float e = d[(4 * p + 2) * point_stride], f = d[(4 * p + 3) * point_stride];
                t[p][0] = a + (b + e) * 0.5f;
                t[p][1] = (b - e) * 0.5f;
                t[p][2] = (b + e) * 0.5f + f;
            }
            float *g = dw + (k * in_channels + c) * 9;
            for (size_t j = 0; j < 3; j++) {
                g[j] += t[0][j] + (t[1][j] + t[2][j]) * 0.5f;
                g[3 + j] += (t[1][j] - t[2][j]) * 0.5f;
                g[6 + j] += (t[1][j] + t[2][j]) * 0.5f + t[3][j];
            }
        }
    }
}
