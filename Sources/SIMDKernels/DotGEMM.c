#include "SIMDKernels.h"
#include "ConvInput.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DOT_MR = 8, DOT_NR = 3, DOT_KC = 512, DOT_LANES = 16 };

// C = beta·C + A·Bᵀ where A (m × k) and B (n × k) both run along k in memory and k is long
// while m·n is small: a linear layer's forward (batch × features, k = its inputs) and the
// first convolution's weight gradient (32 × 27, k = a chunk's pixels). The packed kernel
// spends most of such a product gathering and transposing both operands for a few
// multiply-adds each; here every product is a dot product of two rows, read as they are.
//
// Each entry's 16 lanes sum every 16th k (lane l: k ≡ l mod 16, in order, with fused
// multiply-adds); the lanes then add in a fixed tree (l and l+8, then +4, +2, +1). The
// lanes live in a partials buffer between blocks of k, so the blocking changes no bit, and
// the plain copy below does the same operations in the same order: the AVX-512 and plain
// paths, any CPU, and any split of C's rows or columns give the same bits.
#pragma clang fp contract(off)

/// Entries of C whose lanes the partials buffer holds at once (16 floats each: 1 MB); a
/// larger C goes in groups of rows and columns, which changes no entry's sum.
enum { DOT_GROUP_ENTRIES = 16384, DOT_GROUP_COLUMNS = 1024 };

/// At most this many rows of A per group: their blocks of k are copied together (below).
enum { DOT_GROUP_ROWS = 256 };

/// Rows per group for groups of `columns` columns: a multiple of 8 that fills the buffer.
static size_t group_rows(size_t columns) {
    const size_t rows = DOT_GROUP_ENTRIES / columns / DOT_MR * DOT_MR;
    return rows == 0 ? DOT_MR : rows > DOT_GROUP_ROWS ? DOT_GROUP_ROWS : rows;
}

/// The lanes' fixed sum tree: (l, l+8), then (l, l+4), (l, l+2), (l, l+1).
static inline float lane_sum(const float *lane) {
    float s8[8], s4[4], s2[2];
    for (int i = 0; i < 8; i++) s8[i] = lane[i] + lane[i + 8];
    for (int i = 0; i < 4; i++) s4[i] = s8[i] + s8[i + 4];
    for (int i = 0; i < 2; i++) s2[i] = s4[i] + s4[i + 2];
    return s2[0] + s2[1];
}

/// C = beta·C + the sums of the partials (entry (i, j) at partials + 16·(i·n + j)).
static void finish(size_t m, size_t n, const float *partials, float beta, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const float sum = lane_sum(partials + DOT_LANES * (i * n + j));
            c[i * ldc + j] = beta == 0 ? sum : beta * c[i * ldc + j] + sum;
        }
}

/// The plain copy: the same lanes, products and tree as the AVX-512 kernel (k past the end
/// multiplies zeros, as its masked loads do).
static void dot_plain(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *partials) {
    const size_t padded = (k + DOT_LANES - 1) / DOT_LANES * DOT_LANES;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float *lane = partials + DOT_LANES * (i * n + j);
            for (int l = 0; l < DOT_LANES; l++) lane[l] = 0;
            for (size_t p = 0; p < padded; p++) {
                const float x = p < k ? a[i * lda + p] : 0, y = p < k ? b[j * ldb + p] : 0;
                lane[p % DOT_LANES] = fmaf(x, y, lane[p % DOT_LANES]);
            }
        }
}

/// Runs `dot` on groups of C that the partials buffer holds, finishing each.
static void by_groups(void (*dot)(size_t, size_t, size_t, const float *, size_t, const float *, size_t, float *), float *partials,
                      size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    const size_t columns = n < DOT_GROUP_COLUMNS ? n : DOT_GROUP_COLUMNS, rows = group_rows(columns);
    for (size_t j0 = 0; j0 < n; j0 += columns) {
        const size_t nj = n - j0 < columns ? n - j0 : columns;
        for (size_t i0 = 0; i0 < m; i0 += rows) {
            const size_t mi = m - i0 < rows ? m - i0 : rows;
            dot(mi, nj, k, a + i0 * lda, lda, b + j0 * ldb, ldb, partials);
            finish(mi, nj, partials, beta, c + i0 * ldc + j0, ldc);
        }
    }
}

