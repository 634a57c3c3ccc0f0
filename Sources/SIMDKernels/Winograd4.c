#include "SIMDKernels.h"
#include "WinogradCommon.h"

// Winograd F(4×4, 3×3) transforms (Lavin & Gray 2015; points 0, ±1, ±2, ∞) for a 3 × 3
// convolution with padding 1: V = Bᵀ d B (6 × 6 input tile), U = G g Gᵀ, Y = Aᵀ (U ⊙ V) A
// (4 × 4 output), and their adjoints for backward. 36 products per 16 outputs and channel pair
// where the direct convolution has 144, so 4× fewer multiply-adds, against 2.25× for F(2×2).
//
// Each one-dimensional transform is written once, as a macro over the arithmetic (ADD, SUB and
// MUL by a constant), and expanded for floats in the plain copy and for 16 tiles at a time in
// the AVX-512 one. Both evaluate every value with the same operations in the same order, so
// their bits agree; the constants 2, 4, 5 and 8 are the only multipliers, and contraction into
// FMAs is off. (FMAs, tried, saved a quarter of the arithmetic and no time: loads, permutes
// and stores bound these loops.)
#pragma clang fp contract(off)

#define F_ADD(a, b) ((a) + (b))
#define F_SUB(a, b) ((a) - (b))
#define F_MUL(a, k) ((a) * (k))

// o = Bᵀ d (input transform), d and o arrays of 6.
#define W4_BT(ADD, SUB, MUL, d, o)                                      \
    do {                                                                \
        o[0] = ADD(SUB(MUL(d[0], 4.0f), MUL(d[2], 5.0f)), d[4]);        \
        o[1] = SUB(ADD(d[3], d[4]), MUL(ADD(d[1], d[2]), 4.0f));        \
        o[2] = ADD(SUB(d[4], d[3]), MUL(SUB(d[1], d[2]), 4.0f));        \
        o[3] = ADD(SUB(d[4], d[2]), MUL(SUB(d[3], d[1]), 2.0f));        \
        o[4] = SUB(SUB(d[4], d[2]), MUL(SUB(d[3], d[1]), 2.0f));        \
        o[5] = ADD(SUB(MUL(d[1], 4.0f), MUL(d[3], 5.0f)), d[5]);        \
    } while (0)

// o = B x (the input transform's adjoint), x and o arrays of 6.
#define W4_B(ADD, SUB, MUL, x, o)                                                              \
    do {                                                                                       \
        o[0] = MUL(x[0], 4.0f);                                                                \
        o[1] = ADD(ADD(MUL(SUB(x[2], x[1]), 4.0f), MUL(SUB(x[4], x[3]), 2.0f)), MUL(x[5], 4.0f)); \
        o[2] = SUB(SUB(MUL(x[0], -5.0f), MUL(ADD(x[1], x[2]), 4.0f)), ADD(x[3], x[4]));        \
        o[3] = SUB(ADD(SUB(x[1], x[2]), MUL(SUB(x[3], x[4]), 2.0f)), MUL(x[5], 5.0f));         \
        o[4] = ADD(ADD(x[0], ADD(x[1], x[2])), ADD(x[3], x[4]));                               \
        o[5] = x[5];                                                                           \
    } while (0)

// y = Aᵀ m (output transform), m an array of 6, y of 4.
#define W4_AT(ADD, SUB, MUL, m, y)                                            \
    do {                                                                      \
        y[0] = ADD(ADD(m[0], ADD(m[1], m[2])), ADD(m[3], m[4]));              \
        y[1] = ADD(SUB(m[1], m[2]), MUL(SUB(m[3], m[4]), 2.0f));              \
        y[2] = ADD(ADD(m[1], m[2]), MUL(ADD(m[3], m[4]), 4.0f));              \
        y[3] = ADD(ADD(SUB(m[1], m[2]), MUL(SUB(m[3], m[4]), 8.0f)), m[5]);   \
    } while (0)

