#include "SIMDKernels.h"
#include "GEMMCommon.h"
#include "ThreadBuffer.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// A packed (Goto-style) single-precision GEMM for AVX-512 cores. The micro-kernel keeps an
// 8 × 48 block of C in 24 zmm registers; B is packed into 48-wide strips and A into 8-tall
// strips, so the inner loop reads both with unit stride. Blocks: a KC × NC panel of B
// (≤ 480 KB) and an MC × KC panel of A (≤ 192 KB) share a core's L2; one strip of B
// (≤ 36 KB) stays in L1 while every strip of A passes over it.
enum { MR = 8, NR = 48, KC = 192, MC = 256, NC = 480 };

int asl_simd_has_avx512(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f");
    }
    return known;
}

/// Per-thread packing buffers, grown once and kept: every engine thread calls this GEMM on
/// its own share of a batch, many times per step.
static _Thread_local float *packed_a, *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = aligned_alloc(64, sizeof(float) * MC * KC);
    if (!packed_b) packed_b = aligned_alloc(64, sizeof(float) * KC * ((NC + NR - 1) / NR) * NR);
    return packed_a && packed_b;
}

__attribute__((target("avx512f")))
static inline __mmask16 lanes(size_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// dst[c·ldd + r] = src[r·lds + c] for an 8 × 8 block (AVX unpack and lane shuffles).
__attribute__((target("avx512f")))
static inline void transpose8x8(const float *src, size_t lds, float *dst, size_t ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
    __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds), r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5), t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE), u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/// dst[k·ldd + j] = src[j·lds + k] for j < width (≤ 8), k < kc; zero for width ≤ j < 8.
__attribute__((target("avx512f")))
static void gather_columns(const float *src, size_t lds, size_t width, size_t kc, float *dst, size_t ldd) {
    size_t k = 0;
    if (width == 8)
        for (; k + 8 <= kc; k += 8) transpose8x8(src + k, lds, dst + k * ldd, ldd);
    for (; k < kc; k++)
        for (size_t j = 0; j < 8; j++) dst[k * ldd + j] = j < width ? src[j * lds + k] : 0;
}

/// ap[s][k][i] = op(A)(row0 + 8s + i, col0 + k), zero past the last row.
__attribute__((target("avx512f")))
static void pack_a(int trans, const float *a, size_t lda, size_t row0, size_t rows, size_t col0, size_t kc, void *packed) {
    float *ap = packed;
    for (size_t s = 0; s < rows; s += MR) {
        const size_t height = rows - s < MR ? rows - s : MR;
        if (trans) {
            // op(A)(r, c) = a[c·lda + r]: each k reads up to 8 consecutive floats.
            const __mmask16 mask = lanes(height);
            for (size_t k = 0; k < kc; k++) {
                const float *src = a + (col0 + k) * lda + row0 + s;
                __m256 v = _mm512_castps512_ps256(_mm512_maskz_loadu_ps(mask, src));
                _mm256_storeu_ps(ap + k * MR, v);
            }
        } else {
            gather_columns(a + (row0 + s) * lda + col0, lda, height, kc, ap, MR);
        }
        ap += kc * MR;
    }
}

/// bp[s][k][j] = op(B)(row0 + k, col0 + 48s + j), zero past the last column.
__attribute__((target("avx512f")))
static void pack_b(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t col0, size_t cols, void *packed) {
    float *bp = packed;
    for (size_t s = 0; s < cols; s += NR) {
        const size_t width = cols - s < NR ? cols - s : NR;
        if (!trans) {
            const __mmask16 m0 = lanes(width), m1 = lanes(width > 16 ? width - 16 : 0), m2 = lanes(width > 32 ? width - 32 : 0);
            for (size_t k = 0; k < kc; k++) {
                const float *src = b + (row0 + k) * ldb + col0 + s;
                float *dst = bp + k * NR;
                _mm512_store_ps(dst, _mm512_maskz_loadu_ps(m0, src));
                _mm512_store_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
                _mm512_store_ps(dst + 32, _mm512_maskz_loadu_ps(m2, src + 32));
            }
        } else {
            // op(B)(r, c) = b[c·ldb + r]: column j of the strip is a contiguous run of b.
            for (size_t j = 0; j < NR; j += 8) {
                const size_t group = j < width ? (width - j < 8 ? width - j : 8) : 0;
                gather_columns(b + (col0 + s + j) * ldb + row0, ldb, group, kc, bp + j, NR);
            }
        }
        bp += kc * NR;
    }
}

