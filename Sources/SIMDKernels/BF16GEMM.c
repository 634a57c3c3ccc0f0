#include "SIMDKernels.h"
#include "GEMMCommon.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "BF16Pack.h"
#include "PoolWindow.h"
#include <stdlib.h>

// Mixed-precision GEMM for AVX512-BF16 cores: the float32 operands are rounded to bf16 while
// they are packed, and `vdpbf16ps` adds two bf16 products per float32 lane, so each
// instruction does twice the work of an fp32 FMA on the same registers. Same shape as the
// fp32 kernel (PackedGEMM.c): an 8 × 48 block of C in 24 registers, B in 48-wide strips of
// k pairs, A in 8-tall strips of k pairs; KC counts k values (192 pairs).
enum { MR = 8, NR = 48, KC = 384, MC = 256, NC = 480 };

int asl_simd_has_avx512_bf16(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bf16");
    }
    return known;
}

static _Thread_local uint32_t *packed_a, *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = aligned_alloc(64, sizeof(uint32_t) * MC * (KC / 2));
    if (!packed_b) packed_b = aligned_alloc(64, sizeof(uint32_t) * (KC / 2) * ((NC + NR - 1) / NR) * NR);
    return packed_a && packed_b;
}

/// ap[s][p][i] = pair of op(A)(row0 + 8s + i, col0 + 2p …), zero past the last row.
ASL_BF16_TARGET static void pack_a(int trans, const float *a, size_t lda, size_t row0, size_t rows, size_t col0, size_t kc, void *packed) {
    uint32_t *ap = packed;
    const size_t pairs = (kc + 1) / 2;
    uint32_t strip[16 * (KC / 2)];
    for (size_t s = 0; s < rows; s += MR) {
        const size_t height = rows - s < MR ? rows - s : MR;
        // Pack 16 wide (the packers' unit), keep 8.
        if (trans) bf16_pack_pairs_rows(a + col0 * lda + row0 + s, lda, kc, height, strip, 16);
        else bf16_pack_pairs_cols(a + (row0 + s) * lda + col0, lda, kc, height, strip, 16);
        for (size_t p = 0; p < pairs; p++) _mm256_storeu_si256((__m256i *)(ap + p * MR), _mm256_loadu_si256((const __m256i *)(strip + p * 16)));
        ap += pairs * MR;
    }
}

/// bp[s][p][j] = pair of op(B)(row0 + 2p …, col0 + 48s + j), zero past the last column.
ASL_BF16_TARGET static void pack_b(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols, void *packed) {
    uint32_t *bp = packed;
    const size_t pairs = (kc + 1) / 2;
    for (size_t s = 0; s < cols; s += NR) {
        const size_t width = cols - s < NR ? cols - s : NR;
        if (trans) bf16_pack_pairs_cols(b + (col0 + s) * ldb + row0, ldb, kc, width, bp, NR);
        else bf16_pack_pairs_rows(b + row0 * ldb + col0 + s, ldb, kc, width, bp, NR);
        bp += pairs * NR;
    }
}

#define ASL_ROW(i)                                                                                   \
    {                                                                                                \
        const __m512bh a = (__m512bh)_mm512_set1_epi32((int)ap[i]);                                  \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, a, b0);                                                  \
        c##i##1 = _mm512_dpbf16_ps(c##i##1, a, b1);                                                  \
        c##i##2 = _mm512_dpbf16_ps(c##i##2, a, b2);                                                  \
    }

/// C[rows × cols] (≤ 8 × 48) = beta · C + Σₚ ap[p][·] ⊙ bp[p][·] (pairs of bf16 products).
ASL_BF16_TARGET static void kernel_8x48(size_t pairs, const void *packed_a_strip, const void *packed_b_strip, float *c, size_t ldc, size_t rows,
                                        size_t cols, float beta) {
    const uint32_t *ap = packed_a_strip, *bp = packed_b_strip;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
    __m512 c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp), b1 = (__m512bh)_mm512_load_si512(bp + 16), b2 = (__m512bh)_mm512_load_si512(bp + 32);
        _mm_prefetch((const char *)(bp + 8 * NR), _MM_HINT_T0);
        ASL_ROW(0) ASL_ROW(1) ASL_ROW(2) ASL_ROW(3) ASL_ROW(4) ASL_ROW(5) ASL_ROW(6) ASL_ROW(7)
        ap += MR;
        bp += NR;
    }
    const __mmask16 m0 = bf16_lanes(cols), m1 = cols > 16 ? bf16_lanes(cols - 16) : 0, m2 = cols > 32 ? bf16_lanes(cols - 32) : 0;
    ASL_GEMM_STORE_BLOCK()
}

