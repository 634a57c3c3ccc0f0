#include "SIMDKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// A convolution (stride 1) whose 2 × 2 max-pool, bias and ReLU happen in the product's
// epilogue, with B packed straight from the image: SmallCNN's first convolution, whose lowered
// columns (27 a pixel) and unpooled products (32 channels at 128 px) were written and read
// again by a lowering, a product and a pooling pass. Each 16 pooling windows of a row pair are
// four 16-lane vectors of B, one per window position (top-left, top-right, bottom-left,
// bottom-right); a kernel multiplies 4 output channels by all four, so each window's four
// products sit in four registers when the epilogue takes their maximum.
//
// The bits are the passes' it replaces: each product is the chain the packed kernels make for
// k within one pass (from zero, k in order: an FMA per k in fp32, a vdpbf16ps per pair in
// bf16, the same bf16 roundings), and the epilogues are MaxPool.c's comparisons.

/// At most this many lowering rows (C·kernel²): fp32's and bf16's packed kernels sum up to 192
/// and 384 values of k in one pass, whose bits a single chain here reproduces.
enum { POOLED_MAX_K_FP32 = 192, POOLED_MAX_K_BF16 = 384, POOLED_GROUP = 4 };

static size_t max_k(int bf16) { return bf16 ? POOLED_MAX_K_BF16 : POOLED_MAX_K_FP32; }

/// 32-bit entries per step of k: one float (fp32) or one pair of bf16 values.
static size_t steps_of(int bf16, size_t k) { return bf16 ? (k + 1) / 2 : k; }

