#ifndef ASL_SIMD_KERNELS_H
#define ASL_SIMD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU runs the AVX2 + FMA kernels below (checked once, at run time, so the
/// binary still runs on CPUs without them; callers use their portable kernel then).
int asl_simd_has_avx2_fma(void);

/// Barnes-Hut repulsion of `count` points (`points`: x, y interleaved) from one interaction
/// list of `entries` cells or points (`entries` a multiple of 8; padding entries weigh 0).
/// For point p, `out[3p ...]` receives Σ w q² (p − e)ₓ, Σ w q² (p − e)ᵧ and Σ w q, with
/// q = 1 / (1 + ‖p − e‖²). Call only when `asl_simd_has_avx2_fma()` is true.
void asl_tsne_repulsion_avx2(const float *list_x, const float *list_y, const float *list_weight, size_t entries,
                             const float *points, size_t count, float *out);

/// Sets this thread's float mode to flush denormal results to zero and read denormal operands
/// as zero (x86 MXCSR's FTZ and DAZ), returning the mode to restore. No-op elsewhere (returns 0).
unsigned asl_fp_flush_denormals(void);
/// Restores this thread's float mode from `asl_fp_flush_denormals`'s result.
void asl_fp_restore_mode(unsigned saved);
/// Whether this thread's float mode flushes denormals (both FTZ and DAZ set).
int asl_fp_flushes_denormals(void);

/// Whether this CPU runs `asl_sgemm_avx512` (AVX-512F, checked once at run time).
int asl_simd_has_avx512(void);

/// Row-major C[m×n] = op(A)·op(B) + beta·C on one thread, op = transpose when the flag is set;
/// lda, ldb, ldc are the row strides as stored. Returns 0, with C untouched, when the CPU lacks
/// AVX-512 or its packing buffers cannot be allocated: the caller falls back to OpenBLAS then.
int asl_sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                     const float *b, size_t ldb, float beta, float *c, size_t ldc);

/// asl_sgemm_avx512(0, 1, …) for at most 32 rows (a linear layer's forward over a batch,
/// C = X·Wᵀ + beta·C with W row-major), bit for bit: A's rows go across the lanes and B is read
/// as stored, so the transposing pack of B, as costly as the products for so few rows, is
/// skipped. Returns 0, with C untouched, where the CPU lacks AVX-512, m > 32 or its buffers
/// cannot be had.
int asl_sgemm_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                                 size_t ldc);

/// 2 × 2 max pooling, stride 2, of one height × width plane: out and winners have
/// (height/2) × (width/2) entries; winners[i] is 0–3, which input of the window won (top-left,
/// top-right, bottom-left, bottom-right; the first on ties). Returns 0, writing nothing, when
/// the CPU lacks AVX-512.
int asl_maxpool2x2_avx512(const float *in, float *out, unsigned char *winners, size_t height, size_t width);
/// Inference's conv epilogue on one height × width plane of raw products: each output is the
/// 2 × 2 maximum plus `bias`, then (with `relu`) 0 where negative; no winners are kept. The
/// value of bias, ReLU and then pooling. 0 without AVX-512 (nothing written).
int asl_maxpool2x2_bias_relu_avx512(const float *in, float *out, size_t height, size_t width, float bias, int relu);
/// 2×2 max-pool backward of one plane (height, width even): dx gets each output's gradient dy at the
/// input `winners` names (0 top-left … 3 bottom-right) and 0 at the other three; with
/// `after_relu`, 0 where the pooled output was not positive. 0 without AVX-512 (nothing written).
int asl_maxpool2x2_backward_avx512(const float *dy, const unsigned char *winners, const float *pooled, int after_relu, float *dx,
                                   size_t height, size_t width);

/// asl_sgemm_avx512(trans_a, 0, …) with B read where it lies instead of packed (op(A) packed
/// whole, at most 65 536 floats): the same bits. For products whose B is used by few rows of A
/// (a Winograd point's C = U · V, 64 × 256 over 32 channels), where packing B copies as much as
/// the product writes. Returns 0, writing nothing, without AVX-512 or for a larger op(A).
int asl_sgemm_avx512_b_in_place(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                                float beta, float *c, size_t ldc);

