#include "SIMDKernels.h"
#include "GEMMCommon.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "BF16Pack.h"
#include <cpuid.h>
#include <math.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

// Mixed-precision GEMM on AMX tiles (Sapphire Rapids and later): `tdpbf16ps` multiplies a
// 16 × 32 bf16 tile of A by a 16-pair × 16 tile of B (pairs along k, the "VNNI" layout) into
// a 16 × 16 float32 tile of C. A micro-kernel keeps a 32 × 32 block of C in four tiles
// (tiles 0–3), A's two 16-row halves in tiles 4–5 and B's two 16-column halves in tiles 6–7.
//
// The same driver runs either the real micro-kernel or `emulated_block`, a scalar model of
// the four tile instructions it uses (tileloadd, tilezero, tdpbf16ps, tilestored) that reads
// and writes memory exactly as they would. Tests hold the emulated path to the plain product
// on any AVX512-BF16 CPU, so the packing, the tile addressing and the edge handling are
// checked where AMX is missing. The real instruction sequence (`amx_configure`, `amx_block`,
// `amx_release`, through `asl_gemm_bf16_amx_unchecked`) is tested there too: the test target
// `AMXTrap` carries out each tile instruction as the SDM states it when it faults, and its
// results must have the model's bits. What no test here reaches is the hardware itself.
enum { TILE = 16, BLOCK = 32, KB = 32, MC = 256, NC = 512, KC = 512 };

/// Linux gives a process the 8 KB AMX tile state only on request (arch_prctl, kernel ≥ 5.16).
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int cpu_has_amx_bf16(void) {
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const int amx_bf16 = (edx >> 22) & 1, amx_tile = (edx >> 24) & 1;
    if (!amx_bf16 || !amx_tile) return 0;
    __cpuid(1, eax, ebx, ecx, edx);
    if (!((ecx >> 27) & 1)) return 0; // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return ((lo >> 17) & 3) == 3; // XTILECFG and XTILEDATA enabled by the OS
}

int asl_simd_has_amx_bf16(void) {
    static int known = -1;
    if (known < 0) {
        known = cpu_has_amx_bf16() && asl_simd_has_avx512_bf16() && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    }
    return known;
}

static _Thread_local uint32_t *packed_a, *packed_b;
static _Thread_local float *block_out;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = aligned_alloc(64, sizeof(uint32_t) * MC * (KC / 2));
    if (!packed_b) packed_b = aligned_alloc(64, sizeof(uint32_t) * (KC / 2) * NC);
    if (!block_out) block_out = aligned_alloc(64, sizeof(float) * BLOCK * BLOCK);
    return packed_a && packed_b && block_out;
}

/// One k block of a strip of op(A) where A is stored transposed, op(A)(r, k) = a[k·lda + r]
/// (r < height, k < kleft; zero elsewhere): the 32 rows of [16 pairs] as `pack_a` lays them.
/// Each 16 × 16 quarter is read as 16 k rows of 16 contiguous r and transposed in registers;
/// a value at a time, the strided reads cost far more than the tile products that use them.
/// Each row holds the same floats, converted the same way, as reading them one by one.
ASL_BF16_TARGET static void pack_a_transposed_block(const float *a, size_t lda, size_t r0, size_t height, size_t k0, size_t kleft,
                                                    uint32_t *dst) {
    for (size_t half = 0; half < 2; half++) {
        const __mmask16 present = height > 16 * half ? bf16_lanes(height - 16 * half) : 0;
        __m512i by_k[2][16];
        for (size_t kh = 0; kh < 2; kh++) {
            for (size_t k = 0; k < 16; k++) {
                const size_t kk = 16 * kh + k;
                by_k[kh][k] = present && kk < kleft ? _mm512_castps_si512(_mm512_maskz_loadu_ps(present, a + (k0 + kk) * lda + r0 + 16 * half))
                                                     : _mm512_setzero_si512();
            }
            asl_transpose16(by_k[kh]); // row i: op(A)(16·half + i, 16·kh …)
        }
        for (size_t i = 0; i < 16; i++)
            _mm512_storeu_si512(dst + (16 * half + i) * (KB / 2),
                                bf16_convert(_mm512_castsi512_ps(by_k[0][i]), _mm512_castsi512_ps(by_k[1][i])));
    }
}

