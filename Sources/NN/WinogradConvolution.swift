import SIMDKernels

/// How a convolution's products are formed.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Lowering (im2col) and one product per piece: 9·C multiply-adds per output.
    case direct
    /// Winograd where it applies (3 × 3 kernels, padding 1, zero border, at least
    /// `WinogradConvolution.minimumChannels` inputs), in all three directions: in fp32,
    /// F(4×4, 3×3) on planes whose sides are multiples of 4 (36 products per 16 outputs and
    /// channel, 4× fewer multiply-adds than direct); otherwise, and in bf16, F(2×2, 3×3) on
    /// even planes.
    case winograd
    /// Winograd F(2×2, 3×3) alone (16 products per 4 outputs, 2.25× fewer multiply-adds):
    /// the builds before F(4×4), whose model bytes it reproduces.
    case winograd2x2 = "winograd-2x2"
}

/// The band-level work of a Winograd convolution, for `Conv2d`: transforms in SIMDKernels,
/// the per-point products in the engine's own kernel. Each output, and each part's
/// weight-gradient partial, is a sum in an order fixed by the shapes alone (tiles and channels),
/// so results do not depend on the thread count.
///
/// Transformed arrays are [ξ][channel][tile]: for each transform point ξ a channels × tiles
/// matrix, its rows `tiles` apart.
enum WinogradConvolution {
    /// Below this many input channels the products are too short for the transforms to pay
    /// (SmallCNN's first conv has 3).
    static let minimumChannels = 16

    /// The output block a tile computes: F(2×2, 3×3) or F(4×4, 3×3).
    enum Tile: Sendable {
        case f2, f4
        /// Outputs along each side of a tile.
        var side: Int { self == .f2 ? 2 : 4 }
        /// Transform points: (side + 2)².
        var points: Int { self == .f2 ? 16 : 36 }
    }

    /// The tile a convolution of this shape uses under `algorithm`, or nil where Winograd
    /// does not apply (the product is then lowered). bf16 keeps F(2×2): it rounds the
    /// transformed operands, and F(4×4)'s transforms (coefficients up to 8) carry that rounding
    /// to 6–9 % of the largest output or gradient, where F(2×2)'s stay near 2⁻⁸ (`WinogradTests`).
    static func tile(_ algorithm: ConvolutionAlgorithm, precision: Precision, inChannels: Int, kernel: Int, padding: Int,
                     paddingValues: [Float]?, height: Int, width: Int) -> Tile? {
        guard algorithm != .direct, kernel == 3, padding == 1, paddingValues == nil, inChannels >= minimumChannels,
              height >= 2, width >= 2 else { return nil }
        if algorithm == .winograd, precision == .fp32, height % 4 == 0, width % 4 == 0 { return .f4 }
        return height % 2 == 0 && width % 2 == 0 ? .f2 : nil
    }

    /// Floats of the transformed weights U (or their gradient), K × C matrices `weightPointStride` apart.
    static func weightSize(_ tile: Tile, inChannels c: Int, outChannels k: Int) -> Int { transformedSize(tile, rows: k, tiles: c) }

    /// Floats between the points of U (or its gradient), padded as the transformed tiles'.
    static func weightPointStride(inChannels c: Int, outChannels k: Int) -> Int { pointStride(rows: k, tiles: c) }

    /// How a batch is cut into pieces: whole images (`images` at a time) when an image's
    /// transformed input and output fit `bytes`, else bands of `tileRows` rows of tiles of one image.
    struct Pieces {
        var tile: Tile
        var tileRows: Int
        var images: Int
        var tilesPerRow: Int
        var tilesPerPiece: Int { images * tileRows * tilesPerRow }
        /// Output rows a piece of one image covers.
        var outputRows: Int { tile.side * tileRows }
    }

    static func pieces(_ tile: Tile, inChannels c: Int, outChannels k: Int, height h: Int, width w: Int, images n: Int,
                       bytes: Int) -> Pieces {
        let tw = w / tile.side, th = h / tile.side
        let bytesPerTile = tile.points * (c + k) * 4
        let tiles = max(tw, bytes / bytesPerTile)
        let tileRows = min(th, max(1, tiles / tw))
        let images = tileRows < th ? 1 : max(1, min(n, tiles / (th * tw)))
        return Pieces(tile: tile, tileRows: tileRows, images: images, tilesPerRow: tw)
    }