/// C[m×n] = beta·C + A·Bᵀ for row-major A (m × k) and B (n × k), as dot products of their rows
/// (no packing: for long k and small m·n, a linear layer's forward or the first conv's weight
/// gradient). Each entry sums every 16th k in its own lane, then the lanes in a fixed tree, so
/// it has the same bits wherever it lies in C and in `asl_sgemm_dot_plain`. Returns 0, writing
/// nothing, without AVX-512.
int asl_sgemm_dot_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                         size_t ldc);
/// The same product and bits as `asl_sgemm_dot_avx512`, for short k: each 4 × 4 block of C keeps
/// its lanes in registers over all of k and sums them there, with no partials buffer to clear
/// and finish (a Winograd weight gradient's products: 64 × 32 entries over 256 tiles). Returns
/// 0, writing nothing, without AVX-512.
int asl_sgemm_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                   float *c, size_t ldc);
/// C = beta·C + A·Bᵀ in bf16 (A m × k and B n × k, both along k), as dot products with their
/// lanes in registers: each operand's rows are rounded to bf16 once, each lane adds vdpbf16ps
/// pairs along k, and the lanes add in a fixed tree. 0 where the CPU lacks AVX512-BF16.
int asl_gemm_bf16_dot_registers_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                       float *c, size_t ldc);
/// A convolution's weight gradient as `asl_sgemm_dot_avx512` computes it, C (m × C·kernel²) =
/// beta·C + dY·colsᵀ, with the columns (the lowering of `images` images, image_stride apart:
/// `channels` planes of height × width channel_stride apart, a kernel × kernel window at
/// stride 1 with `padding` border values padding_values[c], or 0, each side) made a block of k
/// at a time in cache instead of read from memory. dY is m × (images · output plane), row
/// stride ldy. The bits of lowering (Im2Col) followed by `asl_sgemm_dot_avx512`. Returns 0,
/// writing nothing, without AVX-512, for more than 64 lowering rows, or where that product
/// would split C into groups.
int asl_conv_weight_gradient_dot_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                        size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                        const float *padding_values, float beta, float *c, size_t ldc);
/// The same weight gradient in bf16: each block of k's rows of dY and of the lowering rounded
/// to bf16 once, each lane adding vdpbf16ps pairs, then the same lane tree. Declines as the
/// fp32 one does, and without AVX512-BF16.
int asl_conv_weight_gradient_dot_bf16_avx512(size_t m, const float *dy, size_t ldy, const float *image, size_t images, size_t image_stride,
                                             size_t channels, size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                             const float *padding_values, float beta, float *c, size_t ldc);
/// The same product in plain C, bit for bit: the reference for `asl_sgemm_dot_avx512`.
void asl_sgemm_dot_plain(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                         size_t ldc);

/// Whether this CPU runs `asl_gemm_bf16_avx512` (AVX512-F/BW/VL and AVX512-BF16, checked once).
int asl_simd_has_avx512_bf16(void);

/// Mixed precision: C = op(A)·op(B) + beta·C as `asl_sgemm_avx512`, with every entry of A and B
/// rounded to bfloat16 (nearest even) and the products summed in float32 by `vdpbf16ps`.
/// Returns 0, with C untouched, where the CPU lacks AVX512-BF16.
int asl_gemm_bf16_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc);
/// C = A · Bᵀ + beta · C in bf16 for at most 32 rows of A, B (n × k) read in place: the same
/// bits as `asl_gemm_bf16_avx512(0, 1, …)`. 0, writing nothing, without AVX512-BF16 or for m > 32.
int asl_gemm_bf16_avx512_few_rows_bt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                                     float *c, size_t ldc);