// e = A y (the output transform's adjoint), y an array of 4, e of 6.
#define W4_A(ADD, SUB, MUL, y, e)                                                          \
    do {                                                                                   \
        e[0] = y[0];                                                                       \
        e[1] = ADD(ADD(y[0], y[2]), ADD(y[1], y[3]));                                      \
        e[2] = SUB(ADD(y[0], y[2]), ADD(y[1], y[3]));                                      \
        e[3] = ADD(ADD(y[0], MUL(y[2], 4.0f)), ADD(MUL(y[1], 2.0f), MUL(y[3], 8.0f)));     \
        e[4] = SUB(ADD(y[0], MUL(y[2], 4.0f)), ADD(MUL(y[1], 2.0f), MUL(y[3], 8.0f)));     \
        e[5] = y[3];                                                                       \
    } while (0)

// Tiles: the tile (ty, tx) has the outputs of rows 4ty … 4ty + 3 and columns 4tx … 4tx + 3, and
// reads the input rows 4ty − 1 … 4ty + 4 and columns 4tx − 1 … 4tx + 4 (0 outside the image).
// Point ξ = 6p + q; element (ξ, c, t) of a transformed array is at ξ·point_stride + c·ld + t.

static void input_plain(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                        size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
    const size_t tw = width / 4;
    for (size_t c = 0; c < channels; c++) {
        const float *plane = image + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const size_t ty = tile_row0 + j;
            float *vt = v + c * ldv + j * tw;
            for (size_t tx = 0; tx < tw; tx++) {
                float h[6][6];
                for (size_t r = 0; r < 6; r++) {
                    const long y = (long)(4 * ty) - 1 + (long)r;
                    float d[6];
                    for (size_t s = 0; s < 6; s++) {
                        const long x = (long)(4 * tx) - 1 + (long)s;
                        d[s] = y >= 0 && y < (long)height && x >= 0 && x < (long)width ? plane[(size_t)y * width + (size_t)x] : 0.0f;
                    }
                    W4_BT(F_ADD, F_SUB, F_MUL, d, h[r]);
                }
                for (size_t q = 0; q < 6; q++) {
                    const float column[6] = {h[0][q], h[1][q], h[2][q], h[3][q], h[4][q], h[5][q]};
                    float o[6];
                    W4_BT(F_ADD, F_SUB, F_MUL, column, o);
                    for (size_t p = 0; p < 6; p++) vt[(6 * p + q) * point_stride + tx] = o[p];
                }
            }
        }
    }
}

static void output_plain(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                         size_t tile_row0, size_t tile_rows, float *out) {
    const size_t tw = width / 4;
    for (size_t k = 0; k < channels; k++) {
        float *plane = out + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const float *mt = m + k * ldm + j * tw;
            float *rows = plane + 4 * (tile_row0 + j) * width;
            for (size_t tx = 0; tx < tw; tx++) {
                float r[6][4];
                for (size_t p = 0; p < 6; p++) {
                    float row[6];
                    for (size_t q = 0; q < 6; q++) row[q] = mt[(6 * p + q) * point_stride + tx];
                    W4_AT(F_ADD, F_SUB, F_MUL, row, r[p]);
                }
                for (size_t s = 0; s < 4; s++) {
                    const float column[6] = {r[0][s], r[1][s], r[2][s], r[3][s], r[4][s], r[5][s]};
                    float y[4];
                    W4_AT(F_ADD, F_SUB, F_MUL, column, y);
                    for (size_t i = 0; i < 4; i++) rows[i * width + 4 * tx + s] = y[i];
                }
            }
        }
    }
}

static void output_adjoint_plain(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
    const size_t tw = width / 4;
    for (size_t k = 0; k < channels; k++) {
        const float *plane = dy + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            float *mt = dm + k * ldm + j * tw;
            const float *rows = plane + 4 * (tile_row0 + j) * width;
            for (size_t tx = 0; tx < tw; tx++) {
                float e[4][6];
                for (size_t i = 0; i < 4; i++) W4_A(F_ADD, F_SUB, F_MUL, (rows + i * width + 4 * tx), e[i]);
                for (size_t q = 0; q < 6; q++) {
                    const float column[4] = {e[0][q], e[1][q], e[2][q], e[3][q]};
                    float o[6];
                    W4_A(F_ADD, F_SUB, F_MUL, column, o);
                    for (size_t p = 0; p < 6; p++) mt[(6 * p + q) * point_stride + tx] = o[p];
                }
            }
        }
    }
}

