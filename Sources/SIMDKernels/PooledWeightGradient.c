#include "SIMDKernels.h"
#include "ConvInput.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

// The weight and bias gradient of a convolution (stride 1) whose output was biased, ReLU'd and
// 2 × 2 max-pooled: SmallCNN's first convolution. Routed back through the pool, the output
// gradient is zero at three pixels of every window, so the lowered product (output gradient ·
// columnsᵀ) spends three quarters of its multiply-adds on zeros. Here each window adds one
// lowered row, the winner's, per output channel: v · X(j, winner) for every row j of the
// lowering, where v is the pooled gradient (0 where the pooled output is not positive, ReLU's
// backward). Neither the routed gradient nor the columns are written.
//
// The sums, fixed by the shapes alone: for each pooled row in order, each entry (k, j) sums its
// row's windows left to right from zero with fused multiply-adds, and the row's sum is added to
// dW[k][j]; the bias gradient sums the row's v the same way with additions. The AVX-512 kernel
// (16 output channels in the lanes) and the plain copy below make the same operations in the
// same order, so their bits agree. In bf16 both operands are rounded to bfloat16 (nearest even,
// by integer arithmetic: the same in both copies) and multiplied exactly in float32; the bias
// gradient stays float32, as the lowered product's. (vcvtne2ps2bf16, which the other bf16
// kernels round with, would give the same values but for denormals (it flushes them) and NaNs; the
// integer rounding needs only AVX-512F, like the rest of this kernel.)
#pragma clang fp contract(off)

/// Lowering rows handled (channels · kernel²): SmallCNN's first convolution has 27.
enum { PWG_MAX_ROWS = 243 };

static int shape_supported(const asl_conv_input *in) {
    const size_t rows = in->channels * in->kernel * in->kernel;
    return rows > 0 && rows <= PWG_MAX_ROWS && asl_conv_has_output(in) && asl_conv_output_height(in) % 2 == 0
        && asl_conv_output_width(in) % 2 == 0;
}

/// x rounded to bfloat16, nearest even, kept as a float.
static float bf16_rounded(float x) {
    uint32_t b;
    memcpy(&b, &x, 4);
    b = (b + 0x7FFFu + ((b >> 16) & 1u)) & 0xFFFF0000u;
    memcpy(&x, &b, 4);
    return x;
}

/// Lowering row j at output pixel (y, x).
static float lowered_at(const asl_conv_input *in, const asl_lowering_row *r, long y, long x) {
    const long sy = y + r->dy, sx = x + r->dx;
    if (sy < 0 || sy >= (long)in->height || sx < 0 || sx >= (long)in->width) return r->border;
    return in->image[r->channel * in->channel_stride + (size_t)sy * in->width + (size_t)sx];
}

int asl_conv_pooled_weight_gradient_plain(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                          size_t pooled_channel_stride, int relu, const float *image, size_t channels,
                                          size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                          const float *padding_values, float *dw, float *db) {
    const asl_conv_input in = {image, channels, channel_stride, height, width, kernel, padding, padding_values};
    if (!shape_supported(&in)) return 0;
    if (m == 0) return 1;
    const size_t rows = channels * kernel * kernel, ph = asl_conv_output_height(&in) / 2, pw = asl_conv_output_width(&in) / 2;
    for (size_t py = 0; py < ph; py++)
        for (size_t k = 0; k < m; k++) {
            const size_t at = k * pooled_channel_stride + py * pw;
            float bias = 0;
            for (size_t px = 0; px < pw; px++) bias += !relu || pooled[at + px] > 0 ? gradient[at + px] : 0;
            db[k] += bias;
            for (size_t j = 0; j < rows; j++) {
                const asl_lowering_row r = asl_conv_lowering_row(&in, j);
                float sum = 0;
                for (size_t px = 0; px < pw; px++) {
                    const unsigned q = winners[at + px];
                    float v = !relu || pooled[at + px] > 0 ? gradient[at + px] : 0;
                    float x = lowered_at(&in, &r, (long)(2 * py + q / 2), (long)(2 * px + q % 2));
                    if (bf16) v = bf16_rounded(v), x = bf16_rounded(x);
                    sum = fmaf(v, x, sum);
                }
                dw[k * rows + j] += sum;
            }
        }
    return 1;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include "ThreadBuffer.h"
#include "Transpose16.h"

#define PWG_TARGET __attribute__((target("avx512f")))

/// Lowering rows summed in registers at once: 9 accumulators, a load, a permute and an FMA each.
enum { PWG_CHUNK = 9 };

/// Rows of the window table padded to whole chunks (the padding rows hold zeros).
static size_t padded_rows(size_t rows) { return (rows + PWG_CHUNK - 1) / PWG_CHUNK * PWG_CHUNK; }

PWG_TARGET static inline __m512 round_bf16(__m512 x) {
    const __m512i b = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    const __m512i r = _mm512_add_epi32(_mm512_add_epi32(b, _mm512_set1_epi32(0x7FFF)), lsb);
    return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32((int)0xFFFF0000u)));
}