void asl_sgemm_dot_plain(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                         size_t ldc) {
    float *partials = malloc(sizeof(float) * DOT_LANES * DOT_GROUP_ENTRIES);
    if (!partials) abort();
    by_groups(dot_plain, partials, m, n, k, a, lda, b, ldb, beta, c, ldc);
    free(partials);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdint.h>
#include "BF16Pack.h"
#include "ThreadBuffer.h"

/// The calling thread's lanes for one group of entries (NULL if they cannot be had).
static float *partials_buffer(void) {
    static _Thread_local asl_thread_buffer partials;
    return asl_thread_buffer_reserve(&partials, sizeof(float) * DOT_LANES * DOT_GROUP_ENTRIES);
}

/// Row i of `count` rows, or the last one past them: edge blocks repeat it and drop its sums.
static inline size_t clamped(size_t i, size_t count) { return i < count ? i : count - 1; }

/// Lanes of the entries an edge block computes but C does not have.
static _Thread_local float edge_lanes[DOT_MR * DOT_NR][DOT_LANES] __attribute__((aligned(64)));

/// Where the lanes of the 8 × 3 block at (i0, j0) of an m × n C go: its entries' lanes in
/// `partials`, or `edge_lanes` for entries past m or n.
static inline void block_lanes(size_t m, size_t n, size_t i0, size_t j0, float *partials, float *lanes[DOT_MR][DOT_NR]) {
    for (size_t i = 0; i < DOT_MR; i++)
        for (size_t j = 0; j < DOT_NR; j++)
            lanes[i][j] = i0 + i < m && j0 + j < n ? partials + DOT_LANES * ((i0 + i) * n + j0 + j) : edge_lanes[i * DOT_NR + j];
}

#define DOT_ROW(i)                                                                                   \
    {                                                                                                \
        const __m512 x = _mm512_maskz_loadu_ps(keep, ar[i] + p);                                     \
        c##i##0 = _mm512_fmadd_ps(x, y0, c##i##0);                                                   \
        c##i##1 = _mm512_fmadd_ps(x, y1, c##i##1);                                                   \
        c##i##2 = _mm512_fmadd_ps(x, y2, c##i##2);                                                   \
    }

#define DOT_LOAD(i)                                                                                  \
    __m512 c##i##0 = _mm512_load_ps(lanes[i][0]), c##i##1 = _mm512_load_ps(lanes[i][1]), c##i##2 = _mm512_load_ps(lanes[i][2]);

#define DOT_STORE(i)                                                                                 \
    _mm512_store_ps(lanes[i][0], c##i##0);                                                           \
    _mm512_store_ps(lanes[i][1], c##i##1);                                                           \
    _mm512_store_ps(lanes[i][2], c##i##2);

/// Adds `count` values of k to the lanes of an 8 × 3 block: from rows `ar` of A and `br` of
/// B (a block at the edge repeats its last row; its extra lanes go to a scratch block).
__attribute__((target("avx512f")))
static void block_8x3(const float *const ar[DOT_MR], const float *const br[DOT_NR], size_t count, float *const lanes[DOT_MR][DOT_NR]) {
    DOT_LOAD(0) DOT_LOAD(1) DOT_LOAD(2) DOT_LOAD(3) DOT_LOAD(4) DOT_LOAD(5) DOT_LOAD(6) DOT_LOAD(7)
    for (size_t p = 0; p < count; p += DOT_LANES) {
        const __mmask16 keep = count - p >= DOT_LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - p)) - 1);
        const __m512 y0 = _mm512_maskz_loadu_ps(keep, br[0] + p), y1 = _mm512_maskz_loadu_ps(keep, br[1] + p),
                     y2 = _mm512_maskz_loadu_ps(keep, br[2] + p);
        DOT_ROW(0) DOT_ROW(1) DOT_ROW(2) DOT_ROW(3) DOT_ROW(4) DOT_ROW(5) DOT_ROW(6) DOT_ROW(7)
    }
    DOT_STORE(0) DOT_STORE(1) DOT_STORE(2) DOT_STORE(3) DOT_STORE(4) DOT_STORE(5) DOT_STORE(6) DOT_STORE(7)
}

#undef DOT_ROW

/// Floats between the rows of A's copied block of k: an odd number of cache lines, so the
/// 8 rows a block reads fall in different L1 sets (rows of a layer's input are 128 KB apart,
/// all in one set, and evicted one another).
enum { DOT_COPY_STRIDE = DOT_KC + 16 };

/// At most this many lowering rows (C·kernel²) are made at a time, a block of k each, in cache.
enum { DOT_LOWERED_ROWS = 64 };

/// Images whose lowering (im2col) is B: `images` convolution inputs image_stride apart. B's row
/// j is lowering row j (ConvInput.h), column p = pixel p of the images' output planes, one image
/// after another.
typedef struct {
    asl_conv_input input;
    size_t images, image_stride;
} dot_lowering;

/// Rows 0 … n − 1 of the lowering at columns p0 … p1 − 1, row j at rows + j·stride: Im2Col's
/// values (the image inside it, the border value outside).
static void lower_block(const dot_lowering *g, size_t n, size_t p0, size_t p1, float *rows, size_t stride) {
    const asl_conv_input *in = &g->input;
    const size_t ow = asl_conv_output_width(in), plane = asl_conv_output_height(in) * ow;
    for (size_t j = 0; j < n; j++) {
        const asl_lowering_row r = asl_conv_lowering_row(in, j);
        const long dx = r.dx;
        float *out = rows + j * stride;
        // Runs of one output row at a time.
        for (size_t p = p0; p < p1;) {
            const size_t i = p / plane, y = p % plane / ow, x0 = p % ow, x1 = ow - x0 < p1 - p ? ow : x0 + (p1 - p);
            const long sy = (long)y + r.dy;
            float *o = out + (p - p0);
            if (sy < 0 || sy >= (long)in->height) {
                for (size_t x = x0; x < x1; x++) o[x - x0] = r.border;
            } else {
                // Columns xlo … xhi − 1 read the image (x + dx inside it), the rest the border.
                const float *src = in->image + i * g->image_stride + r.channel * in->channel_stride + (size_t)sy * in->width;
                const long lo = -dx > (long)x0 ? -dx : (long)x0, hi = (long)in->width - dx < (long)x1 ? (long)in->width - dx : (long)x1;
                const size_t xlo = lo < (long)x1 ? (size_t)lo : x1, xhi = hi > (long)xlo ? (size_t)hi : xlo;
                for (size_t x = x0; x < xlo; x++) o[x - x0] = r.border;
                if (xhi > xlo) memcpy(o + (xlo - x0), src + (long)xlo + dx, sizeof(float) * (xhi - xlo));
                for (size_t x = xhi; x < x1; x++) o[x - x0] = r.border;
            }
            p += x1 - x0;
        }
    }
}

/// The partials of A·Bᵀ in blocks of k whose 8 rows of A and 3 of B stay in L1 while every
/// block of C passes. B is read from memory (b, ldb) or, with `g`, made a block at a time from
/// images (`lower_block`) into a buffer at the copy stride: the same values in the same lanes.
__attribute__((target("avx512f")))
static void dot_blocks(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, const dot_lowering *g,
                       float *partials) {
    static _Thread_local float copied[DOT_GROUP_ROWS * DOT_COPY_STRIDE] __attribute__((aligned(64)));
    static _Thread_local float lowered[DOT_LOWERED_ROWS * DOT_COPY_STRIDE] __attribute__((aligned(64)));
    const size_t padded = (k + DOT_LANES - 1) / DOT_LANES * DOT_LANES;
    for (size_t e = 0; e < m * n * DOT_LANES; e++) partials[e] = 0;
    for (size_t p0 = 0; p0 < padded; p0 += DOT_KC) {
        const size_t p1 = p0 + DOT_KC < k ? p0 + DOT_KC : k;
        // This block of A's rows, copied once for all blocks of B: the same values, at stride DOT_COPY_STRIDE.
        for (size_t i = 0; i < m; i++)
            for (size_t p = 0; p < p1 - p0; p += DOT_LANES) {
                const __mmask16 keep = p1 - p0 - p >= DOT_LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (p1 - p0 - p)) - 1);
                _mm512_store_ps(copied + i * DOT_COPY_STRIDE + p, _mm512_maskz_loadu_ps(keep, a + i * lda + p0 + p));
            }
        if (g) lower_block(g, n, p0, p1, lowered, DOT_COPY_STRIDE);
        const float *b_block = g ? lowered : b + p0;
        const size_t b_stride = g ? DOT_COPY_STRIDE : ldb;
        for (size_t j0 = 0; j0 < n; j0 += DOT_NR) {
            const float *br[DOT_NR];
            for (size_t j = 0; j < DOT_NR; j++) br[j] = b_block + clamped(j0 + j, n) * b_stride;
            for (size_t i0 = 0; i0 < m; i0 += DOT_MR) {
                const float *ar[DOT_MR];
                float *lanes[DOT_MR][DOT_NR];
                for (size_t i = 0; i < DOT_MR; i++) ar[i] = copied + clamped(i0 + i, m) * DOT_COPY_STRIDE;
                block_lanes(m, n, i0, j0, partials, lanes);
                block_8x3(ar, br, p1 - p0, lanes);
            }
        }
    }
}