// The adjoint of the input transform: each tile's 6 × 6 gradient, dd = B dV Bᵀ, added onto
// the input pixels it read. Column 4tx gets s5 of tile tx − 1 and s1 of tile tx, column 4tx + 3
// s4 of tile tx and s0 of tile tx + 1, summed in that order and then added to the pixel; rows
// shared by two tile rows get the upper one's sum first. Neighbours outside the row are the
// formulas applied to zeros, as the AVX-512 copy computes them.
static void input_adjoint_plain(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                size_t tile_row0, size_t tile_rows, float *dx) {
    const size_t tw = width / 4;
    for (size_t c = 0; c < channels; c++) {
        float *plane = dx + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j++) {
            const size_t ty = tile_row0 + j;
            const float *vt = dv + c * ldv + j * tw;
            for (size_t tx = 0; tx < tw; tx++) {
                // dh[r][q] = (B dV[·][q])[r]; left[r] that of column 5 of tile tx − 1, right[r]
                // that of column 0 of tile tx + 1.
                float dh[6][6], left[6], right[6];
                for (size_t q = 0; q < 6; q++) {
                    float x[6], o[6];
                    for (size_t p = 0; p < 6; p++) x[p] = vt[(6 * p + q) * point_stride + tx];
                    W4_B(F_ADD, F_SUB, F_MUL, x, o);
                    for (size_t r = 0; r < 6; r++) dh[r][q] = o[r];
                }
                float xl[6], xr[6];
                for (size_t p = 0; p < 6; p++) {
                    xl[p] = tx > 0 ? vt[(6 * p + 5) * point_stride + tx - 1] : 0.0f;
                    xr[p] = tx + 1 < tw ? vt[(6 * p + 0) * point_stride + tx + 1] : 0.0f;
                }
                W4_B(F_ADD, F_SUB, F_MUL, xl, left);
                W4_B(F_ADD, F_SUB, F_MUL, xr, right);
                for (size_t r = 0; r < 6; r++) {
                    const long y = (long)(4 * ty) - 1 + (long)r;
                    if (y < 0 || y >= (long)height) continue;
                    float s[6];
                    W4_B(F_ADD, F_SUB, F_MUL, dh[r], s);
                    // s5 of the left tile is its dh[r][5] (B's last row is e₅); s0 of the right one 4·dh[r][0].
                    float *row = plane + (size_t)y * width + 4 * tx;
                    row[0] += left[r] + s[1];
                    row[1] += s[2];
                    row[2] += s[3];
                    row[3] += s[4] + right[r] * 4.0f;
                }
            }
        }
    }
}

#ifdef ASL_WINO_X86
// The AVX-512 transforms take 16 tiles at a time; lane i is tile t0 + i of a tile row. Rows of
// 8 or 4 tiles (SmallCNN's third convolution has 8) would leave half or three quarters of every
// vector idle, so there a vector packs 2 or 4 consecutive tile rows ("sub-rows"), whose tiles
// are consecutive in the transformed arrays too. A vector's 64 floats of image rows then come
// in 4 segments of 16, `per` segments to a sub-row.

#define V_ADD(a, b) _mm512_add_ps(a, b)
#define V_SUB(a, b) _mm512_sub_ps(a, b)
#define V_MUL(a, k) _mm512_mul_ps(a, _mm512_set1_ps(k))

// How a band's tile rows are cut into vectors of 16 lanes.
typedef struct {
    size_t sub_rows; // tile rows a vector packs (1, 2 or 4)
    size_t per;      // 16-float segments of image row a sub-row takes (4, 2 or 1)
} packing;

static inline packing packing_for(size_t tw) {
    if (tw == 8) return (packing){2, 2};
    if (tw == 4) return (packing){4, 1};
    return (packing){1, 4};
}

// Tile rows of the band from its j-th in the vector (fewer than `sub_rows` at the band's end).
static inline size_t rows_at(packing pk, size_t tile_rows, size_t j) {
    return tile_rows - j < pk.sub_rows ? tile_rows - j : pk.sub_rows;
}

// The lanes that hold tiles: every tile of the vector's sub-rows when packed, else those of the
// row from t0 on.
static inline __mmask16 tile_lanes(packing pk, size_t sub_rows, size_t tw, size_t t0) {
    return asl_wino_lanes(pk.sub_rows > 1 ? sub_rows * tw : tw - t0);
}