/// The window table of pooled row py: per block of 16 windows (x0 = 16b), for each lowering row
/// j, 64 floats, window x0 + p's four positions (top-left, top-right, bottom-left, bottom-right:
/// the winners' numbering) at 4p. `inside[kx·blocks + b]` is asl_conv_columns_inside for the block's
/// columns and lowering rows of that kx.
PWG_TARGET static void window_table(const asl_conv_input *in, const asl_lowering_row *rows, size_t count, size_t padded, size_t py,
                                    size_t blocks, const uint32_t *inside, int bf16, float *table) {
    for (size_t j = 0; j < count; j++) {
        const float *line[2];
        asl_conv_window_rows(in, rows + j, (long)(2 * py), line);
        for (size_t b = 0; b < blocks; b++) {
            __m512 v[4];
            asl_conv_window_positions(line, rows[j].border, 32 * (long)b, inside[rows[j].kx * blocks + b], v);
            if (bf16)
                for (int q = 0; q < 4; q++) v[q] = round_bf16(v[q]);
            const __m512 a = _mm512_unpacklo_ps(v[0], v[1]), bb = _mm512_unpackhi_ps(v[0], v[1]);
            const __m512 c = _mm512_unpacklo_ps(v[2], v[3]), d = _mm512_unpackhi_ps(v[2], v[3]);
            // Window 4L + i's four values are 128-bit lane L of r[i]; lanes transposed, window 4m + i's
            // are lane i of vector m.
            const __m512 r0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(c)));
            const __m512 r1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(c)));
            const __m512 r2 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(bb), _mm512_castps_pd(d)));
            const __m512 r3 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(bb), _mm512_castps_pd(d)));
            const __m512 t0 = _mm512_shuffle_f32x4(r0, r1, 0x44), t1 = _mm512_shuffle_f32x4(r0, r1, 0xEE);
            const __m512 t2 = _mm512_shuffle_f32x4(r2, r3, 0x44), t3 = _mm512_shuffle_f32x4(r2, r3, 0xEE);
            float *out = table + (b * padded + j) * 64;
            _mm512_store_ps(out, _mm512_shuffle_f32x4(t0, t2, 0x88));
            _mm512_store_ps(out + 16, _mm512_shuffle_f32x4(t0, t2, 0xDD));
            _mm512_store_ps(out + 32, _mm512_shuffle_f32x4(t1, t3, 0x88));
            _mm512_store_ps(out + 48, _mm512_shuffle_f32x4(t1, t3, 0xDD));
        }
    }
    for (size_t b = 0; b < blocks; b++)
        for (size_t j = count; j < padded; j++)
            for (int i = 0; i < 4; i++) _mm512_store_ps(table + (b * padded + j) * 64 + 16 * i, _mm512_setzero_ps());
}