    /// U = G g Gᵀ of every kernel, [ξ][k][c].
    static func transformWeights(_ tile: Tile, _ w: UnsafePointer<Float>, outChannels k: Int, inChannels c: Int,
                                 into u: UnsafeMutablePointer<Float>) {
        let stride = weightPointStride(inChannels: c, outChannels: k)
        switch tile {
        case .f2: asl_winograd_weights(w, k, c, u, stride)
        case .f4: asl_winograd4_weights(w, k, c, u, stride)
        }
    }

    /// Where one piece's images and rows are: `count` images from `first`, tile rows
    /// `tileRow0 ..< tileRow0 + tileRows`, in a (C, N, H, W) batch of `batch` images.
    struct Piece {
        var tile: Tile
        var first: Int, count: Int, tileRow0: Int, tileRows: Int
        var batch: Int, height: Int, width: Int
        var tilesPerImage: Int { tileRows * (width / tile.side) }
        var tiles: Int { count * tilesPerImage }
        var plane: Int { height * width }
    }

    /// Floats between consecutive points of a [ξ][rows][tiles] array: rows · tiles rounded up to
    /// whole cache lines (16 floats), and to an odd number of them. With SmallCNN's channel
    /// counts the unpadded stride is a multiple of 4 KB, which put all 16 or 36 streams a
    /// transform reads or writes in one set of the L1 and L2 caches; padded, the transforms ran
    /// 2.5× faster on AMD EPYC (one core, in cache).
    static func pointStride(rows: Int, tiles: Int) -> Int { 16 * (((rows * tiles + 15) / 16) | 1) }

    /// Floats of a transformed array of `rows` channels and `tiles` tiles.
    static func transformedSize(_ tile: Tile, rows: Int, tiles: Int) -> Int { tile.points * pointStride(rows: rows, tiles: tiles) }

    /// Floats a worker needs for a piece of `tiles` tiles: V and M forward (V as float32 or as
    /// packed bf16 pairs, whichever is larger); V, dM and dV backward.
    static func workspaceSize(_ tile: Tile, inChannels c: Int, outChannels k: Int, tiles t: Int, backward: Bool) -> Int {
        backward ? 2 * transformedSize(tile, rows: c, tiles: t) + transformedSize(tile, rows: k, tiles: t)
            : forwardInputSize(tile, inChannels: c, tiles: t) + transformedSize(tile, rows: k, tiles: t)
    }

    /// Floats of forward's V: float32, or (bf16, packed by the transform) 4-byte pairs in either
    /// kernel's layout.
    static func forwardInputSize(_ tile: Tile, inChannels c: Int, tiles t: Int) -> Int {
        max(transformedSize(tile, rows: c, tiles: t), tile.points * packedInputPointStride(inChannels: c, tiles: t),
            tile.points * amxPackedInputPointStride(inChannels: c, tiles: t))
    }

    // MARK: bf16 operands packed where they are made

    /// Whether bf16 forward packs its operands where they are made: the transformed weights
    /// once per forward, and V by the input transform itself, in the AVX512-BF16 kernel's
    /// layout. The per-point products then pack nothing (in inference, packing was a quarter of
    /// their time). It needs F(2×2), rows of tiles in whole 16-tile vectors (planes 32, 64, … px
    /// wide), channels the kernel sums in one pass, and the CPU's AVX512-BF16 (AMX packs its own way).
    static func packsBF16Forward(_ tile: Tile, kernel: ProductKernel, inChannels c: Int, width w: Int) -> Bool {
        tile == .f2 && kernel == .avx512BF16 && (w / 2) % 16 == 0 && c <= 384 && asl_simd_has_avx512_bf16() != 0
    }