__attribute__((target("avx512f")))
static void dot_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *partials) {
    dot_blocks(m, n, k, a, lda, b, ldb, NULL, partials);
}

// MARK: a lowered weight gradient in bf16

/// bf16 values between the rows of a block's bf16 copies: an odd number of cache lines, as
/// DOT_COPY_STRIDE is for floats.
enum { DOT_BF16_COPY_STRIDE = DOT_KC + 32 };

/// `count` rows of `width` floats (`ld` apart) rounded to bf16 (vcvtne2ps2bf16, as every bf16
/// packing rounds), at `stride`, zero from width to the next multiple of 32.
ASL_BF16_TARGET static void block_to_bf16(const float *x, size_t ld, size_t count, size_t width, uint16_t *out, size_t stride) {
    for (size_t r = 0; r < count; r++)
        for (size_t p = 0; p < width; p += 32) {
            const size_t left = width - p;
            const __mmask16 lo = bf16_lanes(left), hi = left > 16 ? bf16_lanes(left - 16) : 0;
            _mm512_store_si512(out + r * stride + p, bf16_convert(_mm512_maskz_loadu_ps(lo, x + r * ld + p), _mm512_maskz_loadu_ps(hi, x + r * ld + p + 16)));
        }
}

#define DOT_BF16_ROW(i)                                                                              \
    {                                                                                                \
        const __m512bh x = (__m512bh)_mm512_load_si512(ar[i] + p);                                   \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, x, y0);                                                  \
        c##i##1 = _mm512_dpbf16_ps(c##i##1, x, y1);                                                  \
        c##i##2 = _mm512_dpbf16_ps(c##i##2, x, y2);                                                  \
    }