// Lane j of stream s is element 4j + s of the 64 floats a[0] … a[3].
ASL_WINO_TARGET static inline void deinterleave4(const __m512 a[4], __m512 s[4]) {
    __m512 e01, o01, e23, o23;
    asl_wino_deinterleave(a[0], a[1], &e01, &o01);
    asl_wino_deinterleave(a[2], a[3], &e23, &o23);
    asl_wino_deinterleave(e01, e23, &s[0], &s[2]);
    asl_wino_deinterleave(o01, o23, &s[1], &s[3]);
}

// The inverse of deinterleave4.
ASL_WINO_TARGET static inline void interleave4(const __m512 s[4], __m512 a[4]) {
    __m512 e01, e23, o01, o23;
    asl_wino_interleave(s[0], s[2], &e01, &e23);
    asl_wino_interleave(s[1], s[3], &o01, &o23);
    asl_wino_interleave(e01, o01, &a[0], &a[1]);
    asl_wino_interleave(e23, o23, &a[2], &a[3]);
}

// The 64 floats of a vector's image rows: sub-row k reads row y0 + 4k from column `start`
// (0 outside the image and for sub-rows past `sub_rows`).
ASL_WINO_TARGET static inline void load_rows(const float *plane, size_t height, size_t width, long y0, size_t sub_rows, packing pk,
                                             long start, __m512 a[4]) {
    for (size_t g = 0; g < 4; g++) {
        const size_t k = g / pk.per;
        const long y = y0 + 4 * (long)k;
        a[g] = k < sub_rows && y >= 0 && y < (long)height
                   ? asl_wino_load(plane + (size_t)y * width, start + 16 * (long)(g % pk.per), (long)width)
                   : _mm512_setzero_ps();
    }
}

// Writes the 64 floats of a vector's output rows: sub-row k's segments go to row y0 + 4k from
// column x0, `valid` floats of each sub-row (add_row below adds instead, one sub-row at a time).
ASL_WINO_TARGET static inline void store_rows(float *plane, size_t width, size_t y0, size_t sub_rows, packing pk, size_t x0,
                                              size_t valid, const __m512 a[4]) {
    for (size_t g = 0; g < 4; g++) {
        const size_t k = g / pk.per, offset = 16 * (g % pk.per);
        if (k >= sub_rows) break;
        float *at = plane + (y0 + 4 * k) * width + x0 + offset;
        _mm512_mask_storeu_ps(at, asl_wino_lanes(valid > offset ? valid - offset : 0), a[g]);
    }
}

ASL_WINO_TARGET static void input_avx512(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                         size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
    const size_t tw = width / 4;
    const packing pk = packing_for(tw);
    for (size_t c = 0; c < channels; c++) {
        const float *plane = image + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j += pk.sub_rows) {
            const size_t ty = tile_row0 + j, sub_rows = rows_at(pk, tile_rows, j);
            float *vt = v + c * ldv + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const __mmask16 keep = tile_lanes(pk, sub_rows, tw, t0);
                __m512 h[6][6];
                for (size_t r = 0; r < 6; r++) {
                    // From 4t0 − 1 the streams are d0 … d3 of each tile; from 4t0 + 3, d4 and d5.
                    const long y = (long)(4 * ty) - 1 + (long)r;
                    __m512 a[4], b[4], lo[4], hi[4];
                    load_rows(plane, height, width, y, sub_rows, pk, (long)(4 * t0) - 1, a);
                    load_rows(plane, height, width, y, sub_rows, pk, (long)(4 * t0) + 3, b);
                    deinterleave4(a, lo);
                    deinterleave4(b, hi);
                    const __m512 d[6] = {lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]};
                    W4_BT(V_ADD, V_SUB, V_MUL, d, h[r]);
                }
                for (size_t q = 0; q < 6; q++) {
                    const __m512 column[6] = {h[0][q], h[1][q], h[2][q], h[3][q], h[4][q], h[5][q]};
                    __m512 o[6];
                    W4_BT(V_ADD, V_SUB, V_MUL, column, o);
                    for (size_t p = 0; p < 6; p++) _mm512_mask_storeu_ps(vt + (6 * p + q) * point_stride + t0, keep, o[p]);
                }
            }
        }
    }
}