/// A in 32-row strips, each a run of k blocks of [32 rows][16 pairs]: one k block of a strip
/// is the two A tiles (rows 0–15, 16–31), 64 bytes a row. Zero past the last row and past kc.
ASL_BF16_TARGET static void pack_a(int trans, const float *a, size_t lda, size_t row0, size_t rows, size_t col0, size_t kc, size_t kc_padded,
                                   uint32_t *ap) {
    const size_t blocks = kc_padded / KB;
    for (size_t s = 0; s < rows; s += BLOCK) {
        const size_t height = rows - s < BLOCK ? rows - s : BLOCK;
        for (size_t kb = 0; kb < blocks; kb++) {
            uint32_t *dst = ap + kb * BLOCK * (KB / 2);
            const size_t k0 = kb * KB, kleft = kc > k0 ? kc - k0 : 0;
            if (trans) {
                pack_a_transposed_block(a, lda, row0 + s, height, col0 + k0, kleft, dst);
                continue;
            }
            for (size_t i = 0; i < BLOCK; i++) {
                uint32_t *row = dst + i * (KB / 2);
                if (i >= height || kleft == 0) {
                    _mm512_storeu_si512(row, _mm512_setzero_si512());
                } else {
                    const float *src = a + (row0 + s + i) * lda + col0 + k0;
                    const __mmask16 m0 = bf16_lanes(kleft), m1 = kleft > 16 ? bf16_lanes(kleft - 16) : 0;
                    _mm512_storeu_si512(row, bf16_convert(_mm512_maskz_loadu_ps(m0, src), _mm512_maskz_loadu_ps(m1, src + 16)));
                }
            }
        }
        ap += blocks * BLOCK * (KB / 2);
    }
}

/// B in 32-column strips of [pairs][32 columns] (the VNNI layout): a k block's two B tiles
/// are its 16 pair rows, columns 0–15 and 16–31 (128 bytes between rows). Zero past the
/// last column and past kc.
ASL_BF16_TARGET static void pack_b(int trans, const float *b, size_t ldb, size_t row0, size_t kc, size_t kc_padded, size_t col0, size_t cols,
                                   uint32_t *bp) {
    const size_t pairs = (kc + 1) / 2, padded_pairs = kc_padded / 2;
    for (size_t s = 0; s < cols; s += BLOCK) {
        const size_t width = cols - s < BLOCK ? cols - s : BLOCK;
        if (trans) bf16_pack_pairs_cols(b + (col0 + s) * ldb + row0, ldb, kc, width, bp, BLOCK);
        else bf16_pack_pairs_rows(b + row0 * ldb + col0 + s, ldb, kc, width, bp, BLOCK);
        memset(bp + pairs * BLOCK, 0, sizeof(uint32_t) * (padded_pairs - pairs) * BLOCK);
        bp += padded_pairs * BLOCK;
    }
}

/// out (32 × 32, rows `ldo` floats apart) = Σ over `blocks` k blocks of A tiles · B tiles, on AMX.
__attribute__((target("amx-tile,amx-bf16")))
static void amx_block(size_t blocks, const uint32_t *ap, const uint32_t *bp, float *out, size_t ldo) {
    _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
    for (size_t kb = 0; kb < blocks; kb++) {
        const uint32_t *a = ap + kb * BLOCK * (KB / 2), *b = bp + kb * (KB / 2) * BLOCK;
        _tile_loadd(4, a, 64);
        _tile_loadd(5, a + TILE * (KB / 2), 64);
        _tile_loadd(6, b, 4 * BLOCK);
        _tile_loadd(7, b + TILE, 4 * BLOCK);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, out, 4 * ldo);
    _tile_stored(1, out + TILE, 4 * ldo);
    _tile_stored(2, out + TILE * ldo, 4 * ldo);
    _tile_stored(3, out + TILE * ldo + TILE, 4 * ldo);
}

// ---- A scalar model of the tile instructions, for machines without AMX ----------------------

/// Eight tiles of 16 rows × 64 bytes, as configured by `amx_configure` (palette 1).
typedef struct { unsigned char bytes[8][TILE][64]; } tile_file;