/// A B operand packed once for many products (a layer's weights between two updates), for
/// the fp32 (`asl_sgemm_avx512_*`) and AVX512-BF16 (`asl_gemm_bf16_avx512_*`) kernels:
/// `_packed_b_bytes(k, n)` is the size of op(B) (k × n) packed; `_pack_b` packs it into a
/// buffer of that size (64-byte aligned); `_packed` computes C = op(A)·B + beta·C from it, the
/// same bits as the unpacked call. The last two return 0, doing nothing, where the CPU lacks the
/// kernel's instructions.
size_t asl_sgemm_avx512_packed_b_bytes(size_t k, size_t n);
int asl_sgemm_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed);
int asl_sgemm_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed_b, float beta, float *c,
                            size_t ldc);
size_t asl_gemm_bf16_avx512_packed_b_bytes(size_t k, size_t n);
int asl_gemm_bf16_avx512_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed);
int asl_gemm_bf16_avx512_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed_b, float beta,
                                float *c, size_t ldc);

/// A products (the convolutions' transformed weights) packed once for many products, and
/// products whose operands are both packed already, in the AVX512-BF16 kernel, for k ≤ 384
/// (one pass over k, as `asl_gemm_bf16_avx512` makes for such k): `_packed_a_bytes(m, k)` is
/// the size of a row-major A (m × k) packed, `_pack_a` packs it (into 64-byte aligned memory),
/// and `_prepacked` computes C = A·B + beta·C from it and a B packed as
/// `asl_gemm_bf16_avx512_pack_b` packs it (or as `asl_winograd_input_bf16_packed` writes it),
/// with the same bits as the unpacked product. The last two return 0, doing nothing, where the
/// CPU lacks AVX512-BF16 or k > 384.
size_t asl_gemm_bf16_avx512_packed_a_bytes(size_t m, size_t k);
int asl_gemm_bf16_avx512_pack_a(size_t m, size_t k, const float *a, size_t lda, void *packed);
int asl_gemm_bf16_avx512_prepacked(size_t m, size_t n, size_t k, const void *packed_a, const void *packed_b, float beta, float *c,
                                   size_t ldc);

/// A convolution (stride 1) with its 2 × 2 max-pool, bias and ReLU in the product's epilogue,
/// read from the image itself: `channels` planes of height × width, channel_stride apart, a
/// kernel × kernel window with `padding` border values each side (padding_values[c], or 0 where
/// NULL), in fp32 (`bf16` 0, AVX-512) or bf16 (`bf16` 1, AVX512-BF16). The weights (m ×
/// channels·kernel², row-major) are packed first: `_packed_weights_bytes` of memory, filled by
/// `_pack_weights`. For output rows row0 … row0 + rows − 1 (both even) `asl_conv_pooled_avx512`
/// writes, for each channel i < m, a (rows/2) × (out width/2) pooled plane at
/// out + i·out_channel_stride:
/// - inference (`winners` NULL): each 2 × 2 window's maximum of the products, plus bias[i],
///   then with `relu` 0 where negative: the bits of lowering, the precision's product
///   (`asl_sgemm_avx512` or `asl_gemm_bf16_avx512`, beta 0) and
///   `asl_maxpool2x2_bias_relu_avx512`;
/// - training: the products plus bias[i], with `relu` 0 where negative, then each window's
///   maximum, and in winners + i·out_channel_stride which position won (0 top-left … 3
///   bottom-right, the first maximum): the bits of that product, the bias and ReLU pass, and
///   `asl_maxpool2x2_avx512`.
/// Neither the columns nor the products are written. Both return 0, doing nothing, where the CPU
/// lacks the precision's instructions or channels·kernel² exceeds what one pass of its product
/// sums (192 values in fp32, 384 in bf16); the convolution also where a row count, row0 or
/// the output width is odd, or the rows pass the output's end.
size_t asl_conv_pooled_packed_weights_bytes(int bf16, size_t m, size_t k);
int asl_conv_pooled_pack_weights(int bf16, size_t m, size_t k, const float *w, void *packed);
int asl_conv_pooled_avx512(int bf16, size_t m, const void *packed_weights, const float *image, size_t channels, size_t channel_stride,
                           size_t height, size_t width, size_t kernel, size_t padding, const float *padding_values, size_t row0, size_t rows,
                           const float *bias, int relu, float *out, unsigned char *winners, size_t out_channel_stride);