ASL_WINO_TARGET static void output_avx512(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                                          size_t tile_row0, size_t tile_rows, float *out) {
    const size_t tw = width / 4;
    const packing pk = packing_for(tw);
    for (size_t k = 0; k < channels; k++) {
        float *plane = out + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j += pk.sub_rows) {
            const size_t ty = tile_row0 + j, sub_rows = rows_at(pk, tile_rows, j);
            const float *mt = m + k * ldm + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const size_t count = tw - t0 < 16 ? tw - t0 : 16; // tiles of each sub-row
                const __mmask16 keep = tile_lanes(pk, sub_rows, tw, t0);
                __m512 r[6][4];
                for (size_t p = 0; p < 6; p++) {
                    __m512 row[6];
                    for (size_t q = 0; q < 6; q++) row[q] = _mm512_maskz_loadu_ps(keep, mt + (6 * p + q) * point_stride + t0);
                    W4_AT(V_ADD, V_SUB, V_MUL, row, r[p]);
                }
                __m512 y[4][4];
                for (size_t s = 0; s < 4; s++) {
                    const __m512 column[6] = {r[0][s], r[1][s], r[2][s], r[3][s], r[4][s], r[5][s]};
                    __m512 o[4];
                    W4_AT(V_ADD, V_SUB, V_MUL, column, o);
                    for (size_t i = 0; i < 4; i++) y[i][s] = o[i];
                }
                for (size_t i = 0; i < 4; i++) {
                    __m512 a[4];
                    interleave4(y[i], a);
                    store_rows(plane, width, 4 * ty + i, sub_rows, pk, 4 * t0, 4 * count, a);
                }
            }
        }
    }
}

ASL_WINO_TARGET static void output_adjoint_avx512(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                                  size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
    const size_t tw = width / 4;
    const packing pk = packing_for(tw);
    for (size_t k = 0; k < channels; k++) {
        const float *plane = dy + k * channel_stride;
        for (size_t j = 0; j < tile_rows; j += pk.sub_rows) {
            const size_t ty = tile_row0 + j, sub_rows = rows_at(pk, tile_rows, j);
            float *mt = dm + k * ldm + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const __mmask16 keep = tile_lanes(pk, sub_rows, tw, t0);
                __m512 e[4][6];
                for (size_t i = 0; i < 4; i++) {
                    __m512 a[4], y[4];
                    // The band's output rows are all inside the image, below 4·(tile_row0 + tile_rows).
                    load_rows(plane, 4 * (tile_row0 + tile_rows), width, (long)(4 * ty + i), sub_rows, pk, (long)(4 * t0), a);
                    deinterleave4(a, y);
                    W4_A(V_ADD, V_SUB, V_MUL, y, e[i]);
                }
                for (size_t q = 0; q < 6; q++) {
                    const __m512 column[4] = {e[0][q], e[1][q], e[2][q], e[3][q]};
                    __m512 o[6];
                    W4_A(V_ADD, V_SUB, V_MUL, column, o);
                    for (size_t p = 0; p < 6; p++) _mm512_mask_storeu_ps(mt + (6 * p + q) * point_stride + t0, keep, o[p]);
                }
            }
        }
    }
}

// (B x)[·] for the 16 lanes from tile t, x[p] = dV[6p + q], where `lanes` holds (0 elsewhere).
ASL_WINO_TARGET static inline void adjoint_column(const float *vt, size_t point_stride, size_t q, long t, __mmask16 lanes, __m512 o[6]) {
    __m512 x[6];
    for (size_t p = 0; p < 6; p++) x[p] = _mm512_maskz_loadu_ps(lanes, vt + (6 * p + q) * point_stride + t);
    W4_B(V_ADD, V_SUB, V_MUL, x, o);
}

// The 64 floats one row r of a vector's tiles adds onto the input gradient: s = B dh[r][·],
// column 4tx getting s5 of the tile to the left (its dh[r][5]) and column 4tx + 3 s0 of the one
// to the right (4 · its dh[r][0]).
ASL_WINO_TARGET static inline void adjoint_row(const __m512 dh[6], __m512 left, __m512 right, __m512 out[4]) {
    __m512 s[6];
    W4_B(V_ADD, V_SUB, V_MUL, dh, s);
    const __m512 columns[4] = {_mm512_add_ps(left, s[1]), s[2], s[3], _mm512_add_ps(s[4], V_MUL(right, 4.0f))};
    interleave4(columns, out);
}