#undef ASL_ROW

static const asl_gemm_blocking blocking = {MR, NR, KC, MC, NC, 2, pack_a, pack_b, kernel_8x48};

/// The CPU check sits outside the AVX512-BF16 functions (see asl_sgemm_avx512).
int asl_gemm_bf16_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    asl_gemm_run(&blocking, packed_a, packed_b, NULL, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}


size_t asl_gemm_bf16_avx512_packed_b_bytes(size_t k, size_t n) { return asl_gemm_packed_b_bytes(&blocking, k, n); }

int asl_gemm_bf16_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    if (!asl_simd_has_avx512_bf16()) return 0;
    asl_gemm_pack_b_whole(&blocking, trans_b, k, n, b, ldb, packed);
    return 1;
}

int asl_gemm_bf16_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *prepacked, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    asl_gemm_run(&blocking, packed_a, packed_b, prepacked, trans_a, 0, m, n, k, a, lda, NULL, 0, beta, c, ldc);
    return 1;
}

size_t asl_gemm_bf16_avx512_packed_a_bytes(size_t m, size_t k) { return 4 * ((m + MR - 1) / MR) * MR * ((k + 1) / 2); }

int asl_gemm_bf16_avx512_pack_a(size_t m, size_t k, const float *a, size_t lda, void *packed) {
    if (!asl_simd_has_avx512_bf16() || k > KC || k == 0) return 0;
    pack_a(0, a, lda, 0, m, 0, k, packed);
    return 1;
}

/// Both operands packed: the strips `asl_gemm_run` would visit for k ≤ KC (one pass), with the
/// same kernel calls, so each entry of C has the same bits.
int asl_gemm_bf16_avx512_prepacked(size_t m, size_t n, size_t k, const void *packed_a, const void *packed_b, float beta, float *c,
                                   size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || k > KC || k == 0) return 0;
    const size_t pairs = (k + 1) / 2;
    for (size_t jr = 0; jr < n; jr += NR) {
        const size_t cols = n - jr < NR ? n - jr : NR;
        const uint32_t *bp = (const uint32_t *)packed_b + (jr / NR) * pairs * NR;
        for (size_t ir = 0; ir < m; ir += MR) {
            const size_t rows = m - ir < MR ? m - ir : MR;
            kernel_8x48(pairs, (const uint32_t *)packed_a + (ir / MR) * pairs * MR, bp, c + ir * ldc + jr, ldc, rows, cols, beta);
        }
    }
    return 1;
}

/// Where a convolution reads its input: `channels` planes of height × width floats,
/// channel_stride apart, a kernel × kernel window at stride 1 with `padding` border values each
/// side (padding_values[c] per channel, or 0 without them).
typedef struct {
    const float *image;
    size_t channels, channel_stride, height, width, kernel, padding;
    const float *padding_values;
} conv_input;

/// Where row kk of the lowering (kk = (c·kernel + ky)·kernel + kx) reads, worked out once per
/// call rather than by divisions in the packing loop.
typedef struct {
    long offset; // from the image to column kx − padding of channel c's row 0
    long ky;     // ky − padding
    size_t kx;
    float border;
} lowering_row;