static float bf16_to_float(uint16_t v) {
    uint32_t bits = (uint32_t)v << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static void emulated_loadd(tile_file *t, int tile, const void *base, size_t stride) {
    for (int r = 0; r < TILE; r++) memcpy(t->bytes[tile][r], (const char *)base + r * stride, 64);
}

static void emulated_stored(const tile_file *t, int tile, void *base, size_t stride) {
    for (int r = 0; r < TILE; r++) memcpy((char *)base + r * stride, t->bytes[tile][r], 64);
}

/// TDPBF16PS as the Intel SDM states it: for each row m, pair k and column n,
///   c[m][n] += fp32(a[m].bf16[2k]) · fp32(b[k].bf16[2n]);  c[m][n] += fp32(a[m].bf16[2k+1]) · fp32(b[k].bf16[2n+1])
/// The products of two bf16 values are exact in float32; each addition rounds to nearest even.
/// (The SDM also flushes denormal inputs and outputs to zero, which this model leaves out.)
static void emulated_dpbf16ps(tile_file *t, int c, int a, int b) {
    for (int m = 0; m < TILE; m++) {
        float row[TILE];
        memcpy(row, t->bytes[c][m], 64);
        for (int k = 0; k < TILE; k++) {
            uint16_t av[2], bv[2 * TILE];
            memcpy(av, t->bytes[a][m] + 4 * k, 4);
            memcpy(bv, t->bytes[b][k], 64);
            for (int n = 0; n < TILE; n++) {
                volatile float first = row[n] + bf16_to_float(av[0]) * bf16_to_float(bv[2 * n]);
                row[n] = first + bf16_to_float(av[1]) * bf16_to_float(bv[2 * n + 1]);
            }
        }
        memcpy(t->bytes[c][m], row, 64);
    }
}

/// `amx_block` line for line, on the model.
static void emulated_block(size_t blocks, const uint32_t *ap, const uint32_t *bp, float *out, size_t ldo) {
    static _Thread_local tile_file t;
    memset(&t, 0, sizeof t);
    for (size_t kb = 0; kb < blocks; kb++) {
        const uint32_t *a = ap + kb * BLOCK * (KB / 2), *b = bp + kb * (KB / 2) * BLOCK;
        emulated_loadd(&t, 4, a, 64);
        emulated_loadd(&t, 5, a + TILE * (KB / 2), 64);
        emulated_loadd(&t, 6, b, 4 * BLOCK);
        emulated_loadd(&t, 7, b + TILE, 4 * BLOCK);
        emulated_dpbf16ps(&t, 0, 4, 6);
        emulated_dpbf16ps(&t, 1, 4, 7);
        emulated_dpbf16ps(&t, 2, 5, 6);
        emulated_dpbf16ps(&t, 3, 5, 7);
    }
    emulated_stored(&t, 0, out, 4 * ldo);
    emulated_stored(&t, 1, out + TILE, 4 * ldo);
    emulated_stored(&t, 2, out + TILE * ldo, 4 * ldo);
    emulated_stored(&t, 3, out + TILE * ldo + TILE, 4 * ldo);
}

// ---- The driver, shared ------------------------------------------------------------------------

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

__attribute__((target("amx-tile")))
static void amx_configure(void) {
    tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int i = 0; i < 8; i++) {
        config.colsb[i] = 64;
        config.rows[i] = TILE;
    }
    _tile_loadconfig(&config);
}

__attribute__((target("amx-tile")))
static void amx_release(void) { _tile_release(); }

/// k values of a pass rounded up to whole tiles (the padding is zeros).
static size_t tile_padded(size_t kc) { return (kc + KB - 1) / KB * KB; }

/// uint32 entries of one panel of packed B: `nc` columns (in 32-wide strips) by `padded` k values.
static size_t panel_entries(size_t nc, size_t padded) { return (nc + BLOCK - 1) / BLOCK * BLOCK * (padded / 2); }

