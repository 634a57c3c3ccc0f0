// What every GEMM driver in this target (fp32, AVX512-BF16, AMX) shares.
#ifndef ASL_GEMM_COMMON_H
#define ASL_GEMM_COMMON_H

#include <stddef.h>

/// C = beta · C, for an empty inner dimension (k = 0): no product, and C is 0 when beta is.
static inline void asl_gemm_scale(size_t m, size_t n, float beta, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

/// Equal passes over k of at most `block` values each, rounded up to a multiple of `unit`
/// (1 for fp32, 2 for bf16 pairs, 32 for AMX tiles): no pass is a sliver.
static inline size_t asl_gemm_k_step(size_t k, size_t block, size_t unit) {
    const size_t passes = (k + block - 1) / block, step = (k + passes - 1) / passes;
    return (step + unit - 1) / unit * unit;
}

/// One panel of op(B): columns jc ..< jc + nc, k values pc ..< pc + kc. Every driver here walks
/// the panels in one order, columns by `nc_block`, then passes over k (`asl_gemm_k_step`), with
/// `asl_gemm_panel_first` and `asl_gemm_panel_next`: sizing a B packed whole, packing it and the
/// product's reading it then cannot disagree on where a panel lies.
typedef struct {
    size_t jc, nc, pc, kc;
    size_t n, k, nc_block, kc_step;
} asl_gemm_panel;

static inline void asl_gemm_panel_shape(asl_gemm_panel *p) {
    p->nc = p->n - p->jc < p->nc_block ? p->n - p->jc : p->nc_block;
    p->kc = p->k - p->pc < p->kc_step ? p->k - p->pc : p->kc_step;
}

/// The first panel of a k × n op(B), k > 0, in panels of at most `nc_block` columns and passes
/// of at most `kc_block` k values (multiples of `unit`); there is one while `jc < n`.
static inline asl_gemm_panel asl_gemm_panel_first(size_t k, size_t n, size_t nc_block, size_t kc_block, size_t unit) {
    asl_gemm_panel p = {.jc = 0, .pc = 0, .n = n, .k = k, .nc_block = nc_block, .kc_step = asl_gemm_k_step(k, kc_block, unit)};
    asl_gemm_panel_shape(&p);
    return p;
}

static inline void asl_gemm_panel_next(asl_gemm_panel *p) {
    p->pc += p->kc_step;
    if (p->pc >= p->k) {
        p->pc = 0;
        p->jc += p->nc_block;
    }
    asl_gemm_panel_shape(p);
}

/// A Goto-style packed GEMM's blocking and its three parts. Packed entries are 4 bytes (a
/// float, or a pair of bf16 along k); a packed step holds `unit` values of k.
typedef struct {
    size_t mr, nr, kc, mc, nc, unit;
    /// ap ← the mc × kc block of op(A) at (row0, col0), in mr-tall strips.
    void (*pack_a)(int trans, const float *a, size_t lda, size_t row0, size_t rows, size_t col0, size_t kc, void *ap);
    /// bp ← the kc × nc block of op(B) at (row0, col0), in nr-wide strips.
    void (*pack_b)(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols, void *bp);
    /// C[rows × cols] (≤ mr × nr) = beta · C + the product of one A strip and one B strip over `steps` packed steps.
    void (*kernel)(size_t steps, const void *ap, const void *bp, float *c, size_t ldc, size_t rows, size_t cols, float beta);
} asl_gemm_blocking;

/// Bytes of one packed kc × nc panel of B: nr-wide strips of kc values in packed steps.
static inline size_t asl_gemm_panel_bytes(const asl_gemm_blocking *g, size_t kc, size_t nc) {
    return 4 * ((kc + g->unit - 1) / g->unit) * ((nc + g->nr - 1) / g->nr) * g->nr;
}

/// Bytes of op(B) (k × n) packed whole: every panel `asl_gemm_run` packs, in its order.
static inline size_t asl_gemm_packed_b_bytes(const asl_gemm_blocking *g, size_t k, size_t n) {
    size_t bytes = 0;
    if (k == 0) return 0;
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, g->nc, g->kc, g->unit); p.jc < n; asl_gemm_panel_next(&p))
        bytes += asl_gemm_panel_bytes(g, p.kc, p.nc);
    return bytes;
}

/// Packs op(B) whole into `out` (`asl_gemm_packed_b_bytes` of them), panel after panel in the
/// order `asl_gemm_run` uses them: a B used in many products (a layer's weights between two
/// updates) is then packed once.
static inline void asl_gemm_pack_b_whole(const asl_gemm_blocking *g, int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *out) {
    if (k == 0) return;
    char *cursor = out;
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, g->nc, g->kc, g->unit); p.jc < n; asl_gemm_panel_next(&p)) {
        g->pack_b(trans_b, b, ldb, p.pc, p.kc, p.jc, p.nc, cursor);
        cursor += asl_gemm_panel_bytes(g, p.kc, p.nc);
    }
}