/// Pooled products: 16 pooling windows of the output row pair y, y + 1, as four 16-lane vectors
/// of B, one per window position (top-left, top-right, bottom-left, bottom-right), each lane k
/// pairs: bp[p][q][l] = the lowering's rows 2p, 2p + 1 at output pixel (y + q/2, 2·(x0 + l) + q%2),
/// read from the image itself (the border value outside it). The values `pack_b` puts in those
/// columns' lanes, since both round with vcvtne2ps2bf16 and put k 2p in a lane's low half.
/// inside[kx][h] says which of the 16 values from column 2·x0 + kx − padding + 16h lie in the image.
ASL_BF16_TARGET static void pack_pooled_b(const conv_input *in, const lowering_row *rows, size_t k, size_t y, size_t x0,
                                          const __mmask16 (*inside)[2], uint32_t *bp) {
    // Low halves (k 2p) from the first operand, high halves (k 2p + 1) from the second: even x
    // for the left positions, odd x for the right ones.
    static const uint16_t left_order[32] = {0, 32, 2, 34, 4, 36, 6, 38, 8, 40, 10, 42, 12, 44, 14, 46,
                                            16, 48, 18, 50, 20, 52, 22, 54, 24, 56, 26, 58, 28, 60, 30, 62};
    static const uint16_t right_order[32] = {1, 33, 3, 35, 5, 37, 7, 39, 9, 41, 11, 43, 13, 45, 15, 47,
                                             17, 49, 19, 51, 21, 53, 23, 55, 25, 57, 27, 59, 29, 61, 31, 63};
    const __m512i left = _mm512_loadu_si512(left_order), right = _mm512_loadu_si512(right_order);
    const long w = (long)in->width, height = (long)in->height, x = 2 * (long)x0;
    const size_t pairs = (k + 1) / 2;
    for (size_t p = 0; p < pairs; p++) {
        for (long dy = 0; dy < 2; dy++) {
            __m512i half[2];
            for (size_t e = 0; e < 2; e++) {
                if (2 * p + e >= k) {
                    half[e] = _mm512_setzero_si512();
                    continue;
                }
                const lowering_row *r = rows + 2 * p + e;
                const long sy = (long)y + dy + r->ky;
                const __m512 border = _mm512_set1_ps(r->border);
                if (sy < 0 || sy >= height) {
                    half[e] = bf16_convert(border, border);
                    continue;
                }
                // Only the lanes inside are read: the address may start before the row (masked loads do not fault).
                const float *src = in->image + r->offset + sy * w + x;
                half[e] = bf16_convert(_mm512_mask_loadu_ps(border, inside[r->kx][0], src), _mm512_mask_loadu_ps(border, inside[r->kx][1], src + 16));
            }
            _mm512_store_si512(bp + (p * 4 + 2 * dy) * 16, _mm512_permutex2var_epi16(half[0], left, half[1]));
            _mm512_store_si512(bp + (p * 4 + 2 * dy + 1) * 16, _mm512_permutex2var_epi16(half[0], right, half[1]));
        }
    }
}

#define ASL_POOLED_ROW(i)                                                                            \
    {                                                                                                \
        const __m512bh a = (__m512bh)_mm512_set1_epi32((int)ap[i]);                                  \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, a, b0);                                                  \
        c##i##1 = _mm512_dpbf16_ps(c##i##1, a, b1);                                                  \
        c##i##2 = _mm512_dpbf16_ps(c##i##2, a, b2);                                                  \
        c##i##3 = _mm512_dpbf16_ps(c##i##3, a, b3);                                                  \
    }

#define ASL_POOLED_STORE(i)                                                                          \
    if (i < channels)                                                                                \
        _mm512_mask_storeu_ps(out + i * out_stride, mask,                                            \
                              asl_pool_window_bias_relu(c##i##0, c##i##1, c##i##2, c##i##3, _mm512_set1_ps(bias[i]), relu));

/// Four channels (A's rows ap[p·MR + i], i < 4) over 16 windows (bp from `pack_pooled_b`): each
/// product is the chain of `kernel_8x48` (zero, then pairs in order), so its bits; the window's
/// maximum, bias and ReLU are `asl_maxpool2x2_bias_relu_avx512`'s expression.
ASL_BF16_TARGET static void pooled_kernel_4x16(size_t pairs, const uint32_t *ap, const uint32_t *bp, const float *bias, int relu, float *out,
                                               size_t out_stride, size_t channels, __mmask16 mask) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp), b1 = (__m512bh)_mm512_load_si512(bp + 16);
        const __m512bh b2 = (__m512bh)_mm512_load_si512(bp + 32), b3 = (__m512bh)_mm512_load_si512(bp + 48);
        ASL_POOLED_ROW(0) ASL_POOLED_ROW(1) ASL_POOLED_ROW(2) ASL_POOLED_ROW(3)
        ap += MR;
        bp += 64;
    }
    ASL_POOLED_STORE(0) ASL_POOLED_STORE(1) ASL_POOLED_STORE(2) ASL_POOLED_STORE(3)
}

#undef ASL_POOLED_ROW
#undef ASL_POOLED_STORE