// Adds sub-row k's segments of `a` onto image row y (if inside) from column x0, `valid` floats.
ASL_WINO_TARGET static inline void add_row(float *plane, size_t height, size_t width, long y, size_t k, packing pk, size_t x0,
                                           size_t valid, const __m512 a[4]) {
    if (y < 0 || y >= (long)height) return;
    for (size_t g = k * pk.per; g < (k + 1) * pk.per; g++) {
        const size_t offset = 16 * (g % pk.per);
        float *at = plane + (size_t)y * width + x0 + offset;
        const __mmask16 m = asl_wino_lanes(valid > offset ? valid - offset : 0);
        _mm512_mask_storeu_ps(at, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, at), a[g]));
    }
}

ASL_WINO_TARGET static void input_adjoint_avx512(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height,
                                                 size_t width, size_t tile_row0, size_t tile_rows, float *dx) {
    const size_t tw = width / 4;
    const packing pk = packing_for(tw);
    // In packed vectors, the lanes whose tile has a left (right) neighbour in its own row.
    __mmask16 has_left = 0, has_right = 0;
    for (size_t i = 0; i < 16 && pk.sub_rows > 1; i++) {
        if (i % tw != 0) has_left |= (__mmask16)(1u << i);
        if (i % tw != tw - 1) has_right |= (__mmask16)(1u << i);
    }
    for (size_t c = 0; c < channels; c++) {
        float *plane = dx + c * channel_stride;
        for (size_t j = 0; j < tile_rows; j += pk.sub_rows) {
            const size_t ty = tile_row0 + j, sub_rows = rows_at(pk, tile_rows, j);
            const float *vt = dv + c * ldv + j * tw;
            for (size_t t0 = 0; t0 < tw; t0 += 16) {
                const size_t count = tw - t0 < 16 ? tw - t0 : 16;
                const long t = (long)t0;
                const __mmask16 keep = tile_lanes(pk, sub_rows, tw, t0);
                const __mmask16 left_lanes = pk.sub_rows > 1 ? has_left & keep : asl_wino_inside(t - 1, (long)tw);
                const __mmask16 right_lanes = pk.sub_rows > 1 ? has_right & keep : asl_wino_inside(t + 1, (long)tw);
                __m512 dh[6][6], left[6], right[6];
                for (size_t q = 0; q < 6; q++) {
                    __m512 o[6];
                    adjoint_column(vt, point_stride, q, t, keep, o);
                    for (size_t r = 0; r < 6; r++) dh[r][q] = o[r];
                }
                // Column 5 of the tiles one to the left, column 0 of those one to the right.
                adjoint_column(vt, point_stride, 5, t - 1, left_lanes, left);
                adjoint_column(vt, point_stride, 0, t + 1, right_lanes, right);
                // Sub-row by sub-row, top to bottom, as the plain copy adds them: a packed
                // vector's rows are all computed first, a single row's added as they come.
                __m512 rows[6][4];
                for (size_t r = 0; r < 6; r++) {
                    adjoint_row(dh[r], left[r], right[r], rows[pk.sub_rows > 1 ? r : 0]);
                    if (pk.sub_rows == 1) add_row(plane, height, width, (long)(4 * ty) - 1 + (long)r, 0, pk, 4 * t0, 4 * count, rows[0]);
                }
                for (size_t k = 0; k < sub_rows && pk.sub_rows > 1; k++)
                    for (size_t r = 0; r < 6; r++) add_row(plane, height, width, (long)(4 * (ty + k)) - 1 + (long)r, k, pk, 0, 4 * tw, rows[r]);
            }
        }
    }
}
#endif

#ifdef ASL_WINO_X86
#define ASL_WINO4_PICK(vector_call, plain_call) \
    do {                                        \
        if (ASL_WINO_VECTOR) {                  \
            vector_call;                        \
            return;                             \
        }                                       \
        plain_call;                             \
    } while (0)
#else
#define ASL_WINO4_PICK(vector_call, plain_call) plain_call
#endif

void asl_winograd4_input(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                         size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride) {
    ASL_WINO4_PICK(input_avx512(image, channels, channel_stride, height, width, tile_row0, tile_rows, v, ldv, point_stride),
                   input_plain(image, channels, channel_stride, height, width, tile_row0, tile_rows, v, ldv, point_stride));
}

void asl_winograd4_output(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                          size_t tile_row0, size_t tile_rows, float *out) {
    ASL_WINO4_PICK(output_avx512(m, ldm, point_stride, channels, channel_stride, width, tile_row0, tile_rows, out),
                   output_plain(m, ldm, point_stride, channels, channel_stride, width, tile_row0, tile_rows, out));
}