/// block_8x3 in bf16: lane l of an entry adds, 32 values of k at a time (`count` a multiple of
/// 32), the products of values 2l and 2l + 1 (one vdpbf16ps).
ASL_BF16_TARGET static void block_bf16_8x3(const uint16_t *const ar[DOT_MR], const uint16_t *const br[DOT_NR], size_t count, float *const lanes[DOT_MR][DOT_NR]) {
    DOT_LOAD(0) DOT_LOAD(1) DOT_LOAD(2) DOT_LOAD(3) DOT_LOAD(4) DOT_LOAD(5) DOT_LOAD(6) DOT_LOAD(7)
    for (size_t p = 0; p < count; p += 32) {
        const __m512bh y0 = (__m512bh)_mm512_load_si512(br[0] + p), y1 = (__m512bh)_mm512_load_si512(br[1] + p),
                       y2 = (__m512bh)_mm512_load_si512(br[2] + p);
        DOT_BF16_ROW(0) DOT_BF16_ROW(1) DOT_BF16_ROW(2) DOT_BF16_ROW(3) DOT_BF16_ROW(4) DOT_BF16_ROW(5) DOT_BF16_ROW(6) DOT_BF16_ROW(7)
    }
    DOT_STORE(0) DOT_STORE(1) DOT_STORE(2) DOT_STORE(3) DOT_STORE(4) DOT_STORE(5) DOT_STORE(6) DOT_STORE(7)
}

