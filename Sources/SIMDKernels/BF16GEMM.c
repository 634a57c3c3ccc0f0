#include "SIMDKernels.h"
#include "GEMMCommon.h"
#include "ThreadBuffer.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "BF16Pack.h"
#include <stdlib.h>

// Mixed-precision GEMM for AVX512-BF16 cores: the float32 operands are rounded to bf16 while
// they are packed, and `vdpbf16ps` adds two bf16 products per float32 lane, so each
// instruction does twice the work of an fp32 FMA on the same registers. Same shape as the
// fp32 kernel (PackedGEMM.c): an 8 × 48 block of C in 24 registers, B in 48-wide strips of
// k pairs, A in 8-tall strips of k pairs; KC counts k values (192 pairs).
enum { MR = 8, NR = 48, KC = 384, MC = 256, NC = 480 };
// Products whose n is a few 32-column strips and not whole 48-column ones (the convolutions'
// weight gradients, 64 or 128 columns; the heads' 64 or 128 outputs a thread) run 8 × 32
// blocks instead: 8 × 48 left a third or a ninth of their multiply-adds on padding.
enum { NR_NARROW = 32 };

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

/// bp[s][p][j] = pair of op(B)(row0 + 2p …, col0 + nr·s + j), zero past the last column.
ASL_BF16_TARGET static void pack_b_strips(size_t nr, int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols,
                                          void *packed) {
    uint32_t *bp = packed;
    const size_t pairs = (kc + 1) / 2;
    if (!trans) {
        bf16_pack_pairs_rows(b + row0 * ldb + col0, ldb, kc, cols, bp, nr);
        return;
    }
    for (size_t s = 0; s < cols; s += nr) {
        bf16_pack_pairs_cols(b + (col0 + s) * ldb + row0, ldb, kc, cols - s < nr ? cols - s : nr, bp, nr);
        bp += pairs * nr;
    }
}

ASL_BF16_TARGET static void pack_b(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols, void *packed) {
    pack_b_strips(NR, trans, b, ldb, row0, kc, col0, cols, packed);
}

ASL_BF16_TARGET static void pack_b_narrow(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols,
                                          void *packed) {
    pack_b_strips(NR_NARROW, trans, b, ldb, row0, kc, col0, cols, packed);
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
        // The next strip of B, into L2 while this one is multiplied: a layer's weights packed
        // once stream from memory strip after strip (a linear layer's 12–25 MB each batch),
        // and without this the first row strip to use each waited for it. (After the last
        // strip this looks past the end: prefetches never fault.)
        _mm_prefetch((const char *)(bp + pairs * NR), _MM_HINT_T1);
        _mm_prefetch((const char *)(bp + pairs * NR + 16), _MM_HINT_T1);
        _mm_prefetch((const char *)(bp + pairs * NR + 32), _MM_HINT_T1);
        ASL_ROW(0) ASL_ROW(1) ASL_ROW(2) ASL_ROW(3) ASL_ROW(4) ASL_ROW(5) ASL_ROW(6) ASL_ROW(7)
        ap += MR;
        bp += NR;
    }
    const __mmask16 m0 = bf16_lanes(cols), m1 = cols > 16 ? bf16_lanes(cols - 16) : 0, m2 = cols > 32 ? bf16_lanes(cols - 32) : 0;
    ASL_GEMM_STORE_BLOCK()
}

#undef ASL_ROW

#define ASL_ROW(i)                                                                                   \
    {                                                                                                \
        const __m512bh a = (__m512bh)_mm512_set1_epi32((int)ap[i]);                                  \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, a, b0);                                                  \
        c##i##1 = _mm512_dpbf16_ps(c##i##1, a, b1);                                                  \
    }