size_t asl_conv_pooled_packed_weights_bytes(int bf16, size_t m, size_t k) {
    return 4 * ((m + POOLED_GROUP - 1) / POOLED_GROUP) * POOLED_GROUP * steps_of(bf16, k);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include "BF16Pack.h"
#include "ConvInput.h"
#include "ThreadBuffer.h"
#include "PoolWindow.h"

#define POOLED_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define POOLED_TARGET_FP32 __attribute__((target("avx512f,avx512bw,avx512vl")))

static int supported(int bf16) { return bf16 ? asl_simd_has_avx512_bf16() : asl_simd_has_avx512(); }

/// The weights (m × k, row-major) as the kernels read them: ap[g][s][i] = channel 4g + i at
/// step s (a float, or the pair of k 2s, 2s + 1 rounded by vcvtne2ps2bf16 as the bf16 GEMM's
/// packing rounds them), 0 past the last channel or k.
POOLED_TARGET static void pack_weights(int bf16, size_t m, size_t k, const float *w, uint32_t *out) {
    const size_t steps = steps_of(bf16, k), groups = (m + POOLED_GROUP - 1) / POOLED_GROUP;
    for (size_t g = 0; g < groups; g++)
        for (size_t s = 0; s < steps; s++) {
            float lo[16] = {0}, hi[16] = {0};
            for (size_t i = 0; i < POOLED_GROUP; i++) {
                const size_t ch = g * POOLED_GROUP + i;
                if (ch >= m) continue;
                lo[i] = w[ch * k + (bf16 ? 2 * s : s)];
                if (bf16 && 2 * s + 1 < k) hi[i] = w[ch * k + 2 * s + 1];
            }
            uint32_t *entry = out + (g * steps + s) * POOLED_GROUP;
            if (bf16) {
                uint16_t halves[32];
                _mm512_storeu_si512(halves, bf16_convert(_mm512_loadu_ps(lo), _mm512_loadu_ps(hi)));
                for (size_t i = 0; i < POOLED_GROUP; i++) entry[i] = (uint32_t)halves[i] | (uint32_t)halves[16 + i] << 16;
            } else {
                memcpy(entry, lo, sizeof(float) * POOLED_GROUP);
            }
        }
}

int asl_conv_pooled_pack_weights(int bf16, size_t m, size_t k, const float *w, void *packed) {
    if (!supported(bf16) || k == 0 || k > max_k(bf16)) return 0;
    pack_weights(bf16, m, k, w, packed);
    return 1;
}

/// fp32 B for the row pair y, y + 1 and windows x0 … x0 + 15: bp[kk][q][l] = lowering row kk
/// at pixel (y + q/2, 2·(x0 + l) + q%2) (`inside[kx]`: asl_conv_columns_inside for these columns).
POOLED_TARGET_FP32 static void pack_b_fp32(const asl_conv_input *in, const asl_lowering_row *rows, size_t k, size_t y, size_t x0,
                                           const uint32_t *inside, float *bp) {
    for (size_t kk = 0; kk < k; kk++) {
        const float *line[2];
        __m512 v[4];
        asl_conv_window_rows(in, rows + kk, (long)y, line);
        asl_conv_window_positions(line, rows[kk].border, 2 * (long)x0, inside[rows[kk].kx], v);
        for (int q = 0; q < 4; q++) _mm512_store_ps(bp + (kk * 4 + q) * 16, v[q]);
    }
}

/// The band's input rows in bf16, each with its border columns: bf16 B is then made by loads
/// alone. For a pair of lowering rows that read neighbouring pixels of one image row (kx, kx + 1
/// of the same channel and ky: most pairs of a 3 × 3 kernel), the 16 windows' pairs at one
/// position are 32 consecutive bf16 values; any other pair blends the halves of two loads. The
/// values are those the lowering's own rounding gives (vcvtne2ps2bf16 of the same floats).
///
/// Row r of channel c (input row row0 − padding + r) starts at rows + (c·band_rows + r)·stride;
/// its column b (input column b − padding) is element BF16_ROW_FRONT + b. The front and the
/// end hold zeros, past the border: the loads of the first and the last 16 windows reach them.
enum { BF16_ROW_FRONT = 32, BF16_ROW_BACK = 32 };

typedef struct {
    uint16_t *rows;
    size_t band_rows, stride;
} bf16_band;

static size_t bf16_band_stride(size_t width, size_t padding) {
    return (BF16_ROW_FRONT + width + 2 * padding + BF16_ROW_BACK + 31) / 32 * 32;
}

/// One float rounded to bf16 as the packing rounds it.
POOLED_TARGET static uint16_t bf16_of(float x) {
    uint16_t halves[32];
    _mm512_storeu_si512(halves, bf16_convert(_mm512_set1_ps(x), _mm512_set1_ps(x)));
    return halves[0];
}

POOLED_TARGET static void convert_band(const asl_conv_input *in, long first_row, const bf16_band *band) {
    const size_t padded = in->width + 2 * in->padding;
    for (size_t c = 0; c < in->channels; c++) {
        const uint16_t border = bf16_of(in->padding_values ? in->padding_values[c] : 0.0f);
        const __m512i fill = _mm512_set1_epi16((short)border);
        for (size_t r = 0; r < band->band_rows; r++) {
            uint16_t *row = band->rows + (c * band->band_rows + r) * band->stride;
            for (size_t b = 0; b < band->stride; b += 32) _mm512_store_si512(row + b, _mm512_setzero_si512());
            const long y = first_row + (long)r;
            if (y < 0 || y >= (long)in->height) {
                for (size_t b = 0; b < padded; b += 32)
                    _mm512_mask_storeu_epi16(row + BF16_ROW_FRONT + b, padded - b >= 32 ? ~(__mmask32)0 : ((__mmask32)1 << (padded - b)) - 1, fill);
                continue;
            }
            for (size_t b = 0; b < in->padding; b++) row[BF16_ROW_FRONT + b] = row[BF16_ROW_FRONT + in->padding + in->width + b] = border;
            const float *src = in->image + c * in->channel_stride + (size_t)y * in->width;
            uint16_t *dst = row + BF16_ROW_FRONT + in->padding;
            for (size_t x = 0; x < in->width; x += 32) {
                const size_t left = in->width - x;
                const __mmask16 lo = bf16_lanes(left), hi = bf16_lanes(left > 16 ? left - 16 : 0);
                const __m512i v = bf16_convert(_mm512_maskz_loadu_ps(lo, src + x), _mm512_maskz_loadu_ps(hi, src + x + 16));
                _mm512_mask_storeu_epi16(dst + x, left >= 32 ? ~(__mmask32)0 : ((__mmask32)1 << left) - 1, v);
            }
        }
    }
}

/// How pair p of lowering rows is read from the band: where its low half (k 2p) and its high
/// half (k 2p + 1) are for the window at column 0 of band row 0, and how they combine.
typedef enum { PAIR_NEIGHBOURS, PAIR_BLEND, PAIR_LOW_ONLY } pair_kind;
typedef struct {
    pair_kind kind;
    size_t low, high;
} band_pair;

static size_t band_offset(const asl_conv_input *in, const bf16_band *band, size_t j) {
    const size_t k = in->kernel, c = j / (k * k), ky = j / k % k, kx = j % k;
    return (c * band->band_rows + ky) * band->stride + BF16_ROW_FRONT + kx;
}

static void band_pairs(const asl_conv_input *in, const bf16_band *band, size_t k, band_pair *pairs) {
    for (size_t p = 0; p < (k + 1) / 2; p++) {
        const size_t low = band_offset(in, band, 2 * p);
        if (2 * p + 1 >= k) {
            pairs[p] = (band_pair){PAIR_LOW_ONLY, low, 0};
            continue;
        }
        // The high half's load starts a value early, so that the value it needs is a high half too.
        const size_t high = band_offset(in, band, 2 * p + 1);
        pairs[p] = high == low + 1 ? (band_pair){PAIR_NEIGHBOURS, low, 0} : (band_pair){PAIR_BLEND, low, high - 1};
    }
}

/// bf16 B: bp[p][q][l] = the pair of lowering rows 2p, 2p + 1 (low, high half) at pixel
/// (y + q/2, 2·(x0 + l) + q%2), y counted from the band's first output row.
POOLED_TARGET static void pack_b_bf16(const bf16_band *band, const band_pair *pairs, size_t k, size_t y, size_t x0, uint32_t *bp) {
    for (size_t p = 0; p < (k + 1) / 2; p++)
        for (size_t q = 0; q < 4; q++) {
            const uint16_t *at = band->rows + (y + q / 2) * band->stride + 2 * x0 + q % 2;
            const __m512i low = _mm512_loadu_si512(at + pairs[p].low);
            __m512i v;
            switch (pairs[p].kind) {
            case PAIR_NEIGHBOURS: v = low; break;
            case PAIR_BLEND: v = _mm512_mask_blend_epi16((__mmask32)0xAAAAAAAAu, low, _mm512_loadu_si512(at + pairs[p].high)); break;
            default: v = _mm512_maskz_mov_epi16((__mmask32)0x55555555u, low); break;
            }
            _mm512_store_si512(bp + (p * 4 + q) * 16, v);
        }
}

/// Where a group's pooled values go, and how they are finished.
typedef struct {
    const float *bias;
    float *out;
    unsigned char *winners; // training: which position won; NULL in inference
    size_t stride;          // between channels, for out and winners
    size_t channels;        // of the group's 4 that exist
    __mmask16 lanes;
    int relu;
} pooled_place;

/// Channel i's 16 windows from its four positions' products. Inference (no winners): the
/// maximum, then bias and ReLU (asl_maxpool2x2_bias_relu_avx512's expression). Training:
/// bias and ReLU on each product (Elementwise.addBias's vector expression), then the maximum
/// and the winning position (PoolWindow.h's asl_pool_window_winners, as maxpool_avx512's).
POOLED_TARGET_FP32 static inline void finish_channel(const pooled_place *place, size_t i, __m512 tl, __m512 tr, __m512 bl, __m512 br) {
    const __m512 bias = _mm512_set1_ps(place->bias[i]);
    float *out = place->out + i * place->stride;
    if (!place->winners) {
        _mm512_mask_storeu_ps(out, place->lanes, asl_pool_window_bias_relu(tl, tr, bl, br, bias, place->relu));
        return;
    }
    const __m512 zero = _mm512_setzero_ps();
    __m512 v[4] = {_mm512_add_ps(tl, bias), _mm512_add_ps(tr, bias), _mm512_add_ps(bl, bias), _mm512_add_ps(br, bias)};
    if (place->relu)
        for (int q = 0; q < 4; q++) v[q] = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v[q], zero, _CMP_LT_OQ), v[q], zero);
    __m512i which;
    _mm512_mask_storeu_ps(out, place->lanes, asl_pool_window_winners(v[0], v[1], v[2], v[3], &which));
    _mm_mask_storeu_epi8(place->winners + i * place->stride, place->lanes, _mm512_cvtepi32_epi8(which));
}