#undef DOT_BF16_ROW
#undef DOT_LOAD
#undef DOT_STORE

/// dot_blocks with a lowered B in bf16: each block's rows of A and of the lowering are rounded
/// once, then every 8 × 3 block of C adds their pairs' products to its lanes. Blocks of k are
/// DOT_KC (a multiple of 32) long, so a lane sums the same pairs however k is blocked.
/// Bytes of dot_blocks_bf16's block copies: dY's rows in bf16, the lowering's in fp32 and in bf16.
enum {
    DOT_BF16_COPIED_BYTES = 2 * DOT_GROUP_ROWS * DOT_BF16_COPY_STRIDE,
    DOT_BF16_LOWERED_BYTES = 4 * DOT_LOWERED_ROWS * DOT_COPY_STRIDE,
    DOT_BF16_BUFFER_BYTES = DOT_BF16_COPIED_BYTES + DOT_BF16_LOWERED_BYTES + 2 * DOT_LOWERED_ROWS * DOT_BF16_COPY_STRIDE
};

/// The calling thread's buffer for those copies (NULL if it cannot be had): on the heap, taken at
/// the first call, where static thread-local arrays would add half a megabyte to every thread.
static void *bf16_dot_buffer(void) {
    static _Thread_local asl_thread_buffer copies;
    return asl_thread_buffer_reserve(&copies, DOT_BF16_BUFFER_BYTES);
}

ASL_BF16_TARGET static void dot_blocks_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const dot_lowering *g, float *partials, void *buffer) {
    uint16_t *copied = buffer, *lowered_bf16 = (uint16_t *)((char *)buffer + DOT_BF16_COPIED_BYTES + DOT_BF16_LOWERED_BYTES);
    float *lowered = (float *)((char *)buffer + DOT_BF16_COPIED_BYTES);
    for (size_t e = 0; e < m * n * DOT_LANES; e++) partials[e] = 0;
    for (size_t p0 = 0; p0 < k; p0 += DOT_KC) {
        const size_t p1 = p0 + DOT_KC < k ? p0 + DOT_KC : k, count = p1 - p0, chunks = (count + 31) / 32 * 32;
        block_to_bf16(a + p0, lda, m, count, copied, DOT_BF16_COPY_STRIDE);
        lower_block(g, n, p0, p1, lowered, DOT_COPY_STRIDE);
        block_to_bf16(lowered, DOT_COPY_STRIDE, n, count, lowered_bf16, DOT_BF16_COPY_STRIDE);
        for (size_t j0 = 0; j0 < n; j0 += DOT_NR) {
            const uint16_t *br[DOT_NR];
            for (size_t j = 0; j < DOT_NR; j++) br[j] = lowered_bf16 + clamped(j0 + j, n) * DOT_BF16_COPY_STRIDE;
            for (size_t i0 = 0; i0 < m; i0 += DOT_MR) {
                const uint16_t *ar[DOT_MR];
                float *lanes[DOT_MR][DOT_NR];
                for (size_t i = 0; i < DOT_MR; i++) ar[i] = copied + clamped(i0 + i, m) * DOT_BF16_COPY_STRIDE;
                block_lanes(m, n, i0, j0, partials, lanes);
                block_bf16_8x3(ar, br, chunks, lanes);
            }
        }
    }
}