#define ASL_ROW(i)                                                                                   \
    {                                                                                                \
        const __m512 a = _mm512_set1_ps(ap[i]);                                                      \
        c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);                                                   \
        c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);                                                   \
        c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2);                                                   \
    }

/// C[rows × cols] (≤ 8 × 48) = beta · C + Σₖ ap[k][·] ⊗ bp[k][·].
__attribute__((target("avx512f")))
static void kernel_8x48(size_t kc, const void *packed_a_strip, const void *packed_b_strip, float *c, size_t ldc, size_t rows, size_t cols,
                        float beta) {
    const float *ap = packed_a_strip, *bp = packed_b_strip;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
    __m512 c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
    for (size_t k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16), b2 = _mm512_load_ps(bp + 32);
        _mm_prefetch((const char *)(bp + 8 * NR), _MM_HINT_T0);
        // The next strip of B, into L2 while this one is multiplied: a layer's weights packed
        // once stream from memory strip after strip (a linear layer's 12–25 MB each batch),
        // and without this the first row strip to use each waited for it. (After the last
        // strip this looks past the end: prefetches never fault.)
        _mm_prefetch((const char *)(bp + kc * NR), _MM_HINT_T1);
        _mm_prefetch((const char *)(bp + kc * NR + 16), _MM_HINT_T1);
        _mm_prefetch((const char *)(bp + kc * NR + 32), _MM_HINT_T1);
        ASL_ROW(0) ASL_ROW(1) ASL_ROW(2) ASL_ROW(3) ASL_ROW(4) ASL_ROW(5) ASL_ROW(6) ASL_ROW(7)
        ap += MR;
        bp += NR;
    }
    const __mmask16 m0 = lanes(cols), m1 = lanes(cols > 16 ? cols - 16 : 0), m2 = lanes(cols > 32 ? cols - 32 : 0);
    ASL_GEMM_STORE_BLOCK()
}

/// kernel_8x48 with its strip of B read where it lies (row k at b + k·ldb, columns past `cols`
/// loaded as zeros, as packing pads them) instead of from a packed strip: the same values in the
/// same FMAs in the same order, so the same bits.
__attribute__((target("avx512f")))
static void kernel_8x48_b_in_place(size_t kc, const void *packed_a_strip, const float *b, size_t ldb, float *c, size_t ldc, size_t rows,
                                   size_t cols, float beta) {
    const float *ap = packed_a_strip;
    const __mmask16 m0 = lanes(cols), m1 = lanes(cols > 16 ? cols - 16 : 0), m2 = lanes(cols > 32 ? cols - 32 : 0);
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
    __m512 c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
    for (size_t k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16), b2 = _mm512_maskz_loadu_ps(m2, b + 32);
        ASL_ROW(0) ASL_ROW(1) ASL_ROW(2) ASL_ROW(3) ASL_ROW(4) ASL_ROW(5) ASL_ROW(6) ASL_ROW(7)
        ap += MR;
        b += ldb;
    }
    ASL_GEMM_STORE_BLOCK()
}

#undef ASL_ROW

// B read in place (not transposed, op(A) small): a Winograd convolution's per-point products
// (C = U_ξ · V_ξ, K × tiles over C channels) pack a B as large as C for few uses of each value.
// Here all of op(A) is packed once (every pass over k) and each 48-wide strip of B is read
// where it lies, every pass and row strip of A in turn: the passes, FMAs and sums of
// asl_gemm_run, so the same bits.

/// Most floats of op(A) packed at once (256 KB).
enum { IN_PLACE_A_FLOATS = 65536 };

static _Thread_local float *in_place_a;