#define POOLED_FINISH(i)                                                                             \
    if (i < place->channels) finish_channel(place, i, c##i##0, c##i##1, c##i##2, c##i##3);

/// The fp32 kernel: 4 channels × 4 positions × 16 windows, an FMA per k.
POOLED_TARGET_FP32 static void kernel_fp32(size_t k, const float *ap, const float *bp, const pooled_place *place) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (size_t s = 0; s < k; s++) {
        const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16), b2 = _mm512_load_ps(bp + 32), b3 = _mm512_load_ps(bp + 48);
#define POOLED_ROW_FP32(i)                                                                           \
        {                                                                                            \
            const __m512 a = _mm512_set1_ps(ap[i]);                                                  \
            c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);                                               \
            c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);                                               \
            c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2);                                               \
            c##i##3 = _mm512_fmadd_ps(a, b3, c##i##3);                                               \
        }
        POOLED_ROW_FP32(0) POOLED_ROW_FP32(1) POOLED_ROW_FP32(2) POOLED_ROW_FP32(3)
#undef POOLED_ROW_FP32
        ap += POOLED_GROUP;
        bp += 64;
    }
    POOLED_FINISH(0) POOLED_FINISH(1) POOLED_FINISH(2) POOLED_FINISH(3)
}

/// The bf16 kernel: the same with a vdpbf16ps per pair of k.
POOLED_TARGET static void kernel_bf16(size_t pairs, const uint32_t *ap, const uint32_t *bp, const pooled_place *place) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp), b1 = (__m512bh)_mm512_load_si512(bp + 16);
        const __m512bh b2 = (__m512bh)_mm512_load_si512(bp + 32), b3 = (__m512bh)_mm512_load_si512(bp + 48);