/// The weight and bias gradient of such a convolution in training, for one image: its pooled
/// output's gradient, winners and pooled values (channel i's planes at + i·pooled_channel_stride,
/// (height'/2) × (width'/2) each; with `relu`, gradients where the pooled value is not positive
/// count as 0) and its input as above. Each window adds the winner's lowered row, so a quarter
/// of the lowered product's multiply-adds: dw (m × channels·kernel², row-major) += per pooled
/// row, each entry's sum over the row's windows from zero, left to right, by fused multiply-adds;
/// db (m) += the row's gradients summed the same way. With `bf16` both operands of each product
/// are rounded to bfloat16 first (nearest even). The AVX-512 kernel and the plain copy give the
/// same bits; both return 0, doing nothing, where channels·kernel² exceeds 243 or the output's
/// sides are odd, the AVX-512 one also where the CPU lacks AVX-512. With m = 0 they only say
/// whether they would run.
int asl_conv_pooled_weight_gradient_avx512(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                           size_t pooled_channel_stride, int relu, const float *image, size_t channels,
                                           size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                           const float *padding_values, float *dw, float *db);
int asl_conv_pooled_weight_gradient_plain(int bf16, size_t m, const float *gradient, const unsigned char *winners, const float *pooled,
                                          size_t pooled_channel_stride, int relu, const float *image, size_t channels,
                                          size_t channel_stride, size_t height, size_t width, size_t kernel, size_t padding,
                                          const float *padding_values, float *dw, float *db);

/// Whether AMX-BF16 runs here: the CPU has AMX-TILE and AMX-BF16, the OS enables their state
/// and Linux granted this process the tile data (`arch_prctl(ARCH_REQ_XCOMP_PERM)`, asked for
/// on the first call).
int asl_simd_has_amx_bf16(void);

/// The same product as `asl_gemm_bf16_avx512` on AMX tiles (`tdpbf16ps`). Returns 0, with C
/// untouched, where AMX-BF16 cannot run.
int asl_gemm_bf16_amx(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                      const float *b, size_t ldb, float beta, float *c, size_t ldc);

/// `asl_gemm_bf16_amx` without asking the CPU first: its real tile instructions, which raise
/// SIGILL where AMX is missing. For tests that trap and emulate those instructions
/// (`AMXTrap`), so the compiled instruction sequence runs on any AVX512-BF16 CPU. Returns 0,
/// with C untouched, without AVX512-BF16 (its packing needs it).
int asl_gemm_bf16_amx_unchecked(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                                const float *b, size_t ldb, float beta, float *c, size_t ldc);

/// Bytes of op(B) (k × n) packed by `asl_gemm_bf16_amx_pack_b`.
size_t asl_gemm_bf16_amx_packed_b_bytes(size_t k, size_t n);
/// op(B) (k × n; `trans_b` as in `asl_gemm_bf16_amx`) converted to bf16 and laid out as the AMX
/// product's tiles read it, once, for many products with the same B (a linear layer's weights in
/// inference). Returns 0, writing nothing, without AVX512-BF16.
int asl_gemm_bf16_amx_pack_b(int trans_b, size_t k, size_t n, const float *b, size_t ldb, void *packed);
/// C = op(A)·B + beta·C with B packed by `asl_gemm_bf16_amx_pack_b` (the same k and n): the bits
/// of `asl_gemm_bf16_amx` on the unpacked B. Returns 0, with C untouched, where AMX cannot run.
int asl_gemm_bf16_amx_packed(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed, float beta,
                             float *c, size_t ldc);