/// Both precisions' lowered weight gradient: the shapes one group of lanes holds, C = beta·C + the sums.
static int conv_weight_gradient(int bf16, size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                const float *padding_values, float beta, float *c, size_t ldc) {
    const dot_lowering g = {{image, channels, channel_stride, height, width, kernel, padding, padding_values}, images, image_stride};
    const size_t n = channels * kernel * kernel;
    if (!(bf16 ? asl_simd_has_avx512_bf16() : asl_simd_has_avx512()) || n == 0 || n > DOT_LOWERED_ROWS || m > group_rows(n)
        || m * n > DOT_GROUP_ENTRIES || !asl_conv_has_output(&g.input))
        return 0;
    float *partials = partials_buffer();
    void *copies = bf16 ? bf16_dot_buffer() : NULL;
    if (!partials || (bf16 && !copies)) return 0;
    const size_t plane = asl_conv_output_height(&g.input) * asl_conv_output_width(&g.input);
    // One group, as by_groups makes for such m and n.
    if (bf16) dot_blocks_bf16(m, n, images * plane, dy, ldy, &g, partials, copies);
    else dot_blocks(m, n, images * plane, dy, ldy, NULL, 0, &g, partials);
    finish(m, n, partials, beta, c, ldc);
    return 1;
}

int asl_conv_weight_gradient_dot_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                        size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                        const float *padding_values, float beta, float *c, size_t ldc) {
    return conv_weight_gradient(0, m, dy, ldy, image, images, image_stride, channels, channel_stride, height, width, kernel, padding,
                                padding_values, beta, c, ldc);
}

int asl_conv_weight_gradient_dot_bf16_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                             size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                             const float *padding_values, float beta, float *c, size_t ldc) {
    return conv_weight_gradient(1, m, dy, ldy, image, images, image_stride, channels, channel_stride, height, width, kernel, padding,
                                padding_values, beta, c, ldc);
}

// MARK: short k, lanes in registers

/// The fixed sum tree of `lane_sum` for 16 entries at once: e[i] holds entry i's 16 lanes; the
/// result holds entry i's sum in element i. Each step adds the same two values as `lane_sum`
/// (a + b is b + a bit for bit), only for 16 entries side by side: lanes (l, l+8) as 256-bit
/// halves, then (l, l+4) as 128-bit quarters, (l, l+2) as 64-bit pairs, (l, l+1) as singles.
__attribute__((target("avx512f")))
static inline __m512 lane_sums16(const __m512 e[16]) {
    __m512 s8[8], s4[4], s2[2];
    // s8[j]: entries 2j (low half) and 2j+1 (high half), each lane[i] + lane[i+8], i < 8.
    for (int j = 0; j < 8; j++)
        s8[j] = _mm512_add_ps(_mm512_shuffle_f32x4(e[2 * j], e[2 * j + 1], 0x44), _mm512_shuffle_f32x4(e[2 * j], e[2 * j + 1], 0xEE));
    // s4[j]: quarters hold entries 4j, 4j+1, 4j+2, 4j+3, each s8[i] + s8[i+4], i < 4.
    for (int j = 0; j < 4; j++)
        s4[j] = _mm512_add_ps(_mm512_shuffle_f32x4(s8[2 * j], s8[2 * j + 1], 0x88), _mm512_shuffle_f32x4(s8[2 * j], s8[2 * j + 1], 0xDD));
    // s2[j]: quarter q holds entries (q, q+4) of block j (8j …), each s4[i] + s4[i+2], i < 2.
    for (int j = 0; j < 2; j++) {
        const __m512d x = _mm512_castps_pd(s4[2 * j]), y = _mm512_castps_pd(s4[2 * j + 1]);
        s2[j] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    // Quarter q: entries q, q+4, q+8, q+12, each s2[0] + s2[1].
    const __m512 sums = _mm512_add_ps(_mm512_shuffle_ps(s2[0], s2[1], 0x88), _mm512_shuffle_ps(s2[0], s2[1], 0xDD));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), sums);
}

enum { REG_MR = 4, REG_NR = 4 };