/// kernel_8x48 on 32 columns: each entry of C is the same chain of vdpbf16ps over the same
/// pairs, so the same bits whichever kernel computes it.
ASL_BF16_TARGET static void kernel_8x32(size_t pairs, const void *packed_a_strip, const void *packed_b_strip, float *c, size_t ldc, size_t rows,
                                        size_t cols, float beta) {
    const uint32_t *ap = packed_a_strip, *bp = packed_b_strip;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp), b1 = (__m512bh)_mm512_load_si512(bp + 16);
        _mm_prefetch((const char *)(bp + 8 * NR_NARROW), _MM_HINT_T0);
        _mm_prefetch((const char *)(bp + pairs * NR_NARROW), _MM_HINT_T1);
        _mm_prefetch((const char *)(bp + pairs * NR_NARROW + 16), _MM_HINT_T1);
        ASL_ROW(0) ASL_ROW(1) ASL_ROW(2) ASL_ROW(3) ASL_ROW(4) ASL_ROW(5) ASL_ROW(6) ASL_ROW(7)
        ap += MR;
        bp += NR_NARROW;
    }
    const __mmask16 m0 = bf16_lanes(cols), m1 = cols > 16 ? bf16_lanes(cols - 16) : 0;
    ASL_GEMM_STORE_BLOCK_NARROW()
}

#undef ASL_ROW

static const asl_gemm_blocking blocking = {MR, NR, KC, MC, NC, 2, pack_a, pack_b, kernel_8x48};
static const asl_gemm_blocking narrow_blocking = {MR, NR_NARROW, KC, MC, NC, 2, pack_a, pack_b_narrow, kernel_8x32};

/// 8 × 32 blocks where 48-column strips would pad n more than a tenth beyond what 32-column ones do.
static const asl_gemm_blocking *blocking_for(size_t n) {
    const size_t wide = (n + NR - 1) / NR * NR, narrow = (n + NR_NARROW - 1) / NR_NARROW * NR_NARROW;
    return 10 * wide > 11 * narrow ? &narrow_blocking : &blocking;
}

// MARK: few rows of A, B read in place

// A · Bᵀ with at most 32 rows of A and long k (a linear layer's forward over a batch, B its
// weights, out × in): packing Bᵀ into pairs transposes every weight for only 32 uses of each.
// Here Cᵀ is computed instead, 32 rows of A a vector pair: A is packed once per pass (32 × kc),
// and each weight pair is rounded in a row's own order and broadcast. Every entry is the chain
// kernel_8x48 makes for it (from zero in each pass over asl_gemm_k_step's blocks, a vdpbf16ps
// per pair of the same two products, then beta · C + the pass's sum), so the same bits.
enum { FEW_ROWS = 32, FEW_COLUMNS = 8 };

static _Thread_local uint32_t *few_at;
static _Thread_local asl_thread_buffer few_ct;