__attribute__((target("avx512f")))
static void b_in_place(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                       size_t ldc) {
    const size_t kc_step = asl_gemm_k_step(k, KC, 1), strips = (m + MR - 1) / MR;
    // Pass p's packed A at in_place_a + strips·MR·pc: its row strips kc·MR floats apart.
    for (size_t pc = 0; pc < k; pc += kc_step)
        pack_a(trans_a, a, lda, 0, m, pc, k - pc < kc_step ? k - pc : kc_step, in_place_a + strips * MR * pc);
    for (size_t j0 = 0; j0 < n; j0 += NR) {
        const size_t cols = n - j0 < NR ? n - j0 : NR;
        for (size_t pc = 0; pc < k; pc += kc_step) {
            const size_t kc = k - pc < kc_step ? k - pc : kc_step;
            const float *pass = in_place_a + strips * MR * pc;
            for (size_t ir = 0; ir < m; ir += MR)
                kernel_8x48_b_in_place(kc, pass + (ir / MR) * kc * MR, b + pc * ldb + j0, ldb, c + ir * ldc + j0, ldc,
                                       m - ir < MR ? m - ir : MR, cols, pc == 0 ? beta : 1.0f);
        }
    }
}

int asl_sgemm_avx512_b_in_place(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                                float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512() || (m + MR - 1) / MR * MR * k > IN_PLACE_A_FLOATS) return 0;
    if (k == 0) {
        asl_gemm_scale(m, n, beta, c, ldc);
        return 1;
    }
    if (!in_place_a) in_place_a = aligned_alloc(64, sizeof(float) * IN_PLACE_A_FLOATS);
    if (!in_place_a) return 0;
    b_in_place(trans_a, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

// Few rows, long k, B transposed (a linear layer's forward: X (batch × in) · Wᵀ, W (out × in)
// row-major): packing Wᵀ into 48-wide strips transposes every weight, and with 32 rows each
// weight is used only 32 times, so the packing costs about as much as the products. Here the
// rows of A lie across the lanes instead (Aᵀ, 32 × kc a pass, is cheap to transpose) and each
// weight is broadcast from W as it is stored: no packing of B at all. Each entry of C is the
// same sum as in kernel_8x48 (passes of the same kc; in each, a chain of FMAs over k from 0;
// then C = beta·C + pass, beta 1 after the first pass), so the bits are asl_gemm_run's.
enum { FEW_ROWS = 32 };

static _Thread_local float *few_at;
static _Thread_local asl_thread_buffer few_ct;

/// ct[j][0..31] (8 of them, `rows` kept) = beta·ct + Σₖ at[k][·] · b_j[k] over `kc` values of k,
/// or, with `overwrite`, the sum alone; b_j is row j of B (ldb apart).
__attribute__((target("avx512f")))
static void kernel_few_rows(size_t kc, const float *bt, size_t ldb, size_t rows, const float *at, float *ct, int overwrite, float beta) {
    // Rows past `rows` read row 0 again (always there) and are not stored.
    const float *b0 = bt, *b1 = rows > 1 ? bt + ldb : bt, *b2 = rows > 2 ? bt + 2 * ldb : bt, *b3 = rows > 3 ? bt + 3 * ldb : bt;
    const float *b4 = rows > 4 ? bt + 4 * ldb : bt, *b5 = rows > 5 ? bt + 5 * ldb : bt, *b6 = rows > 6 ? bt + 6 * ldb : bt, *b7 = rows > 7 ? bt + 7 * ldb : bt;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    for (size_t k = 0; k < kc; k++) {
        const __m512 x0 = _mm512_load_ps(at + FEW_ROWS * k), x1 = _mm512_load_ps(at + FEW_ROWS * k + 16);
#define ASL_FEW_ROW(i)                                                                                   \
        {                                                                                                \
            const __m512 w = _mm512_set1_ps(b##i[k]);                                                   \
            c##i##0 = _mm512_fmadd_ps(w, x0, c##i##0);                                                   \
            c##i##1 = _mm512_fmadd_ps(w, x1, c##i##1);                                                   \
        }
        ASL_FEW_ROW(0) ASL_FEW_ROW(1) ASL_FEW_ROW(2) ASL_FEW_ROW(3) ASL_FEW_ROW(4) ASL_FEW_ROW(5) ASL_FEW_ROW(6) ASL_FEW_ROW(7)
#undef ASL_FEW_ROW
    }
    const __m512 vbeta = _mm512_set1_ps(beta);
#define ASL_FEW_STORE(i)                                                                                 \
    if (i < rows) {                                                                                      \
        float *row = ct + FEW_ROWS * (i);                                                                \
        if (overwrite) {                                                                                 \
            _mm512_store_ps(row, c##i##0);                                                               \
            _mm512_store_ps(row + 16, c##i##1);                                                          \
        } else {                                                                                         \
            _mm512_store_ps(row, _mm512_fmadd_ps(vbeta, _mm512_load_ps(row), c##i##0));                  \
            _mm512_store_ps(row + 16, _mm512_fmadd_ps(vbeta, _mm512_load_ps(row + 16), c##i##1));        \
        }                                                                                                \
    }
    ASL_FEW_STORE(0) ASL_FEW_STORE(1) ASL_FEW_STORE(2) ASL_FEW_STORE(3) ASL_FEW_STORE(4) ASL_FEW_STORE(5) ASL_FEW_STORE(6) ASL_FEW_STORE(7)
#undef ASL_FEW_STORE
}

__attribute__((target("avx512f")))
static void few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    float *at = few_at, *ct = few_ct.data;
    asl_few_rows_load_ct(m, n, FEW_ROWS, beta, c, ldc, ct);
    const size_t kc_step = asl_gemm_k_step(k, KC, 1), whole = m / 8 * 8;
    for (size_t pc = 0; pc < k; pc += kc_step) {
        const size_t kc = k - pc < kc_step ? k - pc : kc_step;
        // at[k][i] = A(i, pc + k): 8 × 8 transposes where 8 rows and 8 values of k are whole.
        size_t kk = 0;
        for (; kk + 8 <= kc; kk += 8)
            for (size_t i = 0; i < whole; i += 8) transpose8x8(a + i * lda + pc + kk, lda, at + kk * FEW_ROWS + i, FEW_ROWS);
        for (size_t k0 = 0; k0 < kc; k0++)
            for (size_t i = k0 < kk ? whole : 0; i < FEW_ROWS; i++) at[k0 * FEW_ROWS + i] = i < m ? a[i * lda + pc + k0] : 0;
        const int overwrite = pc == 0 && beta == 0;
        const float pass_beta = pc == 0 ? beta : 1.0f;
        for (size_t j0 = 0; j0 < n; j0 += 8)
            kernel_few_rows(kc, b + j0 * ldb + pc, ldb, n - j0 < 8 ? n - j0 : 8, at, ct + j0 * FEW_ROWS, overwrite, pass_beta);
    }
    asl_few_rows_store_ct(m, n, FEW_ROWS, ct, c, ldc);
}

int asl_sgemm_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                                 size_t ldc) {
    if (!asl_simd_has_avx512() || m > FEW_ROWS) return 0;
    if (k == 0) {
        asl_gemm_scale(m, n, beta, c, ldc);
        return 1;
    }
    if (!few_at) few_at = aligned_alloc(64, sizeof(float) * KC * FEW_ROWS);
    if (!few_at || !asl_thread_buffer_reserve(&few_ct, sizeof(float) * FEW_ROWS * ((n + 7) / 8 * 8))) return 0;
    few_rows_bt(m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

static const asl_gemm_blocking blocking = {MR, NR, KC, MC, NC, 1, pack_a, pack_b, kernel_8x48};

/// The CPU check sits outside the AVX-512 function, so no AVX-512 instruction (not even one
/// the compiler places in that function's prologue) runs on a CPU without it.
int asl_sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                     const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512() || !ensure_buffers()) return 0;
    asl_gemm_run(&blocking, packed_a, packed_b, NULL, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}


size_t asl_sgemm_avx512_packed_b_bytes(size_t k, size_t n) { return asl_gemm_packed_b_bytes(&blocking, k, n); }

int asl_sgemm_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    if (!asl_simd_has_avx512()) return 0;
    asl_gemm_pack_b_whole(&blocking, trans_b, k, n, b, ldb, packed);
    return 1;
}

int asl_sgemm_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *prepacked, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512() || !ensure_buffers()) return 0;
    asl_gemm_run(&blocking, packed_a, packed_b, prepacked, trans_a, 0, m, n, k, a, lda, NULL, 0, beta, c, ldc);
    return 1;
}

#else

int asl_simd_has_avx512(void) { return 0; }

int asl_sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                     const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}


int asl_sgemm_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                                 size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_sgemm_avx512_b_in_place(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                                float beta, float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

size_t asl_sgemm_avx512_packed_b_bytes(size_t k, size_t n) { (void)k; (void)n; return 0; }

int asl_sgemm_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    (void)trans_b; (void)k; (void)n; (void)b; (void)ldb; (void)packed;
    return 0;
}

int asl_sgemm_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *prepacked, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)prepacked; (void)beta; (void)c; (void)ldc;
    return 0;
}

#endif