/// `asl_gemm_bf16_amx_packed` without asking the CPU first (for tests under `AMXTrap`).
int asl_gemm_bf16_amx_packed_unchecked(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                       float beta, float *c, size_t ldc);
/// `asl_gemm_bf16_amx_packed` on the scalar tile model (any AVX512-BF16 CPU).
int asl_gemm_bf16_amx_packed_emulated(int trans_a, size_t m, size_t n, size_t k, const float *a, size_t lda, const void *packed,
                                      float beta, float *c, size_t ldc);

/// `asl_gemm_bf16_amx`'s packing, tiling and edges with its tile instructions replaced by a
/// scalar model of them (for tests on CPUs without AMX; slow). Needs AVX512-BF16 for the
/// packing: returns 0 without it.
int asl_gemm_bf16_amx_emulated(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                               const float *b, size_t ldb, float beta, float *c, size_t ldc);

/// One Adam step over `count` parameters in one pass: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g·g;
/// p ← p − step·m / (√v / root2 + ε), each operation rounded as written (no fused
/// multiply-adds), so the bits equal the plain loop's. Returns 0, writing nothing, without AVX-512.
int asl_adam_avx512(float *p, const float *g, float *m, float *v, size_t count, float beta1, float beta2, float step_size, float root2,
                    float epsilon);

/// The core's ceiling for products: `iterations` rounds of 24 independent 512-bit multiply-adds
/// in registers (`vfmadd231ps` for fp32, `vdpbf16ps` for bf16, two products a lane), on the
/// calling thread. Returns the floating-point operations done (time the call to get FLOP/s),
/// or 0 where the CPU lacks the instruction.
double asl_simd_peak_probe(int bf16, size_t iterations);

/// Winograd F(2×2, 3×3) for a 3 × 3 convolution with padding 1 on planes of even height and
/// width: 16 transform points ξ, each a matrix product over channels. "Tiles" are the 2 × 2 output
/// blocks, (height/2) per column and (width/2) per row; a call handles `tile_rows` rows of tiles
/// from `tile_row0`. Transformed arrays are [ξ][channel][tile] with a row stride (ld) per channel
/// and a stride per point: element (ξ, c, t) is at base + ξ·point_stride + c·ld + t, t counting
/// from the band's first tile. (A point stride of channels·ld, a multiple of 4 KB for SmallCNN's
/// shapes, put all 16 or 36 streams of a transform in one set of the L1 and L2 caches: callers
/// pad it to an odd number of cache lines.)
/// Channel planes are `channel_stride` floats apart. The results are the same bits on every CPU.

/// V = Bᵀ d B of every tile of the band, from one image's channel planes (0 outside the image).
void asl_winograd_input(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                        size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride);
/// The same V, rounded to bf16 and written as the B operand of `asl_gemm_bf16_avx512_prepacked`
/// over the piece's `tiles` tiles (the bits `asl_gemm_bf16_avx512_pack_b` makes of
/// `asl_winograd_input`'s V): for each point (`point_stride` 4-byte entries apart, a multiple of
/// 16), strips of 48 tiles, each ⌈channels/2⌉ pairs of channels × 48 tiles; this image's band
/// starts at tile `first_tile` of the piece, and the call that ends at the last tile zeroes the
/// last strip's lanes past it. Skips the float32 V and its packing pass. Returns 0, writing
/// nothing, where the CPU lacks AVX512-BF16 (or the plain transforms are forced), unless
/// width/2 and first_tile are multiples of 16 (a 16-tile vector then never straddles two
/// strips) and `packed` is 64-byte aligned.
int asl_winograd_input_bf16_packed(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                   size_t tile_row0, size_t tile_rows, uint32_t *packed, size_t first_tile, size_t tiles,
                                   size_t point_stride);