/// C[m×n] = op(A)·op(B) + beta·C through `g`'s packing and kernel: a kc × nc panel of B and an
/// mc × kc panel of A share the core's L2; one strip of B stays in L1 while every strip of A
/// passes over it. Each entry of C is the same sum, in the same order, wherever it lies, and
/// whether B comes packed already (`prepacked_b`, from `asl_gemm_pack_b_whole`; `b` is then
/// unused) or is packed here, panel by panel, into `packed_b`.
static inline void asl_gemm_run(const asl_gemm_blocking *g, void *packed_a, void *packed_b, const void *prepacked_b, int trans_a, int trans_b,
                                size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                                size_t ldc) {
    if (k == 0) {
        asl_gemm_scale(m, n, beta, c, ldc);
        return;
    }
    const char *next_panel = prepacked_b;
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, g->nc, g->kc, g->unit); p.jc < n; asl_gemm_panel_next(&p)) {
        const size_t jc = p.jc, nc = p.nc, pc = p.pc, kc = p.kc, steps = (kc + g->unit - 1) / g->unit;
        const void *panel = packed_b;
        if (next_panel) {
            panel = next_panel;
            next_panel += asl_gemm_panel_bytes(g, kc, nc);
        } else {
            g->pack_b(trans_b, b, ldb, pc, kc, jc, nc, packed_b);
        }
        const float pass_beta = pc == 0 ? beta : 1.0f;
        for (size_t ic = 0; ic < m; ic += g->mc) {
            const size_t mc = m - ic < g->mc ? m - ic : g->mc;
            g->pack_a(trans_a, a, lda, ic, mc, pc, kc, packed_a);
            for (size_t jr = 0; jr < nc; jr += g->nr) {
                const size_t cols = nc - jr < g->nr ? nc - jr : g->nr;
                const char *bp = (const char *)panel + 4 * (jr / g->nr) * steps * g->nr;
                for (size_t ir = 0; ir < mc; ir += g->mr) {
                    const size_t rows = mc - ir < g->mr ? mc - ir : g->mr;
                    g->kernel(steps, (const char *)packed_a + 4 * (ir / g->mr) * steps * g->mr, bp, c + (ic + ir) * ldc + jc + jr, ldc,
                              rows, cols, pass_beta);
                }
            }
        }
    }
}

/// Stores register c<i><j> (16 columns from 16·j of row i; `mask` says which exist) into C,
/// adding beta · C when `accumulate`; expects row, vbeta and accumulate in scope.
#define ASL_GEMM_STORE_VECTOR(i, j, mask)                                                            \
    if (accumulate) c##i##j = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask, row + 16 * (j)), c##i##j); \
    _mm512_mask_storeu_ps(row + 16 * (j), mask, c##i##j);

/// Stores row i of an 8 × 48 register block (c<i>0, c<i>1, c<i>2) into C; expects rows, c, ldc,
/// m0–m2 (column masks), vbeta and accumulate in scope.
#define ASL_GEMM_STORE(i)                                                                            \
    if (i < rows) {                                                                                  \
        float *row = c + (size_t)(i) * ldc;                                                          \
        ASL_GEMM_STORE_VECTOR(i, 0, m0) ASL_GEMM_STORE_VECTOR(i, 1, m1) ASL_GEMM_STORE_VECTOR(i, 2, m2) \
    }

/// The same for an 8 × 32 block (c<i>0, c<i>1; masks m0, m1).
#define ASL_GEMM_STORE_NARROW(i)                                                                     \
    if (i < rows) {                                                                                  \
        float *row = c + (size_t)(i) * ldc;                                                          \
        ASL_GEMM_STORE_VECTOR(i, 0, m0) ASL_GEMM_STORE_VECTOR(i, 1, m1)                              \
    }

/// Stores a whole register block, row by row with `store_row` (ASL_GEMM_STORE or
/// ASL_GEMM_STORE_NARROW; rows of it below `rows`).
#define ASL_GEMM_STORE_ROWS(store_row)                                                               \
    {                                                                                                \
        const int accumulate = beta != 0;                                                            \
        const __m512 vbeta = _mm512_set1_ps(beta);                                                   \
        store_row(0) store_row(1) store_row(2) store_row(3) store_row(4) store_row(5) store_row(6) store_row(7) \
    }

/// The whole 8 × 48 block (columns by masks m0–m2), and the whole 8 × 32 block (m0, m1).
#define ASL_GEMM_STORE_BLOCK() ASL_GEMM_STORE_ROWS(ASL_GEMM_STORE)
#define ASL_GEMM_STORE_BLOCK_NARROW() ASL_GEMM_STORE_ROWS(ASL_GEMM_STORE_NARROW)

/// The few-rows products (m ≤ `lanes` rows of C, fp32 and bf16) work on Cᵀ: column j of C in
/// `lanes` floats at ct + j · lanes. Loads it from C (beta ≠ 0; lanes past m are 0, and all are
/// 0 when beta is 0, which the first pass then overwrites).
static inline void asl_few_rows_load_ct(size_t m, size_t n, size_t lanes, float beta, const float *c, size_t ldc, float *ct) {
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < lanes; i++) ct[j * lanes + i] = beta != 0 && i < m ? c[i * ldc + j] : 0;
}

/// C's m rows from Cᵀ (`asl_few_rows_load_ct`'s layout).
static inline void asl_few_rows_store_ct(size_t m, size_t n, size_t lanes, const float *ct, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) c[i * ldc + j] = ct[j * lanes + i];
}

#endif