/// A chunk of 9 lowering rows for 16 channels over one pooled row: each lane's sum from zero,
/// window by window (v in `values`, in `which` the winner's place among the 16 values that hold
/// the window's table entries: 4·(p mod 4) + winner). A vector of the table serves 4 windows.
PWG_TARGET static void chunk_sums(const float *table, size_t padded, size_t c0, const __m512 *values, const __m512i *which, size_t windows,
                                  __m512 acc[PWG_CHUNK]) {
    for (int i = 0; i < PWG_CHUNK; i++) acc[i] = _mm512_setzero_ps();
    for (size_t x0 = 0; x0 < windows; x0 += 4) {
        const float *quad = table + (x0 / 16) * padded * 64 + c0 * 64 + (x0 % 16) * 4;
        const size_t n = windows - x0 < 4 ? windows - x0 : 4;
        const __m512 v0 = values[x0], v1 = values[x0 + 1], v2 = values[x0 + 2], v3 = values[x0 + 3];
        const __m512i q0 = which[x0], q1 = which[x0 + 1], q2 = which[x0 + 2], q3 = which[x0 + 3];
        if (n == 4) {
            for (int i = 0; i < PWG_CHUNK; i++) {
                const __m512 t = _mm512_load_ps(quad + i * 64);
                acc[i] = _mm512_fmadd_ps(v0, _mm512_permutexvar_ps(q0, t), acc[i]);
                acc[i] = _mm512_fmadd_ps(v1, _mm512_permutexvar_ps(q1, t), acc[i]);
                acc[i] = _mm512_fmadd_ps(v2, _mm512_permutexvar_ps(q2, t), acc[i]);
                acc[i] = _mm512_fmadd_ps(v3, _mm512_permutexvar_ps(q3, t), acc[i]);
            }
        } else {
            const __m512 v[4] = {v0, v1, v2, v3};
            const __m512i q[4] = {q0, q1, q2, q3};
            for (int i = 0; i < PWG_CHUNK; i++) {
                const __m512 t = _mm512_load_ps(quad + i * 64);
                for (size_t u = 0; u < n; u++) acc[i] = _mm512_fmadd_ps(v[u], _mm512_permutexvar_ps(q[u], t), acc[i]);
            }
        }
    }
}

static _Thread_local asl_thread_buffer pwg_buffer;

/// Copies `count` pooled rows from py0 of every channel into `values` (v: the gradient, 0 where
/// ReLU's backward drops it) and `which` (the winners), each channel's rows together,
/// `value_stride` floats and `which_stride` bytes apart, every row padded with zeros to whole
/// blocks of 16 windows. The planes lie a power of two apart (N · H/2 · W/2 floats), so reading
/// a row of 16 channels at once put every line in the same set of L1 and L2 (it took most of
/// the kernel's time); one channel at a time is a single stream.
PWG_TARGET static void stage_rows(size_t m, const float *gradient, const unsigned char *winners, const float *pooled, size_t pooled_channel_stride,
                                  int relu, size_t py0, size_t count, size_t pw, size_t blocks, float *values, size_t value_stride,
                                  unsigned char *which, size_t which_stride) {
    const __m512 zero = _mm512_setzero_ps();
    for (size_t k = 0; k < m; k++)
        for (size_t r = 0; r < count; r++) {
            const size_t at = k * pooled_channel_stride + (py0 + r) * pw;
            // The next channel's row, so that its stream has begun when this one ends.
            if (k + 1 < m) {
                const size_t next = at + pooled_channel_stride;
                for (size_t x = 0; x < pw; x += 16) {
                    _mm_prefetch((const char *)(gradient + next + x), _MM_HINT_T1);
                    if (relu) _mm_prefetch((const char *)(pooled + next + x), _MM_HINT_T1);
                    if (x % 64 == 0) _mm_prefetch((const char *)(winners + next + x), _MM_HINT_T1);
                }
            }
            float *v = values + k * value_stride + r * blocks * 16;
            unsigned char *w = which + k * which_stride + r * blocks * 16;
            for (size_t x0 = 0; x0 < blocks * 16; x0 += 16) {
                const size_t n = pw - x0 < 16 ? pw - x0 : 16;
                const __mmask16 inside = (__mmask16)(n == 16 ? 0xFFFF : (1u << n) - 1);
                __m512 g = _mm512_maskz_loadu_ps(inside, gradient + at + x0);
                if (relu) g = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(inside, pooled + at + x0), zero, _CMP_GT_OQ), g);
                _mm512_store_ps(v + x0, g);
                if (n == 16) {
                    _mm_store_si128((__m128i *)(w + x0), _mm_loadu_si128((const __m128i *)(winners + at + x0)));
                } else {
                    memset(w + x0, 0, 16);
                    memcpy(w + x0, winners + at + x0, n);
                }
            }
        }
}