    /// Whether bf16 forward on AMX has the input transform write V in the AMX product's layout
    /// (`asl_winograd_input_bf16_packed_amx`), so that no point's product converts and packs its
    /// V: on AMX the tiles multiply faster than those passes run (the weights, a few thousand
    /// values a point, are still packed by each product). F(2×2), rows of tiles in whole 16-tile
    /// vectors, at most 512 channels (one pass over k), and AVX512-BF16 for the conversion.
    static func packsAMXForward(_ tile: Tile, kernel: ProductKernel, inChannels c: Int, width w: Int) -> Bool {
        tile == .f2 && kernel == .amxBF16 && (w / 2) % 16 == 0 && c <= 512 && asl_simd_has_avx512_bf16() != 0
    }

    /// 4-byte entries between the points of a V packed for AMX: the AMX product's packed B of C
    /// channels by t tiles (strips of 32 tiles of ⌈C/32⌉·16 channel pairs where C ≤ 512), padded
    /// as `pointStride` is. (0 where the build has no AMX kernel.)
    static func amxPackedInputPointStride(inChannels c: Int, tiles t: Int) -> Int {
        let entries = asl_gemm_bf16_amx_packed_b_bytes(c, t) / 4
        return entries == 0 ? 0 : 16 * ((entries + 15) / 16 | 1)
    }

    /// 4-byte entries between the points of the packed transformed weights (K × C each, as the kernel's A).
    static func packedWeightPointStride(inChannels c: Int, outChannels k: Int) -> Int {
        16 * ((asl_gemm_bf16_avx512_packed_a_bytes(k, c) / 4 + 15) / 16)
    }

    /// 4-byte entries between the points of a packed V: strips of 48 tiles of ⌈C/2⌉ channel pairs,
    /// padded as `pointStride` is (an odd number of cache lines).
    static func packedInputPointStride(inChannels c: Int, tiles t: Int) -> Int {
        16 * (((c + 1) / 2 * ((t + 47) / 48 * 48) + 15) / 16 | 1)
    }

    /// The transformed weights `u` ([ξ][k][c]) packed for the kernel, into `packed`
    /// (`tile.points · packedWeightPointStride` entries, 64-byte aligned).
    static func packWeights(_ tile: Tile, _ u: UnsafePointer<Float>, outChannels k: Int, inChannels c: Int,
                            into packed: UnsafeMutableRawPointer) {
        let stride = weightPointStride(inChannels: c, outChannels: k), packedStride = packedWeightPointStride(inChannels: c, outChannels: k)
        for point in 0..<tile.points {
            let done = asl_gemm_bf16_avx512_pack_a(k, c, u + point * stride, c, packed + 4 * point * packedStride)
            precondition(done != 0, "packsBF16Forward checked the CPU and the channels")
        }
    }

    /// Where a piece's planes lie: `start` is the first image's first value, each channel's
    /// values `channelStride` floats after the previous channel's, each image's `imageStride`
    /// after the previous image's, rows `width` apart. In a layer's (K, N, H, W) tensor that is
    /// the piece's place in the batch; a buffer holding only the piece (K, count, rows, W) keeps
    /// what is pooled at once (outputs) or routed from the pool (output gradients) out of memory.
    struct Planes<Pointer> {
        var start: Pointer
        var channelStride: Int
        var imageStride: Int
    }

    /// Where forward writes a piece's outputs (from its first row).
    typealias OutputPlace = Planes<UnsafeMutablePointer<Float>>

    /// Where inference's epilogue puts a piece's pooled values when F(2×2)'s output transform
    /// pools them itself (each tile is one 2 × 2 window): the piece's first pooled value, channel
    /// and image strides, and the bias and ReLU that follow the maximum.
    struct PooledPlace {
        var planes: Planes<UnsafeMutablePointer<Float>>
        var bias: UnsafePointer<Float>
        var relu: Bool
    }
    /// Where backward reads a piece's output gradient (whole planes).
    typealias GradientPlace = Planes<UnsafePointer<Float>>