/// C's entries of the 4 × 4 block at (i0, j0) from the lanes `acc` (entry 4i + j: row i0 + i,
/// column j0 + j) summed in `lane_sums16`'s tree: beta·C + sum, a product then a sum (contraction
/// is off in this file), a row's four at a time in the low lanes of masked 512-bit loads and
/// stores (AVX512-F alone); entries past m or n are dropped.
__attribute__((target("avx512f")))
static inline void store_block_4x4(const __m512 acc[REG_MR * REG_NR], size_t m, size_t n, size_t i0, size_t j0, float beta, float *c,
                                   size_t ldc) {
    float sums[REG_MR * REG_NR] __attribute__((aligned(64)));
    _mm512_store_ps(sums, lane_sums16(acc));
    const __mmask16 columns = (__mmask16)(n - j0 >= REG_NR ? 0xF : (1u << (n - j0)) - 1);
    const __m512 scale = _mm512_set1_ps(beta);
    for (size_t i = 0; i < REG_MR && i0 + i < m; i++) {
        float *row = c + (i0 + i) * ldc + j0;
        const __m512 q = _mm512_maskz_loadu_ps(columns, sums + REG_NR * i);
        _mm512_mask_storeu_ps(row, columns, beta == 0 ? q : _mm512_add_ps(_mm512_mul_ps(scale, _mm512_maskz_loadu_ps(columns, row)), q));
    }
}

/// Entries (i0 … i0+3) × (j0 … j0+3) of C = beta·C + A·Bᵀ with their lanes in registers over
/// all of k; rows past m or n repeat the last one, and their sums are dropped.
__attribute__((target("avx512f")))
static void reg_block_4x4(size_t m, size_t n, size_t k, size_t i0, size_t j0, const float *a, size_t lda, const float *b, size_t ldb,
                          float beta, float *c, size_t ldc) {
    const float *ar[REG_MR], *br[REG_NR];
    for (size_t i = 0; i < REG_MR; i++) ar[i] = a + clamped(i0 + i, m) * lda;
    for (size_t j = 0; j < REG_NR; j++) br[j] = b + clamped(j0 + j, n) * ldb;
    __m512 acc[REG_MR * REG_NR];
    for (int e = 0; e < REG_MR * REG_NR; e++) acc[e] = _mm512_setzero_ps();
    for (size_t p = 0; p < k; p += DOT_LANES) {
        const __mmask16 keep = k - p >= DOT_LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - p)) - 1);
        const __m512 y0 = _mm512_maskz_loadu_ps(keep, br[0] + p), y1 = _mm512_maskz_loadu_ps(keep, br[1] + p),
                     y2 = _mm512_maskz_loadu_ps(keep, br[2] + p), y3 = _mm512_maskz_loadu_ps(keep, br[3] + p);
        for (int i = 0; i < REG_MR; i++) {
            const __m512 x = _mm512_maskz_loadu_ps(keep, ar[i] + p);
            acc[4 * i + 0] = _mm512_fmadd_ps(x, y0, acc[4 * i + 0]);
            acc[4 * i + 1] = _mm512_fmadd_ps(x, y1, acc[4 * i + 1]);
            acc[4 * i + 2] = _mm512_fmadd_ps(x, y2, acc[4 * i + 2]);
            acc[4 * i + 3] = _mm512_fmadd_ps(x, y3, acc[4 * i + 3]);
        }
    }
    store_block_4x4(acc, m, n, i0, j0, beta, c, ldc);
}