/// Pooled rows staged at a time (32: 8 KB of each channel's gradient and pooled values).
enum { PWG_STAGED_ROWS = 32 };

PWG_TARGET static int weight_gradient_avx512(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                             size_t pooled_channel_stride, int relu, const asl_conv_input *in, float *dw, float *db) {
    const size_t rows = in->channels * in->kernel * in->kernel, padded = padded_rows(rows);
    const size_t ph = asl_conv_output_height(in) / 2, pw = asl_conv_output_width(in) / 2, blocks = (pw + 15) / 16;
    // Per thread: the row's window table; its windows' values and winners for 16 channels, a
    // vector per window; and the staged rows of every channel (strides a cache line more than
    // whole blocks, so that channels do not meet in one set of L1).
    const size_t table_floats = blocks * padded * 64, window_vectors = blocks * 16;
    const size_t value_stride = PWG_STAGED_ROWS * blocks * 16 + 16, which_stride = PWG_STAGED_ROWS * blocks * 16 + 64;
    const size_t groups = (m + 15) / 16, kernel = in->kernel;
    const size_t bytes = 4 * table_floats + 2 * 64 * window_vectors + 4 * m * value_stride + m * which_stride + 64 * groups * rows
                         + 4 * kernel * blocks;
    char *buffer = asl_thread_buffer_reserve(&pwg_buffer, bytes);
    if (!buffer) return 0;
    float *table = (float *)buffer;
    __m512 *values = (__m512 *)(buffer + 4 * table_floats);
    __m512i *which = (__m512i *)(values + window_vectors);
    float *staged_values = (float *)(which + window_vectors);
    unsigned char *staged_which = (unsigned char *)(staged_values + m * value_stride);
    // dW in vectors of 16 channels while the rows' sums are added (the same additions, in order).
    __m512 *sums = (__m512 *)(staged_which + m * which_stride);
    uint32_t *inside = (uint32_t *)(sums + groups * rows);
    for (size_t g = 0; g < groups; g++) {
        const size_t lanes = m - 16 * g < 16 ? m - 16 * g : 16;
        for (size_t j = 0; j < rows; j++) {
            float column[16] = {0};
            for (size_t lane = 0; lane < lanes; lane++) column[lane] = dw[(16 * g + lane) * rows + j];
            sums[g * rows + j] = _mm512_loadu_ps(column);
        }
    }
    for (size_t kx = 0; kx < kernel; kx++)
        for (size_t b = 0; b < blocks; b++) inside[kx * blocks + b] = asl_conv_columns_inside(32 * (long)b, (long)kx - (long)in->padding, (long)in->width);
    asl_lowering_row lowering[PWG_MAX_ROWS];
    for (size_t j = 0; j < rows; j++) lowering[j] = asl_conv_lowering_row(in, j);
    for (size_t py0 = 0; py0 < ph; py0 += PWG_STAGED_ROWS) {
        const size_t count = ph - py0 < PWG_STAGED_ROWS ? ph - py0 : PWG_STAGED_ROWS;
        stage_rows(m, gradient, winners, pooled, pooled_channel_stride, relu, py0, count, pw, blocks, staged_values, value_stride,
                   staged_which, which_stride);
        for (size_t r = 0; r < count; r++) {
            const size_t py = py0 + r;
            window_table(in, lowering, rows, padded, py, blocks, inside, bf16, table);
            for (size_t k0 = 0; k0 < m; k0 += 16) {
                const size_t lanes = m - k0 < 16 ? m - k0 : 16;
                // Each block's values and winners of 16 channels, transposed: a vector per window.
                for (size_t x0 = 0; x0 < blocks * 16; x0 += 16) {
                    __m512i g[16], w[16];
                    for (size_t i = 0; i < 16; i++) {
                        if (i >= lanes) {
                            g[i] = w[i] = _mm512_setzero_si512();
                            continue;
                        }
                        g[i] = _mm512_load_si512(staged_values + (k0 + i) * value_stride + r * blocks * 16 + x0);
                        w[i] = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(staged_which + (k0 + i) * which_stride + r * blocks * 16 + x0)));
                    }
                    asl_transpose16(g);
                    asl_transpose16(w);
                    for (size_t p = 0; p < 16; p++) {
                        values[x0 + p] = _mm512_castsi512_ps(g[p]);
                        which[x0 + p] = _mm512_add_epi32(w[p], _mm512_set1_epi32((int)(4 * (p % 4))));
                    }
                }
                const __mmask16 channel_lanes = (__mmask16)(lanes == 16 ? 0xFFFF : (1u << lanes) - 1);
                __m512 bias = _mm512_setzero_ps();
                for (size_t p = 0; p < pw; p++) bias = _mm512_add_ps(bias, values[p]);
                _mm512_mask_storeu_ps(db + k0, channel_lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(channel_lanes, db + k0), bias));
                if (bf16)
                    for (size_t p = 0; p < pw; p++) values[p] = round_bf16(values[p]);
                for (size_t c0 = 0; c0 < rows; c0 += PWG_CHUNK) {
                    __m512 acc[PWG_CHUNK];
                    chunk_sums(table, padded, c0, values, which, pw, acc);
                    for (size_t i = 0; i < PWG_CHUNK && c0 + i < rows; i++) {
                        __m512 *sum = sums + (k0 / 16) * rows + c0 + i;
                        *sum = _mm512_add_ps(*sum, acc[i]);
                    }
                }
            }
        }
    }
    for (size_t g = 0; g < groups; g++) {
        const size_t lanes = m - 16 * g < 16 ? m - 16 * g : 16;
        for (size_t j = 0; j < rows; j++) {
            float column[16];
            _mm512_storeu_ps(column, sums[g * rows + j]);
            for (size_t lane = 0; lane < lanes; lane++) dw[(16 * g + lane) * rows + j] = column[lane];
        }
    }
    return 1;
}

int asl_conv_pooled_weight_gradient_avx512(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                           size_t pooled_channel_stride, int relu, const float *image, size_t channels,
                                           size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                           const float *padding_values, float *dw, float *db) {
    const asl_conv_input in = {image, channels, channel_stride, height, width, kernel, padding, padding_values};
    if (!asl_simd_has_avx512() || !shape_supported(&in)) return 0;
    if (m == 0) return 1;
    return weight_gradient_avx512(bf16, m, gradient, winners, pooled, pooled_channel_stride, relu, &in, dw, db);
}

#else

int asl_conv_pooled_weight_gradient_avx512(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                           size_t pooled_channel_stride, int relu, const float *image, size_t channels,
                                           size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                           const float *padding_values, float *dw, float *db) {
    (void)bf16; (void)m; (void)gradient; (void)winners; (void)pooled; (void)pooled_channel_stride; (void)relu; (void)image;
    (void)channels; (void)channel_stride; (void)height; (void)width; (void)kernel; (void)padding; (void)padding_values; (void)dw; (void)db;
    return 0;
}

#endif