/// ct[j][0..31] (8 of them, `columns` kept) = beta·ct + the pairs' products over `kc` values of
/// k, or the sum alone with `overwrite`; column j's weights are row j of B (ldb apart).
ASL_BF16_TARGET static void kernel_few_rows(size_t kc, const float *bt, size_t ldb, size_t columns, const uint32_t *at, float *ct,
                                            int overwrite, float beta) {
    // Columns past `columns` read row 0 again (always there) and are not stored.
    const float *b[FEW_COLUMNS];
    for (size_t j = 0; j < FEW_COLUMNS; j++) b[j] = j < columns ? bt + j * ldb : bt;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    const size_t pairs = (kc + 1) / 2;
    uint32_t w[FEW_COLUMNS][16] __attribute__((aligned(64)));
    for (size_t p0 = 0; p0 < pairs; p0 += 16) {
        // 16 pairs of each column's weights, rounded as the packing rounds them (0 past kc).
        const size_t left = kc - 2 * p0;
        const __mmask16 lo = bf16_lanes(left), hi = left > 16 ? bf16_lanes(left - 16) : 0;
        for (size_t j = 0; j < FEW_COLUMNS; j++)
            _mm512_store_si512(w[j], bf16_convert(_mm512_maskz_loadu_ps(lo, b[j] + 2 * p0), _mm512_maskz_loadu_ps(hi, b[j] + 2 * p0 + 16)));
        const size_t count = pairs - p0 < 16 ? pairs - p0 : 16;
        for (size_t q = 0; q < count; q++) {
            const uint32_t *ap = at + FEW_ROWS * (p0 + q);
            const __m512bh x0 = (__m512bh)_mm512_load_si512(ap), x1 = (__m512bh)_mm512_load_si512(ap + 16);
#define ASL_FEW_COLUMN(j)                                                                                \
            {                                                                                            \
                const __m512bh v = (__m512bh)_mm512_set1_epi32((int)w[j][q]);                            \
                c##j##0 = _mm512_dpbf16_ps(c##j##0, v, x0);                                              \
                c##j##1 = _mm512_dpbf16_ps(c##j##1, v, x1);                                              \
            }
            ASL_FEW_COLUMN(0) ASL_FEW_COLUMN(1) ASL_FEW_COLUMN(2) ASL_FEW_COLUMN(3)
            ASL_FEW_COLUMN(4) ASL_FEW_COLUMN(5) ASL_FEW_COLUMN(6) ASL_FEW_COLUMN(7)
#undef ASL_FEW_COLUMN
        }
    }
    const __m512 vbeta = _mm512_set1_ps(beta);
#define ASL_FEW_STORE(j)                                                                                 \
    if (j < columns) {                                                                                   \
        float *column = ct + FEW_ROWS * (j);                                                             \
        if (overwrite) {                                                                                 \
            _mm512_store_ps(column, c##j##0);                                                            \
            _mm512_store_ps(column + 16, c##j##1);                                                       \
        } else {                                                                                         \
            _mm512_store_ps(column, _mm512_fmadd_ps(vbeta, _mm512_load_ps(column), c##j##0));            \
            _mm512_store_ps(column + 16, _mm512_fmadd_ps(vbeta, _mm512_load_ps(column + 16), c##j##1));  \
        }                                                                                                \
    }
    ASL_FEW_STORE(0) ASL_FEW_STORE(1) ASL_FEW_STORE(2) ASL_FEW_STORE(3) ASL_FEW_STORE(4) ASL_FEW_STORE(5) ASL_FEW_STORE(6) ASL_FEW_STORE(7)
#undef ASL_FEW_STORE
}

ASL_BF16_TARGET static void few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                        float *c, size_t ldc) {
    uint32_t *at = few_at;
    float *ct = few_ct.data;
    asl_few_rows_load_ct(m, n, FEW_ROWS, beta, c, ldc, ct);
    const size_t kc_step = asl_gemm_k_step(k, KC, 2);
    for (size_t pc = 0; pc < k; pc += kc_step) {
        const size_t kc = k - pc < kc_step ? k - pc : kc_step;
        // at[p][i] = the pair of A(i, pc + 2p …), as pack_a packs A's rows.
        bf16_pack_pairs_cols(a + pc, lda, kc, m, at, FEW_ROWS);
        const int overwrite = pc == 0 && beta == 0;
        const float pass_beta = pc == 0 ? beta : 1.0f;
        for (size_t j0 = 0; j0 < n; j0 += FEW_COLUMNS)
            kernel_few_rows(kc, b + j0 * ldb + pc, ldb, n - j0 < FEW_COLUMNS ? n - j0 : FEW_COLUMNS, at, ct + j0 * FEW_ROWS, overwrite, pass_beta);
    }
    asl_few_rows_store_ct(m, n, FEW_ROWS, ct, c, ldc);
}

int asl_gemm_bf16_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                     float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || m > FEW_ROWS) return 0;
    if (k == 0) {
        asl_gemm_scale(m, n, beta, c, ldc);
        return 1;
    }
    if (!few_at) few_at = aligned_alloc(64, sizeof(uint32_t) * (KC / 2) * FEW_ROWS);
    const size_t ct_bytes = sizeof(float) * FEW_ROWS * ((n + FEW_COLUMNS - 1) / FEW_COLUMNS * FEW_COLUMNS);
    if (!few_at || !asl_thread_buffer_reserve(&few_ct, ct_bytes)) return 0;
    few_rows_bt(m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

/// The CPU check sits outside the AVX512-BF16 functions (see asl_sgemm_avx512).
int asl_gemm_bf16_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    asl_gemm_run(blocking_for(n), packed_a, packed_b, NULL, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
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

#else

int asl_simd_has_avx512_bf16(void) { return 0; }

int asl_gemm_bf16_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}


int asl_gemm_bf16_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                     float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
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

#endif