#define POOLED_ROW_BF16(i)                                                                           \
        {                                                                                            \
            const __m512bh a = (__m512bh)_mm512_set1_epi32((int)ap[i]);                              \
            c##i##0 = _mm512_dpbf16_ps(c##i##0, a, b0);                                              \
            c##i##1 = _mm512_dpbf16_ps(c##i##1, a, b1);                                              \
            c##i##2 = _mm512_dpbf16_ps(c##i##2, a, b2);                                              \
            c##i##3 = _mm512_dpbf16_ps(c##i##3, a, b3);                                              \
        }
        POOLED_ROW_BF16(0) POOLED_ROW_BF16(1) POOLED_ROW_BF16(2) POOLED_ROW_BF16(3)
#undef POOLED_ROW_BF16
        ap += POOLED_GROUP;
        bp += 64;
    }
    POOLED_FINISH(0) POOLED_FINISH(1) POOLED_FINISH(2) POOLED_FINISH(3)
}

#undef POOLED_FINISH

static _Thread_local void *pooled_b;

/// The calling thread's band buffer, at least `bytes` long (NULL if it cannot be had).
static uint16_t *band_buffer(size_t bytes) {
    static _Thread_local asl_thread_buffer band;
    return asl_thread_buffer_reserve(&band, bytes);
}