/// The same V as `asl_winograd_input_bf16_packed`, laid out as `asl_gemm_bf16_amx_packed`'s B
/// over the piece's tiles (the bits `asl_gemm_bf16_amx_pack_b` makes of `asl_winograd_input`'s
/// V): for each point, strips of 32 tiles, each ⌈channels/32⌉·16 pairs of channels deep (pairs
/// past the channels zero). The same conditions, and at most 512 channels (one pass over k).
int asl_winograd_input_bf16_packed_amx(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                                       size_t tile_row0, size_t tile_rows, uint32_t *packed, size_t first_tile, size_t tiles,
                                       size_t point_stride);
/// Y = Aᵀ M A of every tile of the band, written (not added) into the output rows
/// 2·tile_row0 … 2·(tile_row0 + tile_rows) − 1 of each of `channels` planes.
void asl_winograd_output(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                         size_t tile_row0, size_t tile_rows, float *out);
/// Inference's epilogue of one image's band from M: each tile's 2 × 2 outputs are one 2 × 2
/// pooling window, so tile t (of `tiles`, counted from the band's first) gives pooled value t of
/// each channel (`pooled_channel_stride` apart): the window's maximum plus bias[k], then, with
/// `relu`, 0 where negative. The bits of asl_winograd_output followed by
/// asl_maxpool2x2_bias_relu_avx512, without writing the outputs. Returns 0, writing nothing,
/// without AVX-512 (or with the plain transforms forced).
int asl_winograd_output_pooled(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t tiles, const float *bias, int relu,
                               float *pooled, size_t pooled_channel_stride);
/// dM = A dY Aᵀ: the adjoint of asl_winograd_output, from the output gradient's planes.
void asl_winograd_output_adjoint(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride);
/// The adjoint of asl_winograd_input: B dV Bᵀ of every tile, added onto the input gradient's
/// planes (which the caller zeroes first; bands must come in order, top to bottom).
void asl_winograd_input_adjoint(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                size_t tile_row0, size_t tile_rows, float *dx);
/// U = G g Gᵀ of every kernel of w (out × in × 3 × 3), as u[ξ][out][in], points `point_stride` apart.
void asl_winograd_weights(const float *w, size_t out_channels, size_t in_channels, float *u, size_t point_stride);
/// Tests: 1 makes the band transforms (of both tile sizes) run their plain C copies even where the
/// AVX-512 ones could (the two give the same bits); 0 restores the default.
void asl_winograd_portable(int on);
/// dw += Gᵀ dU G: the adjoint of asl_winograd_weights, from du[ξ][out][in], or du[ξ][in][out]
/// when `channel_major`, points `point_stride` apart.
void asl_winograd_weights_adjoint(const float *du, int channel_major, size_t out_channels, size_t in_channels, size_t point_stride, float *dw);

/// Winograd F(4×4, 3×3): the same calls for planes whose height and width are multiples of 4,
/// with 36 transform points ξ = 6p + q and tiles of 4 × 4 outputs, (height/4) per column and
/// (width/4) per row; the output rows of a band are 4·tile_row0 … 4·(tile_row0 + tile_rows) − 1.
void asl_winograd4_input(const float *image, size_t channels, size_t channel_stride, size_t height, size_t width,
                         size_t tile_row0, size_t tile_rows, float *v, size_t ldv, size_t point_stride);
void asl_winograd4_output(const float *m, size_t ldm, size_t point_stride, size_t channels, size_t channel_stride, size_t width,
                          size_t tile_row0, size_t tile_rows, float *out);
void asl_winograd4_output_adjoint(const float *dy, size_t channels, size_t channel_stride, size_t width,
                                  size_t tile_row0, size_t tile_rows, float *dm, size_t ldm, size_t point_stride);
void asl_winograd4_input_adjoint(const float *dv, size_t ldv, size_t point_stride, size_t channels, size_t channel_stride, size_t height, size_t width,
                                 size_t tile_row0, size_t tile_rows, float *dx);
void asl_winograd4_weights(const float *w, size_t out_channels, size_t in_channels, float *u, size_t point_stride);
void asl_winograd4_weights_adjoint(const float *du, int channel_major, size_t out_channels, size_t in_channels, size_t point_stride, float *dw);

#endif