void asl_winograd4_output_adjoint(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                  size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride) {
    ASL_WINO4_PICK(output_adjoint_avx512(dy, channels, channel_stride, width, tile_row0, tile_rows, dm, ldm, point_stride),
                   output_adjoint_plain(dy, channels, channel_stride, width, tile_row0, tile_rows, dm, ldm, point_stride));
}

void asl_winograd4_input_adjoint(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dx) {
    ASL_WINO4_PICK(input_adjoint_avx512(dv, ldv, point_stride, channels, channel_stride, height, width, tile_row0, tile_rows, dx),
                   input_adjoint_plain(dv, ldv, point_stride, channels, channel_stride, height, width, tile_row0, tile_rows, dx));
}

// o = G g for the kernel's three values g (a row or a column): G's rows are 1/4 (1, 0, 0),
// −1/6 (1, 1, 1), −1/6 (1, −1, 1), 1/24 (1, 2, 4), 1/24 (1, −2, 4) and (0, 0, 1).
static inline void kernel_points(const float g[3], float o[6]) {
    o[0] = g[0] * 0.25f;
    o[1] = (g[0] + g[1] + g[2]) * (-1.0f / 6.0f);
    o[2] = (g[0] - g[1] + g[2]) * (-1.0f / 6.0f);
    o[3] = (g[0] + g[1] * 2.0f + g[2] * 4.0f) * (1.0f / 24.0f);
    o[4] = (g[0] - g[1] * 2.0f + g[2] * 4.0f) * (1.0f / 24.0f);
    o[5] = g[2];
}

// g = Gᵀ o: the adjoint of kernel_points.
static inline void kernel_points_adjoint(const float o[6], float g[3]) {
    const float a = (o[1] + o[2]) * (-1.0f / 6.0f), b = (o[3] + o[4]) * (1.0f / 24.0f);
    const float d = (o[2] - o[1]) * (1.0f / 6.0f), e = (o[3] - o[4]) * (1.0f / 12.0f);
    g[0] = o[0] * 0.25f + a + b;
    g[1] = d + e;
    g[2] = a + b * 4.0f + o[5];
}

// U[ξ][k][c] = (G g Gᵀ)[ξ] for the kernel g = w[k][c] (3 × 3), ξ = 6p + q.
void asl_winograd4_weights(const float *w, size_t out_channels, size_t in_channels, float *u, size_t point_stride) {
    for (size_t k = 0; k < out_channels; k++) {
        for (size_t c = 0; c < in_channels; c++) {
            const float *g = w + (k * in_channels + c) * 9;
            float t[6][3]; // t = G g: column j of the kernel through G
            for (size_t j = 0; j < 3; j++) {
                const float column[3] = {g[j], g[3 + j], g[6 + j]};
                float o[6];
                kernel_points(column, o);
                for (size_t p = 0; p < 6; p++) t[p][j] = o[p];
            }
            float *out = u + k * in_channels + c;
            for (size_t p = 0; p < 6; p++) {
                float o[6];
                kernel_points(t[p], o);
                for (size_t q = 0; q < 6; q++) out[(6 * p + q) * point_stride] = o[q];
            }
        }
    }
}

// dw[k][c] += Gᵀ dU G: the adjoint of asl_winograd4_weights.
void asl_winograd4_weights_adjoint(const float *du, int channel_major, size_t out_channels, size_t in_channels, size_t point_stride, float *dw) {
    for (size_t k = 0; k < out_channels; k++) {
        for (size_t c = 0; c < in_channels; c++) {
            const float *d = du + (channel_major ? c * out_channels + k : k * in_channels + c);
            float t[6][3]; // t[p] = the adjoint of the row pass
            for (size_t p = 0; p < 6; p++) {
                float o[6];
                for (size_t q = 0; q < 6; q++) o[q] = d[(6 * p + q) * point_stride];
                kernel_points_adjoint(o, t[p]);
            }
            float *g = dw + (k * in_channels + c) * 9;
            for (size_t j = 0; j < 3; j++) {
                const float column[6] = {t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j]};
                float r[3];
                kernel_points_adjoint(column, r);
                g[j] += r[0];
                g[3 + j] += r[1];
                g[6 + j] += r[2];
            }
        }
    }
}