    /// Forward of one piece: the convolution's outputs (no bias) of its rows, written to
    /// `out`, through V and M in `workspace` (`workspaceSize` floats).
    /// With `packedWeights` (`packWeights`' result, where `packsBF16Forward`), the input
    /// transform writes V packed and the products read both operands as they are; on AMX
    /// (`packsAMXForward`) it writes V in the AMX product's layout. With `pooled`
    /// (inference), F(2×2) writes the pooled, biased and ReLU'd values there instead of `out`
    /// and returns true; false means `out` holds the outputs, for the caller to pool.
    @discardableResult
    static func forward(_ piece: Piece, input x: UnsafePointer<Float>, inChannels c: Int, outChannels k: Int,
                        weights u: UnsafePointer<Float>, packedWeights: UnsafeRawPointer? = nil, workspace: UnsafeMutablePointer<Float>,
                        out: OutputPlace, pooled: PooledPlace? = nil, engine: Engine, name: String) -> Bool {
        let t = piece.tiles, stride = piece.batch * piece.plane, points = piece.tile.points
        let vStride = pointStride(rows: c, tiles: t), mStride = pointStride(rows: k, tiles: t)
        let v = workspace, m = workspace + forwardInputSize(piece.tile, inChannels: c, tiles: t)
        let transformOutput = piece.tile == .f2 ? asl_winograd_output : asl_winograd4_output
        let packedStride = packedInputPointStride(inChannels: c, tiles: t)
        let packed = UnsafeMutableRawPointer(v).assumingMemoryBound(to: UInt32.self)
        var inputPacked = false
        let amx = packsAMXForward(piece.tile, kernel: engine.kernel, inChannels: c, width: piece.width)
        let amxStride = amxPackedInputPointStride(inChannels: c, tiles: t)
        if amx {
            // Declines where the plain transforms are forced (tests); V is then made as below.
            engine.timedInWorker(name, .forward, .transform) {
                inputPacked = (0..<piece.count).allSatisfy { i in
                    asl_winograd_input_bf16_packed_amx(x + (piece.first + i) * piece.plane, c, stride, piece.height, piece.width,
                                                       piece.tileRow0, piece.tileRows, packed, i * piece.tilesPerImage, t, amxStride) != 0
                }
            }
        } else if packedWeights != nil {
            // The transform declines where the plain transforms are forced (tests); V is then made as below.
            engine.timedInWorker(name, .forward, .transform) {
                inputPacked = (0..<piece.count).allSatisfy { i in
                    asl_winograd_input_bf16_packed(x + (piece.first + i) * piece.plane, c, stride, piece.height, piece.width,
                                                   piece.tileRow0, piece.tileRows, packed, i * piece.tilesPerImage, t, packedStride) != 0
                }
            }
        }
        if inputPacked, amx {
            let uStride = weightPointStride(inChannels: c, outChannels: k)
            engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(points * k * c * t)) {
                for point in 0..<points {
                    let done = BLAS.amxPackedProduct(0, k, t, c, u + point * uStride, c, packed + point * amxStride, 0, m + point * mStride, t)
                    precondition(done != 0, "packsAMXForward checked the CPU")
                }
            }
        } else if inputPacked, let packedWeights {
            let weightStride = packedWeightPointStride(inChannels: c, outChannels: k)
            engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(points * k * c * t)) {
                for point in 0..<points {
                    let done = asl_gemm_bf16_avx512_prepacked(k, t, c, packedWeights + 4 * point * weightStride, packed + point * packedStride,
                                                              0, m + point * mStride, t)
                    precondition(done != 0, "packsBF16Forward checked the CPU and the channels")
                }
            }
        } else {
            let transformInput = piece.tile == .f2 ? asl_winograd_input : asl_winograd4_input
            engine.timedInWorker(name, .forward, .transform) {
                for i in 0..<piece.count {
                    transformInput(x + (piece.first + i) * piece.plane, c, stride, piece.height, piece.width,
                                   piece.tileRow0, piece.tileRows, v + i * piece.tilesPerImage, t, vStride)
                }
            }
            engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(points * k * c * t)) {
                pointProducts(engine, points, false, false, m: k, n: t, k: c, u, lda: c, v, ldb: t, beta: 0, m, ldc: t,
                              pointStrides: (weightPointStride(inChannels: c, outChannels: k), vStride, mStride))
            }
        }
        var pooledHere = false
        if let pooled, piece.tile == .f2 {
            // Declines (without AVX-512, or with the plain transforms forced) before writing anything.
            engine.timedInWorker(name, .forward, .transform) {
                pooledHere = (0..<piece.count).allSatisfy { i in
                    asl_winograd_output_pooled(m + i * piece.tilesPerImage, t, mStride, k, piece.tilesPerImage, pooled.bias,
                                               pooled.relu ? 1 : 0, pooled.planes.start + i * pooled.planes.imageStride,
                                               pooled.planes.channelStride) != 0
                }
            }
            if pooledHere { return true }
        }
        engine.timedInWorker(name, .forward, .transform) {
            for i in 0..<piece.count {
                // The output transform's first tile row is 0 here: `out.start` is already at the piece's first row.
                transformOutput(m + i * piece.tilesPerImage, t, mStride, k, out.channelStride, piece.width, 0, piece.tileRows,
                                out.start + i * out.imageStride)
            }
        }
        return false
    }

    /// The weight gradient's products dU = dM · Vᵀ have the K × C result in one orientation or
    /// the other, and the product kernel's strips are 48 columns wide: C × K (V · dMᵀ) when K
    /// is the wider (conv 3: 128 columns fill 89 % of three strips, where 64 fill 67 % of two).
    /// Each entry is the same sum over the tiles either way.
    static func gradientIsChannelMajor(inChannels c: Int, outChannels k: Int) -> Bool { k > c }

    /// Whether the weight gradient's products dU = dM · Vᵀ run as dot products with their lanes in
    /// registers (`asl_sgemm_dot_registers_avx512`, or `asl_gemm_bf16_dot_registers_avx512` in
    /// bf16) instead of the packed kernel, for pieces of 256 tiles or more. Both operands already
    /// run along the tiles, so nothing is transposed into pairs; below 256 tiles the lanes' final
    /// sums cost more than packing saves. fp32: conv 2 of SmallCNN (pieces of one image, 256
    /// tiles; 32 × 64 entries a point) ran its dU products 1.3–1.5× faster this way (AMD EPYC,
    /// one core); conv 3's 128-tile pieces stay packed. bf16 (F(2×2), larger pieces): conv 2's
    /// 672-tile pieces 1.45× and conv 3's 256-tile ones 1.1× faster than packing both operands
    /// into pairs and running the 8 × 32 kernel (AMD EPYC, one core, 16 points).
    /// Which one runs depends on the shapes alone, so the bits do not depend on the thread count.
    static func gradientInRegisterDots(_ kernel: ProductKernel, tiles: Int) -> Bool {
        switch kernel {
        case .avx512: return tiles >= 256 && asl_simd_has_avx512() != 0
        case .avx512BF16: return tiles >= 256 && asl_simd_has_avx512_bf16() != 0
        default: return false
        }
    }

    /// Backward of one piece: adds dM · Vᵀ to the part's weight-gradient partial `du` ([ξ][k][c],
    /// or [ξ][c][k] where `gradientIsChannelMajor`) and, with `dx`, adds the piece's input
    /// gradient onto it (its planes zeroed by the caller before an image's first piece), through
    /// V, dM and dV in `workspace` (`workspaceSize` floats).
    static func backward(_ piece: Piece, input x: UnsafePointer<Float>, outputGradient dy: GradientPlace,
                         inChannels c: Int, outChannels k: Int, weights u: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>,
                         du: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, engine: Engine, name: String) {
        let t = piece.tiles, stride = piece.batch * piece.plane, points = piece.tile.points
        let vStride = pointStride(rows: c, tiles: t), mStride = pointStride(rows: k, tiles: t)
        let v = workspace, dm = workspace + points * vStride, dv = dm + points * mStride
        let transformInput = piece.tile == .f2 ? asl_winograd_input : asl_winograd4_input
        let outputAdjoint = piece.tile == .f2 ? asl_winograd_output_adjoint : asl_winograd4_output_adjoint
        let inputAdjoint = piece.tile == .f2 ? asl_winograd_input_adjoint : asl_winograd4_input_adjoint
        engine.timedInWorker(name, .backward, .transform) {
            for i in 0..<piece.count {
                let offset = (piece.first + i) * piece.plane
                transformInput(x + offset, c, stride, piece.height, piece.width, piece.tileRow0, piece.tileRows,
                               v + i * piece.tilesPerImage, t, vStride)
                outputAdjoint(dy.start + i * dy.imageStride, k, dy.channelStride, piece.width, piece.tileRow0, piece.tileRows,
                              dm + i * piece.tilesPerImage, t, mStride)
            }
        }
        engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(points * k * c * t)) {
            if gradientIsChannelMajor(inChannels: c, outChannels: k) {
                pointProducts(engine, points, false, true, m: c, n: k, k: t, v, lda: t, dm, ldb: t, beta: 1, du, ldc: k,
                              pointStrides: (vStride, mStride, weightPointStride(inChannels: c, outChannels: k)))
            } else {
                pointProducts(engine, points, false, true, m: k, n: c, k: t, dm, lda: t, v, ldb: t, beta: 1, du, ldc: c,
                              pointStrides: (mStride, vStride, weightPointStride(inChannels: c, outChannels: k)))
            }
        }
        guard let dx else { return }
        engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(points * k * c * t)) {
            pointProducts(engine, points, true, false, m: c, n: t, k: k, u, lda: c, dm, ldb: t, beta: 0, dv, ldc: t,
                          pointStrides: (weightPointStride(inChannels: c, outChannels: k), mStride, vStride))
        }
        engine.timedInWorker(name, .backward, .transform) {
            for i in 0..<piece.count {
                inputAdjoint(dv + i * piece.tilesPerImage, t, vStride, c, stride, piece.height, piece.width,
                             piece.tileRow0, piece.tileRows, dx + (piece.first + i) * piece.plane)
            }
        }
    }

    /// The products C_ξ = op(A_ξ) · op(B_ξ) + beta · C_ξ, one per transform point, for
    /// [ξ][rows][columns] arrays whose ξ-th matrices are `pointStrides` floats after their (ξ − 1)-th.
    /// In fp32 on AVX-512 a B that is not transposed (forward's V, backward's dM) is read where
    /// it lies (`asl_sgemm_avx512_b_in_place`, the packed kernel's bits): packing it copied as
    /// much as each product writes, for 64 or 128 rows of A. Alone, one core, 36 points of
    /// SmallCNN's shapes: 5–12 % faster (AMD EPYC). The weight gradient's A · Bᵀ over `k` tiles
    /// runs as dot products in registers where `gradientInRegisterDots` says.
    private static func pointProducts(_ engine: Engine, _ points: Int, _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                      _ c: UnsafeMutablePointer<Float>, ldc: Int, pointStrides: (a: Int, b: Int, c: Int)) {
        for point in 0..<points {
            let (ap, bp, cp) = (a + point * pointStrides.a, b + point * pointStrides.b, c + point * pointStrides.c)
            if engine.kernel == .avx512, !transB,
               asl_sgemm_avx512_b_in_place(transA ? 1 : 0, m, n, k, ap, lda, bp, ldb, beta, cp, ldc) != 0 { continue }
            if !transA, transB, gradientInRegisterDots(engine.kernel, tiles: k) {
                let done = engine.kernel == .avx512BF16
                    ? asl_gemm_bf16_dot_registers_avx512(m, n, k, ap, lda, bp, ldb, beta, cp, ldc)
                    : asl_sgemm_dot_registers_avx512(m, n, k, ap, lda, bp, ldb, beta, cp, ldc)
                if done != 0 { continue }
            }
            BLAS.gemm(engine.kernel, transA, transB, m: m, n: n, k: k, ap, lda: lda, bp, ldb: ldb, beta: beta, cp, ldc: ldc)
        }
    }

    /// dw += Gᵀ dU G.
    static func addWeightGradient(_ tile: Tile, _ du: UnsafePointer<Float>, outChannels k: Int, inChannels c: Int,
                                  into dw: UnsafeMutablePointer<Float>) {
        let channelMajor: Int32 = gradientIsChannelMajor(inChannels: c, outChannels: k) ? 1 : 0
        let stride = weightPointStride(inChannels: c, outChannels: k)
        switch tile {
        case .f2: asl_winograd_weights_adjoint(du, channelMajor, k, c, stride, dw)
        case .f4: asl_winograd4_weights_adjoint(du, channelMajor, k, c, stride, dw)
        }
    }
}