int asl_conv_pooled_avx512(int bf16, size_t m, const void *packed_weights, const float *image, size_t channels, size_t channel_stride,
                           size_t height, size_t width, size_t kernel, size_t padding, const float *padding_values, size_t row0, size_t rows,
                           const float *bias, int relu, float *out, unsigned char *winners, size_t out_channel_stride) {
    const asl_conv_input in = {image, channels, channel_stride, height, width, kernel, padding, padding_values};
    const size_t k = channels * kernel * kernel;
    if (!supported(bf16) || k == 0 || k > max_k(bf16) || !asl_conv_has_output(&in)) return 0;
    const size_t out_height = asl_conv_output_height(&in), out_width = asl_conv_output_width(&in);
    if (row0 % 2 != 0 || rows % 2 != 0 || out_width % 2 != 0 || row0 + rows > out_height) return 0;
    // Either precision's B for one row pair and 16 windows: at most 192 steps of 64 entries.
    if (!pooled_b && !(pooled_b = aligned_alloc(64, 4 * 64 * POOLED_MAX_K_FP32))) return 0;
    // Worked out once per call rather than by divisions in the packing loop: fp32 lowers each
    // row from the image, bf16 reads the pairs from the band converted once.
    asl_lowering_row rows_of_k[POOLED_MAX_K_BF16];
    band_pair pairs[POOLED_MAX_K_BF16 / 2];
    bf16_band band = {NULL, rows + kernel - 1, bf16_band_stride(width, padding)};
    if (bf16) {
        if (!(band.rows = band_buffer(sizeof(uint16_t) * channels * band.band_rows * band.stride))) return 0;
        convert_band(&in, (long)row0 - (long)padding, &band);
        band_pairs(&in, &band, k, pairs);
    } else {
        for (size_t kk = 0; kk < k; kk++) rows_of_k[kk] = asl_conv_lowering_row(&in, kk);
    }
    const size_t steps = steps_of(bf16, k), pooled_width = out_width / 2;
    uint32_t inside[POOLED_MAX_K_FP32]; // per kx (< kernel ≤ k)
    // Row pair by row pair, 16 windows at a time along it: each channel's pooled row is then
    // written whole, its cache lines in order, while the image rows it reads stay in L1.
    for (size_t y = 0; y < rows / 2; y++)
        for (size_t x0 = 0; x0 < pooled_width; x0 += 16) {
            const size_t lanes = pooled_width - x0 < 16 ? pooled_width - x0 : 16;
            const __mmask16 lane_mask = (__mmask16)(lanes == 16 ? 0xFFFF : (1u << lanes) - 1);
            if (bf16) {
                pack_b_bf16(&band, pairs, k, 2 * y, x0, pooled_b);
            } else {
                for (size_t kx = 0; kx < kernel; kx++)
                    inside[kx] = asl_conv_columns_inside(2 * (long)x0, (long)kx - (long)padding, (long)width);
                pack_b_fp32(&in, rows_of_k, k, row0 + 2 * y, x0, inside, pooled_b);
            }
            const size_t at = y * pooled_width + x0;
            for (size_t i = 0; i < m; i += POOLED_GROUP) {
                const pooled_place place = {bias + i, out + i * out_channel_stride + at, winners ? winners + i * out_channel_stride + at : NULL,
                                            out_channel_stride, m - i < POOLED_GROUP ? m - i : POOLED_GROUP, lane_mask, relu};
                const uint32_t *ap = (const uint32_t *)packed_weights + (i / POOLED_GROUP) * steps * POOLED_GROUP;
                if (bf16) kernel_bf16(steps, ap, pooled_b, &place);
                else kernel_fp32(steps, (const float *)ap, pooled_b, &place);
            }
        }
    return 1;
}

#else

int asl_conv_pooled_pack_weights(int bf16, size_t m, size_t k, const float *w, void *packed) {
    (void)bf16; (void)m; (void)k; (void)w; (void)packed;
    return 0;
}

int asl_conv_pooled_avx512(int bf16, size_t m, const void *packed_weights, const float *image, size_t channels, size_t channel_stride,
                           size_t height, size_t width, size_t kernel, size_t padding, const float *padding_values, size_t row0, size_t rows,
                           const float *bias, int relu, float *out, unsigned char *winners, size_t out_channel_stride) {
    (void)bf16; (void)m; (void)packed_weights; (void)image; (void)channels; (void)channel_stride; (void)height; (void)width; (void)kernel;
    (void)padding; (void)padding_values; (void)row0; (void)rows; (void)bias; (void)relu; (void)out; (void)winners; (void)out_channel_stride;
    return 0;
}

#endif