int asl_conv_pooled_bf16_avx512(size_t m, const void *packed_a, const float *image, size_t channels, size_t channel_stride, size_t height,
                                size_t width, size_t kernel, size_t padding, const float *padding_values, size_t row0, size_t rows,
                                const float *bias, int relu, float *out, size_t out_channel_stride) {
    const size_t k = channels * kernel * kernel;
    if (!asl_simd_has_avx512_bf16() || k > KC || k == 0 || width + 2 * padding < kernel || height + 2 * padding < kernel) return 0;
    const size_t out_height = height + 2 * padding - kernel + 1, out_width = width + 2 * padding - kernel + 1;
    if (row0 % 2 != 0 || rows % 2 != 0 || out_width % 2 != 0 || row0 + rows > out_height || !ensure_buffers()) return 0;
    const conv_input in = {image, channels, channel_stride, height, width, kernel, padding, padding_values};
    lowering_row rows_of_k[KC];
    for (size_t kk = 0; kk < k; kk++) {
        const size_t c = kk / (kernel * kernel), ky = kk / kernel % kernel, kx = kk % kernel;
        rows_of_k[kk] = (lowering_row){(long)(c * channel_stride) + (long)kx - (long)padding,
                                       (long)ky - (long)padding, kx, padding_values ? padding_values[c] : 0.0f};
    }
    const size_t pairs = (k + 1) / 2, pooled_width = out_width / 2;
    __mmask16 inside[KC][2]; // per kx (< kernel ≤ KC)
    for (size_t x0 = 0; x0 < pooled_width; x0 += 16) {
        const size_t lanes = pooled_width - x0 < 16 ? pooled_width - x0 : 16;
        for (size_t kx = 0; kx < kernel; kx++) {
            for (size_t h = 0; h < 2; h++) {
                // Columns 2·x0 + kx − padding + 16h + j, j < 16, that lie in the image.
                const long start = (long)(2 * x0 + kx + 16 * h) - (long)padding, w = (long)width;
                const long lo = start < 0 ? -start : 0, hi = w - start < 16 ? w - start : 16;
                inside[kx][h] = hi <= lo ? 0 : (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
            }
        }
        for (size_t y = 0; y < rows / 2; y++) {
            pack_pooled_b(&in, rows_of_k, k, row0 + 2 * y, x0, (const __mmask16 (*)[2])inside, packed_b);
            for (size_t i = 0; i < m; i += 4) {
                const uint32_t *ap = (const uint32_t *)packed_a + (i / MR) * pairs * MR + i % MR;
                pooled_kernel_4x16(pairs, ap, packed_b, bias + i, relu, out + i * out_channel_stride + y * pooled_width + x0,
                                   out_channel_stride, m - i < 4 ? m - i : 4, bf16_lanes(lanes));
            }
        }
    }
    return 1;
}

#else

int asl_simd_has_avx512_bf16(void) { return 0; }

int asl_gemm_bf16_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}


size_t asl_gemm_bf16_avx512_packed_b_bytes(size_t k, size_t n) { (void)k; (void)n; return 0; }

int asl_gemm_bf16_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    (void)trans_b; (void)k; (void)n; (void)b; (void)ldb; (void)packed;
    return 0;
}

int asl_gemm_bf16_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *prepacked, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)prepacked; (void)beta; (void)c; (void)ldc;
    return 0;
}

size_t asl_gemm_bf16_avx512_packed_a_bytes(size_t m, size_t k) { return 4 * ((m + 7) / 8) * 8 * ((k + 1) / 2); }

int asl_gemm_bf16_avx512_pack_a(size_t m, size_t k, const float *a, size_t lda, void *packed) {
    (void)m; (void)k; (void)a; (void)lda; (void)packed;
    return 0;
}

int asl_gemm_bf16_avx512_prepacked(size_t m, size_t n, size_t k, const void *packed_a, const void *packed_b, float beta, float *c,
                                   size_t ldc) {
    (void)m; (void)n; (void)k; (void)packed_a; (void)packed_b; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_conv_pooled_bf16_avx512(size_t m, const void *packed_a, const float *image, size_t channels, size_t channel_stride, size_t height,
                                size_t width, size_t kernel, size_t padding, const float *padding_values, size_t row0, size_t rows,
                                const float *bias, int relu, float *out, size_t out_channel_stride) {
    (void)m; (void)packed_a; (void)image; (void)channels; (void)channel_stride; (void)height; (void)width; (void)kernel; (void)padding;
    (void)padding_values; (void)row0; (void)rows; (void)bias; (void)relu; (void)out; (void)out_channel_stride;
    return 0;
}

#endif