/// C = op(A)·op(B) + beta·C in panels of NC columns and passes of k. B is packed per panel and
/// pass, or, with `prepacked` (`asl_gemm_bf16_amx_pack_b`), read from those panels packed
/// before, laid one after another in this loop's order.
ASL_BF16_TARGET static void tiled_gemm(int emulate, int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                       const float *b, size_t ldb, const uint32_t *prepacked, float beta, float *c, size_t ldc) {
    if (k == 0) {
        asl_gemm_scale(m, n, beta, c, ldc);
        return;
    }
    // Passes of whole tiles (32 k values; the last one zero-padded).
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, NC, KC, KB); p.jc < n; asl_gemm_panel_next(&p)) {
        const size_t jc = p.jc, nc = p.nc, pc = p.pc, kc = p.kc, padded = tile_padded(kc), blocks = padded / KB;
        const uint32_t *panel = prepacked ? prepacked : packed_b;
        if (prepacked) prepacked += panel_entries(nc, padded);
        else pack_b(trans_b, b, ldb, pc, kc, padded, jc, nc, packed_b);
        const float pass_beta = pc == 0 ? beta : 1.0f;
        for (size_t ic = 0; ic < m; ic += MC) {
            const size_t mc = m - ic < MC ? m - ic : MC;
            pack_a(trans_a, a, lda, ic, mc, pc, kc, padded, packed_a);
            for (size_t jr = 0; jr < nc; jr += BLOCK) {
                const size_t cols = nc - jr < BLOCK ? nc - jr : BLOCK;
                const uint32_t *bp = panel + (jr / BLOCK) * (padded / 2) * BLOCK;
                for (size_t ir = 0; ir < mc; ir += BLOCK) {
                    const size_t rows = mc - ir < BLOCK ? mc - ir : BLOCK;
                    const uint32_t *ap = packed_a + (ir / BLOCK) * blocks * BLOCK * (KB / 2);
                    float *dst = c + (ic + ir) * ldc + jc + jr;
                    // A whole block that replaces C is stored from the tiles where it goes; the
                    // rest (edges, beta, later passes) goes through block_out: the same sums.
                    const int direct = rows == BLOCK && cols == BLOCK && pass_beta == 0;
                    float *out = direct ? dst : block_out;
                    const size_t ldo = direct ? ldc : BLOCK;
                    if (emulate) emulated_block(blocks, ap, bp, out, ldo);
                    else amx_block(blocks, ap, bp, out, ldo);
                    if (direct) continue;
                    for (size_t i = 0; i < rows; i++)
                        for (size_t j = 0; j < cols; j++) {
                            const float sum = block_out[i * BLOCK + j];
                            dst[i * ldc + j] = pass_beta == 0 ? sum : fmaf(pass_beta, dst[i * ldc + j], sum);
                        }
                }
            }
        }
    }
}

int asl_gemm_bf16_amx(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_amx_bf16()) return 0;
    return asl_gemm_bf16_amx_unchecked(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

int asl_gemm_bf16_amx_unchecked(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    amx_configure();
    tiled_gemm(0, trans_a, trans_b, m, n, k, a, lda, b, ldb, NULL, beta, c, ldc);
    amx_release();
    return 1;
}

int asl_gemm_bf16_amx_emulated(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                               const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    tiled_gemm(1, trans_a, trans_b, m, n, k, a, lda, b, ldb, NULL, beta, c, ldc);
    return 1;
}

size_t asl_gemm_bf16_amx_packed_b_bytes(size_t k, size_t n) {
    if (k == 0) return 0;
    size_t entries = 0;
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, NC, KC, KB); p.jc < n; asl_gemm_panel_next(&p))
        entries += panel_entries(p.nc, tile_padded(p.kc));
    return sizeof(uint32_t) * entries;
}

int asl_gemm_bf16_amx_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    if (!asl_simd_has_avx512_bf16()) return 0;
    if (k == 0) return 1;
    uint32_t *dst = packed;
    for (asl_gemm_panel p = asl_gemm_panel_first(k, n, NC, KC, KB); p.jc < n; asl_gemm_panel_next(&p)) {
        const size_t padded = tile_padded(p.kc);
        pack_b(trans_b, b, ldb, p.pc, p.kc, padded, p.jc, p.nc, dst);
        dst += panel_entries(p.nc, padded);
    }
    return 1;
}

int asl_gemm_bf16_amx_packed_unchecked(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                       float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    amx_configure();
    tiled_gemm(0, trans_a, 0, m, n, k, a, lda, NULL, 0, packed, beta, c, ldc);
    amx_release();
    return 1;
}

int asl_gemm_bf16_amx_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed, float beta,
                             float *c, size_t ldc) {
    if (!asl_simd_has_amx_bf16()) return 0;
    return asl_gemm_bf16_amx_packed_unchecked(trans_a, m, n, k, a, lda, packed, beta, c, ldc);
}

int asl_gemm_bf16_amx_packed_emulated(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                      float beta, float *c, size_t ldc) {
    if (!asl_simd_has_avx512_bf16() || !ensure_buffers()) return 0;
    tiled_gemm(1, trans_a, 0, m, n, k, a, lda, NULL, 0, packed, beta, c, ldc);
    return 1;
}

#else

int asl_simd_has_amx_bf16(void) { return 0; }

size_t asl_gemm_bf16_amx_packed_b_bytes(size_t k, size_t n) {
    (void)k; (void)n;
    return 0;
}

int asl_gemm_bf16_amx_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed) {
    (void)trans_b; (void)k; (void)n; (void)b; (void)ldb; (void)packed;
    return 0;
}

int asl_gemm_bf16_amx_packed_unchecked(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                       float beta, float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_amx_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed, float beta,
                             float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_amx_packed_emulated(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                      float beta, float *c, size_t ldc) {
    (void)trans_a; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_amx(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_amx_unchecked(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

int asl_gemm_bf16_amx_emulated(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                               const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}

#endif