int asl_sgemm_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                   float *c, size_t ldc) {
    if (!asl_simd_has_avx512()) return 0;
    if (m == 0 || n == 0) return 1;
    // Rows of A outermost: their 4 rows stay in L1 while every block of B's rows passes.
    for (size_t i0 = 0; i0 < m; i0 += REG_MR)
        for (size_t j0 = 0; j0 < n; j0 += REG_NR) reg_block_4x4(m, n, k, i0, j0, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

// MARK: short k in bf16, lanes in registers

/// bf16 values a chunk of k holds: one vdpbf16ps adds 32 products, two per lane.
enum { DOT_BF16_CHUNK = 32 };

/// The calling thread's buffer for both operands' rows in bf16.
static _Thread_local asl_thread_buffer bf16_rows;

/// Entries (i0 … i0+3) × (j0 … j0+3) of C = beta·C + A·Bᵀ from the bf16 rows: lane l of an
/// entry adds, chunk after chunk of 32 values of k, the products of values 2l and 2l + 1 (one
/// vdpbf16ps), and the lanes then add in `lane_sums16`'s fixed tree. Rows past m or n repeat
/// the last one, and their sums are dropped.
ASL_BF16_TARGET static void reg_block_bf16_4x4(size_t m, size_t n, size_t stride, size_t i0, size_t j0, const uint16_t *a,
                                               const uint16_t *b, float beta, float *c, size_t ldc) {
    const uint16_t *ar[REG_MR], *br[REG_NR];
    for (size_t i = 0; i < REG_MR; i++) ar[i] = a + clamped(i0 + i, m) * stride;
    for (size_t j = 0; j < REG_NR; j++) br[j] = b + clamped(j0 + j, n) * stride;
    __m512 acc[REG_MR * REG_NR];
    for (int e = 0; e < REG_MR * REG_NR; e++) acc[e] = _mm512_setzero_ps();
    for (size_t p = 0; p < stride; p += DOT_BF16_CHUNK) {
        const __m512bh y0 = (__m512bh)_mm512_load_si512(br[0] + p), y1 = (__m512bh)_mm512_load_si512(br[1] + p),
                       y2 = (__m512bh)_mm512_load_si512(br[2] + p), y3 = (__m512bh)_mm512_load_si512(br[3] + p);
        for (int i = 0; i < REG_MR; i++) {
            const __m512bh x = (__m512bh)_mm512_load_si512(ar[i] + p);
            acc[4 * i + 0] = _mm512_dpbf16_ps(acc[4 * i + 0], x, y0);
            acc[4 * i + 1] = _mm512_dpbf16_ps(acc[4 * i + 1], x, y1);
            acc[4 * i + 2] = _mm512_dpbf16_ps(acc[4 * i + 2], x, y2);
            acc[4 * i + 3] = _mm512_dpbf16_ps(acc[4 * i + 3], x, y3);
        }
    }
    store_block_4x4(acc, m, n, i0, j0, beta, c, ldc);
}

int asl_gemm_bf16_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                       float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16()) return 0;
    if (m == 0 || n == 0) return 1;
    const size_t stride = (k + DOT_BF16_CHUNK - 1) / DOT_BF16_CHUNK * DOT_BF16_CHUNK;
    uint16_t *rows = asl_thread_buffer_reserve(&bf16_rows, sizeof(uint16_t) * (m + n) * (stride ? stride : DOT_BF16_CHUNK));
    if (!rows) return 0;
    // Each row is rounded once here, not once per block of the other operand's rows.
    block_to_bf16(a, lda, m, k, rows, stride);
    block_to_bf16(b, ldb, n, k, rows + m * stride, stride);
    for (size_t i0 = 0; i0 < m; i0 += REG_MR)
        for (size_t j0 = 0; j0 < n; j0 += REG_NR) reg_block_bf16_4x4(m, n, stride, i0, j0, rows, rows + m * stride, beta, c, ldc);
    return 1;
}

int asl_sgemm_dot_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                         size_t ldc) {
    if (!asl_simd_has_avx512()) return 0;
    float *partials = partials_buffer();
    if (!partials) return 0;
    by_groups(dot_avx512, partials, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

#else

int asl_conv_weight_gradient_dot_bf16_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                             size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                             const float *padding_values, float beta, float *c, size_t ldc) {
    (void)m; (void)dy; (void)ldy; (void)image; (void)images; (void)image_stride; (void)channels; (void)channel_stride; (void)height;
    (void)width; (void)kernel; (void)padding; (void)padding_values; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_conv_weight_gradient_dot_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                        size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                        const float *padding_values, float beta, float *c, size_t ldc) {
    (void)m; (void)dy; (void)ldy; (void)image; (void)images; (void)image_stride; (void)channels; (void)channel_stride; (void)height;
    (void)width; (void)kernel; (void)padding; (void)padding_values; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_sgemm_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                   float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                       float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_sgemm_dot_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                         size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

#endif
